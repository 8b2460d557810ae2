"""/proc/loadavg and /proc/uptime."""

from __future__ import annotations

from hostward.errors import CollectError
from hostward.frozen import frozen
from hostward.procfs import ProcFS


@frozen
class LoadAvg:
    """/proc/loadavg."""

    load1: float
    load5: float
    load15: float
    runnable: int  # tasks running or runnable right now, the reader itself included
    threads: int  # all tasks (threads) in the system: sar's plist-sz
    last_pid: int


def parse_loadavg(text: str) -> LoadAvg:
    """Parse "0.52 0.58 0.59 2/467 12345"."""
    parts = text.split()
    try:
        running, threads = parts[3].split("/")
        return LoadAvg(
            float(parts[0]), float(parts[1]), float(parts[2]), int(running), int(threads), int(parts[4])
        )
    except (IndexError, ValueError) as exc:
        raise CollectError(f"/proc/loadavg: unexpected content {text.strip()!r}") from exc


def read_loadavg(procfs: ProcFS) -> LoadAvg:
    return parse_loadavg(procfs.read("loadavg"))


@frozen
class Uptime:
    """Seconds since boot. sysstat measures intervals with this, never with the wall clock, so a clock step
    (NTP, an administrator's `date -s`) cannot make a rate negative or huge."""

    uptime_seconds: float
    idle_seconds: float  # summed over CPUs


def parse_uptime(text: str) -> Uptime:
    parts = text.split()
    try:
        return Uptime(float(parts[0]), float(parts[1]))
    except (IndexError, ValueError) as exc:
        raise CollectError(f"/proc/uptime: unexpected content {text.strip()!r}") from exc


def read_uptime(procfs: ProcFS) -> Uptime:
    return parse_uptime(procfs.read("uptime"))
