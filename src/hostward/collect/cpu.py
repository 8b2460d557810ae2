"""/proc/stat: per-CPU time counters, context switches, forks, runnable and blocked tasks."""

from __future__ import annotations

from hostward.digits import is_digits
from hostward.errors import CollectError
from hostward.frozen import frozen
from hostward.procfs import ProcFS

# Order of the time columns on a "cpu" line (proc(5)). steal since 2.6.11, guest 2.6.24, guest_nice 2.6.33:
# older kernels print fewer columns, which we read as zero.
CPU_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice")


TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import NamedTuple, Protocol

    class Ticks(Protocol):
        """Anything with /proc/stat's time columns (CpuTimes, or a report's mutable working copy)."""

        @property
        def user(self) -> int: ...
        @property
        def nice(self) -> int: ...
        @property
        def system(self) -> int: ...
        @property
        def idle(self) -> int: ...
        @property
        def iowait(self) -> int: ...
        @property
        def irq(self) -> int: ...
        @property
        def softirq(self) -> int: ...
        @property
        def steal(self) -> int: ...


def total_ticks(t: Ticks) -> int:
    """All ticks of a CPU line. guest and guest_nice are left out: the kernel already counts them in user
    and nice (kernel/sched/cputime.c account_guest_time)."""
    return t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal


if TYPE_CHECKING:

    class _Times(NamedTuple):
        user: int = 0
        nice: int = 0
        system: int = 0
        idle: int = 0
        iowait: int = 0
        irq: int = 0
        softirq: int = 0
        steal: int = 0
        guest: int = 0
        guest_nice: int = 0

else:  # the same named tuple without importing typing (3 ms of start-up)
    from collections import namedtuple

    _Times = namedtuple("_Times", CPU_FIELDS, defaults=(0,) * len(CPU_FIELDS))


class CpuTimes(_Times):
    """Cumulative time a CPU spent in each mode, in clock ticks (USER_HZ, 100 on every Linux arch sar knows).

    As in the kernel, ``user`` includes ``guest`` and ``nice`` includes ``guest_nice``.

    A named tuple in ``CPU_FIELDS`` order, not a @frozen record: a report reads each CPU line's ticks as a tuple
    (activities/cpu.py) and the reader builds these lines by the thousand (store/parts.py); a tuple is both at
    a third of a record's cost (issue 17). No JSON output holds CPU lines (frozen.jsonable would list it).
    """

    __slots__ = ()

    @property
    def total(self) -> int:
        """All ticks, without counting guest time twice (it is already in user/nice)."""
        return total_ticks(self)


@frozen
class CpuStat:
    """One read of /proc/stat."""

    all: CpuTimes
    # Indexed by CPU number; an offline CPU has no line in /proc/stat and is None here.
    per_cpu: tuple[CpuTimes | None, ...]
    context_switches: int
    forks: int  # "processes": tasks created since boot
    procs_running: int
    procs_blocked: int
    boot_time: int  # btime, seconds since the epoch
    interrupts: int  # first field of "intr": all interrupts serviced since boot


_STAT_SCALARS = frozenset(("ctxt", "processes", "procs_running", "procs_blocked", "btime", "intr"))


def parse_stat(text: str) -> CpuStat:
    """Parse the text of /proc/stat. Raises CollectError when the mandatory "cpu" line is missing."""
    total: CpuTimes | None = None
    cpus: dict[int, CpuTimes] = {}
    scalars: dict[str, int] = {}
    for line in text.splitlines():
        # Split only the lines we use: "intr" and "softirq" carry hundreds of per-source counters, and
        # splitting them was most of the cost of parsing /proc/stat at every recorded sample.
        head = line.split(None, 1)
        if not head:
            continue
        key, rest = head[0], head[1] if len(head) > 1 else ""
        if key.startswith("cpu"):
            times = _parse_times(rest.split(), line)
            if key == "cpu":
                total = times
            elif is_digits(key[3:]):
                cpus[int(key[3:])] = times
        elif key in _STAT_SCALARS:
            first = rest.split(None, 1)
            if not first:
                continue
            try:
                scalars[key] = int(first[0])
            except ValueError as exc:
                raise CollectError(f"/proc/stat: bad value in line {line!r}") from exc
    if total is None:
        raise CollectError("/proc/stat: no 'cpu' line")
    per_cpu = tuple(cpus.get(i) for i in range(max(cpus) + 1)) if cpus else ()
    return CpuStat(
        all=total,
        per_cpu=per_cpu,
        context_switches=scalars.get("ctxt", 0),
        forks=scalars.get("processes", 0),
        procs_running=scalars.get("procs_running", 0),
        procs_blocked=scalars.get("procs_blocked", 0),
        boot_time=scalars.get("btime", 0),
        interrupts=scalars.get("intr", 0),
    )


def _parse_times(fields: list[str], line: str) -> CpuTimes:
    if len(fields) < 4:
        raise CollectError(f"/proc/stat: too few fields in line {line!r}")
    try:
        values = list(map(int, fields[: len(CPU_FIELDS)]))
    except ValueError as exc:
        raise CollectError(f"/proc/stat: bad value in line {line!r}") from exc
    return CpuTimes(*values)


def read_stat(procfs: ProcFS) -> CpuStat:
    return parse_stat(procfs.read("stat"))
