"""One declarative definition per sar activity; every output (sar text, sadf CSV/JSON, ...) reads these."""

from __future__ import annotations

from hostward.activities.base import Activity
from hostward.activities.cache import CACHE
from hostward.activities.cpu import CPU
from hostward.activities.disk import DISK
from hostward.activities.filesystems import FILESYSTEMS, FILESYSTEMS_MOUNT
from hostward.activities.huge import HUGE
from hostward.activities.io import IO
from hostward.activities.ktables import KTABLES
from hostward.activities.memory import MEMORY
from hostward.activities.net_dev import NET_DEV
from hostward.activities.net_edev import NET_EDEV
from hostward.activities.paging import PAGING
from hostward.activities.psi import PSI_CPU, PSI_IO, PSI_MEM
from hostward.activities.queue import QUEUE
from hostward.activities.snmp import NET_EIP, NET_ETCP, NET_IP, NET_TCP, NET_UDP
from hostward.activities.sockets import SOCK, SOCK6
from hostward.activities.swap import SWAP
from hostward.activities.swapping import SWAPPING
from hostward.activities.tasks import TASKS
from hostward.activities.time import TIME

# In sysstat's act[] order (activity.c; ``order`` is the index there, swap printing with memory): sar prints
# the reports of a file in this order.
ACTIVITIES: tuple[Activity, ...] = tuple(
    sorted(
        (
            CPU,
            TASKS,
            SWAPPING,
            PAGING,
            IO,
            MEMORY,
            SWAP,
            HUGE,
            KTABLES,
            QUEUE,
            DISK,
            NET_DEV,
            NET_EDEV,
            SOCK,
            NET_IP,
            NET_EIP,
            NET_TCP,
            NET_ETCP,
            NET_UDP,
            SOCK6,
            FILESYSTEMS,
            PSI_CPU,
            PSI_IO,
            PSI_MEM,
        ),
        key=lambda a: a.order,
    )
)
# hostward's own reports, which sysstat lacks: selected by their own flags, never by -A (which stays sar's
# -A, so parity with sysstat holds), and left out of sysstat header matching and parity tests.
HOSTWARD_ACTIVITIES: tuple[Activity, ...] = (TIME, CACHE)
# A second form of a sysstat report, selected by its own option word (-F MOUNT), never by -A.
VARIANTS: tuple[Activity, ...] = (FILESYSTEMS_MOUNT,)
BY_NAME: dict[str, Activity] = {a.name: a for a in (*ACTIVITIES, *HOSTWARD_ACTIVITIES, *VARIANTS)}

__all__ = ["ACTIVITIES", "BY_NAME", "HOSTWARD_ACTIVITIES", "VARIANTS", "Activity"]
