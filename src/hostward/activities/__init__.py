"""One declarative definition per sar activity; every output (sar text, sadf CSV/JSON, ...) reads these."""

from __future__ import annotations

from hostward.activities.base import Activity
from hostward.activities.cpu import CPU
from hostward.activities.disk import DISK
from hostward.activities.io import IO
from hostward.activities.memory import MEMORY
from hostward.activities.net_dev import NET_DEV
from hostward.activities.net_edev import NET_EDEV
from hostward.activities.paging import PAGING
from hostward.activities.queue import QUEUE
from hostward.activities.swap import SWAP
from hostward.activities.swapping import SWAPPING
from hostward.activities.tasks import TASKS

# In sysstat's act[] order (activity.c): sar prints the reports of a file in this order.
ACTIVITIES: tuple[Activity, ...] = tuple(
    sorted(
        (CPU, TASKS, SWAPPING, PAGING, IO, MEMORY, SWAP, QUEUE, DISK, NET_DEV, NET_EDEV),
        key=lambda a: a.order,
    )
)
BY_NAME: dict[str, Activity] = {a.name: a for a in ACTIVITIES}

__all__ = ["ACTIVITIES", "BY_NAME", "Activity"]
