"""One declarative definition per sar activity; every output (sar text, sadf CSV/JSON, ...) reads these.

Definitions are imported when first used: ``get("cpu")`` imports only activities/cpu.py, so ``hostward sar -u``
does not build the columns of twenty other reports at start-up. ``ACTIVITIES``, ``BY_NAME`` and
``HOSTWARD_ACTIVITIES`` import every definition on first access (PEP 562), for the outputs that show them all.
Adding an activity is one module and one line in a table below.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from hostward.activities.base import Activity

    ACTIVITIES: tuple[Activity, ...]
    BY_NAME: dict[str, Activity]
    VARIANTS: tuple[Activity, ...]
    HOSTWARD_ACTIVITIES: tuple[Activity, ...]

# name -> "module:ATTRIBUTE" of the sysstat reports. The name is the activity's own ``name`` (checked by
# tests/activities/test_registry.py); the order of the lines does not matter (``ACTIVITIES`` sorts by ``order``).
SYSSTAT: dict[str, str] = {
    "cpu": "cpu:CPU",
    "tasks": "tasks:TASKS",
    "irq": "irq:IRQ",
    "swapping": "swapping:SWAPPING",
    "paging": "paging:PAGING",
    "io": "io:IO",
    "memory": "memory:MEMORY",
    "swap": "swap:SWAP",
    "huge": "huge:HUGE",
    "ktables": "ktables:KTABLES",
    "queue": "queue:QUEUE",
    "tty": "tty:TTY",
    "disk": "disk:DISK",
    "net_dev": "net_dev:NET_DEV",
    "net_edev": "net_edev:NET_EDEV",
    "net_nfs": "nfs:NET_NFS",
    "net_nfsd": "nfs:NET_NFSD",
    "sock": "sockets:SOCK",
    "net_ip": "snmp:NET_IP",
    "net_eip": "snmp:NET_EIP",
    "net_icmp": "icmp:NET_ICMP",
    "net_eicmp": "icmp:NET_EICMP",
    "net_tcp": "snmp:NET_TCP",
    "net_etcp": "snmp:NET_ETCP",
    "net_udp": "snmp:NET_UDP",
    "sock6": "sockets:SOCK6",
    "net_ip6": "snmp6:NET_IP6",
    "net_eip6": "snmp6:NET_EIP6",
    "net_icmp6": "snmp6:NET_ICMP6",
    "net_eicmp6": "snmp6:NET_EICMP6",
    "net_udp6": "snmp6:NET_UDP6",
    "net_fc": "fchost:NET_FC",
    "softnet": "softnet:SOFTNET",
    "pwr_cpu": "power:PWR_CPU",
    "filesystems": "filesystems:FILESYSTEMS",
    "psi_cpu": "psi:PSI_CPU",
    "psi_io": "psi:PSI_IO",
    "psi_mem": "psi:PSI_MEM",
}
# A second form of a sysstat report, selected by its own option word (-F MOUNT), never by -A.
VARIANT: dict[str, str] = {
    "filesystems_mount": "filesystems:FILESYSTEMS_MOUNT",
}
# hostward's own reports, which sysstat lacks: selected by their own flags, never by -A (which stays sar's
# -A, so parity with sysstat holds), and left out of sysstat header matching and parity tests.
HOSTWARD: dict[str, str] = {
    "time": "time:TIME",
    "cache": "cache:CACHE",
}


def get(name: str) -> Activity:
    """The definition of activity ``name``, importing only its module; KeyError for an unknown name."""
    found = _loaded.get(name)
    if found is None:
        module, _, attribute = (SYSSTAT.get(name) or VARIANT.get(name) or HOSTWARD[name]).partition(":")
        found = getattr(importlib.import_module(f"hostward.activities.{module}"), attribute)
        _loaded[name] = found
    return found


def by_order(names: set[str] | frozenset[str]) -> list[Activity]:
    """The definitions of ``names`` in sysstat's act[] order (activity.c; sar prints a file's reports in it)."""
    return sorted((get(name) for name in names), key=lambda a: a.order)


_loaded: dict[str, Activity] = {}


def __getattr__(name: str) -> object:
    if name == "ACTIVITIES":
        value: object = tuple(by_order(frozenset(SYSSTAT)))
    elif name == "HOSTWARD_ACTIVITIES":
        value = tuple(by_order(frozenset(HOSTWARD)))
    elif name == "VARIANTS":
        value = tuple(by_order(frozenset(VARIANT)))
    elif name == "BY_NAME":
        value = {
            a.name: a
            for a in (
                *by_order(frozenset(SYSSTAT)),
                *by_order(frozenset(HOSTWARD)),
                *by_order(frozenset(VARIANT)),
            )
        }
    elif name == "Activity":
        from hostward.activities.base import Activity  # noqa: PLC0415

        value = Activity
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "ACTIVITIES",
    "BY_NAME",
    "HOSTWARD",
    "HOSTWARD_ACTIVITIES",
    "SYSSTAT",
    "VARIANT",
    "VARIANTS",
    "Activity",
    "by_order",
    "get",
]
