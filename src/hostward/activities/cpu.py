"""sar -u [ALL] / -P {N|ALL}: CPU utilisation from /proc/stat, per CPU and "all".

As sysstat 12.6 (sa_common.c get_global_cpu_statistics), CPU "all" is the sum of the per-CPU lines, not the
kernel's "cpu" line, and its interval is the sum of the per-CPU intervals; each CPU's own interval is
recomputed from its ticks (rd_stats.c get_per_cpu_interval) because tick counts drift between CPUs.
"""

from __future__ import annotations

from dataclasses import dataclass

from hostward.activities.base import Activity, Column, Interval, ItemSpec, Kind, Row, Tolerance
from hostward.collect.cpu import CpuTimes, total_ticks

_NE = "node_cpu_seconds_total"
_T = (
    "sadc and hostward read /proc/stat a few ms apart: each end of the interval may differ by one 10 ms tick per "
    "CPU, i.e. up to 2 points of a 1 s per-CPU line (1 point for 'all' on 2 CPUs), plus load that runs in between"
)
_TOL = Tolerance(_T, abs=3.0)

COLUMNS = (
    Column("%user", "user", "percent", node_exporter=f'{_NE}{{mode="user"}}', parity=_TOL),
    Column("%nice", "nice", "percent", node_exporter=f'{_NE}{{mode="nice"}}', parity=_TOL),
    Column("%system", "system", "percent", node_exporter=f'{_NE}{{mode=~"system|irq|softirq"}}', parity=_TOL),
    Column("%iowait", "iowait", "percent", node_exporter=f'{_NE}{{mode="iowait"}}', parity=_TOL),
    Column("%steal", "steal", "percent", node_exporter=f'{_NE}{{mode="steal"}}', parity=_TOL),
    Column("%nice", "nice", "percent", node_exporter=f'{_NE}{{mode="nice"}}', parity=_TOL, key="%nice-guest"),
    Column(
        "%usr",
        "usr",
        "percent",
        node_exporter=f'{_NE}{{mode="user"}} - node_cpu_guest_seconds_total',
        parity=_TOL,
    ),
    Column("%sys", "sys", "percent", node_exporter=f'{_NE}{{mode="system"}}', parity=_TOL),
    Column("%irq", "irq", "percent", node_exporter=f'{_NE}{{mode="irq"}}', parity=_TOL),
    Column("%soft", "soft", "percent", node_exporter=f'{_NE}{{mode="softirq"}}', parity=_TOL),
    Column(
        "%guest", "guest", "percent", node_exporter='node_cpu_guest_seconds_total{mode="user"}', parity=_TOL
    ),
    Column(
        "%gnice", "gnice", "percent", node_exporter='node_cpu_guest_seconds_total{mode="nice"}', parity=_TOL
    ),
    Column("%idle", "idle", "percent", node_exporter=f'{_NE}{{mode="idle"}}', parity=_TOL),
)


@dataclass(slots=True)
class _Ticks:
    """Mutable copy of CpuTimes: get_per_cpu_interval adjusts the previous idle/iowait in place."""

    user: int
    nice: int
    system: int
    idle: int
    iowait: int
    irq: int
    softirq: int
    steal: int
    guest: int
    guest_nice: int

    @classmethod
    def of(cls, t: CpuTimes) -> _Ticks:
        return cls(
            t.user, t.nice, t.system, t.idle, t.iowait, t.irq, t.softirq, t.steal, t.guest, t.guest_nice
        )

    def total(self) -> int:
        return total_ticks(self)

    def add(self, other: _Ticks) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _zero() -> _Ticks:
    return _Ticks(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


_WRAP_GUARD = (1 << 64) - 0x7FFFF


def _per_cpu_interval(c: _Ticks, p: _Ticks) -> int:
    """rd_stats.c get_per_cpu_interval (12.6.1), including its fix-ups of the previous idle/iowait."""
    ishift = 0
    if c.user - c.guest < p.user - p.guest:
        ishift += (p.user - p.guest) - (c.user - c.guest)
    if c.nice - c.guest_nice < p.nice - p.guest_nice:
        ishift += (p.nice - p.guest_nice) - (c.nice - c.guest_nice)
    if c.iowait < p.iowait and p.iowait < _WRAP_GUARD:
        # iowait can go back when the kernel re-accounts waiting as idle; a CPU back online restarts it at 0.
        p.iowait = c.iowait if (c.idle > p.idle or p.idle >= _WRAP_GUARD) else 0
    if c.idle < p.idle and p.idle < _WRAP_GUARD:
        p.idle = 0
    return c.total() - p.total() + ishift


def _sp(p: int, c: int, total: int) -> float:
    """common.c ll_sp_value: a counter that went back (dyn-tick race) reads 0."""
    return 0.0 if c < p else (c - p) / total * 100


def _values(c: _Ticks, p: _Ticks, total: int) -> tuple[float, ...]:
    """Every column, in COLUMNS order (pr_stats.c print_cpu_stats, both the default and the ALL branch)."""
    idle = 0.0 if c.idle < p.idle else _sp(p.idle, c.idle, total)
    usr = 0.0 if c.user - c.guest < p.user - p.guest else _sp(p.user - p.guest, c.user - c.guest, total)
    nice_ng = (
        0.0
        if c.nice - c.guest_nice < p.nice - p.guest_nice
        else _sp(p.nice - p.guest_nice, c.nice - c.guest_nice, total)
    )
    return (
        _sp(p.user, c.user, total),
        _sp(p.nice, c.nice, total),
        _sp(p.system + p.irq + p.softirq, c.system + c.irq + c.softirq, total),
        _sp(p.iowait, c.iowait, total),
        _sp(p.steal, c.steal, total),
        nice_ng,
        usr,
        _sp(p.system, c.system, total),
        _sp(p.irq, c.irq, total),
        _sp(p.softirq, c.softirq, total),
        _sp(p.guest, c.guest, total),
        _sp(p.guest_nice, c.guest_nice, total),
        idle,
    )


# A tickless CPU (no tick at all in the interval) reads 0 everywhere and 100 % idle; %nice in the ALL view is
# the guest-less nice, which is 0 too.
_TICKLESS = (0.0,) * 12 + (100.0,)
# Counters that went back in total (a corrupt or foreign file): sysstat's interval is unsigned, so it wraps to
# about 2**64 ticks and every share prints 0.00; never a negative share such as -5.13 %idle.
_BACKWARDS = (0.0,) * 13


def cpu_rows(span: Interval) -> list[Row]:
    """Rows "all", "0", "1", ... ; an offline CPU (no line in /proc/stat) gets no row and adds nothing to "all"."""
    prev_cpus, curr_cpus = span.prev.cpu.per_cpu, span.curr.cpu.per_cpu
    if not curr_cpus and not prev_cpus:
        # Kernel without per-CPU lines: "all" is the global line (sysstat's UP case).
        c, p = _Ticks.of(span.curr.cpu.all), _Ticks.of(span.prev.cpu.all)
        total = _per_cpu_interval(c, p)
        return [Row("all", _values(c, p, total or 1) if total >= 0 else _BACKWARDS)]
    all_c, all_p = _zero(), _zero()
    deltot = 0
    per_cpu: list[Row] = []
    for number in range(max(len(curr_cpus), len(prev_cpus))):
        now = curr_cpus[number] if number < len(curr_cpus) else None
        before = prev_cpus[number] if number < len(prev_cpus) else None
        if before is None:
            # Came back online with no reference: not shown and not counted (jump-from-zero syndrome).
            continue
        p = _Ticks.of(before)
        c = _Ticks.of(now) if now is not None else _Ticks.of(before)
        interval = _per_cpu_interval(c, p)
        deltot += interval
        all_c.add(c)
        all_p.add(p)
        if now is None:
            continue  # offline now: counted (as no change) in "all", not displayed
        per_cpu.append(
            Row(
                str(number),
                _values(c, p, interval) if interval > 0 else _BACKWARDS if interval else _TICKLESS,
            )
        )
    return [Row("all", _values(all_c, all_p, deltot or 1) if deltot >= 0 else _BACKWARDS), *per_cpu]


CPU = Activity(
    name="cpu",
    flag="-u",
    order=0,
    title="CPU utilisation (-u [ALL], -P {N|ALL})",
    kind=Kind.COUNTER,
    columns=COLUMNS,
    rows=cpu_rows,
    json_section="cpu-load",
    json_list=True,
    item=ItemSpec("CPU", width=7, json_key="cpu", csv_all="-1", movable=False),
    views={
        "": ("%user", "%nice", "%system", "%iowait", "%steal", "%idle"),
        "ALL": (
            "%usr",
            "%nice-guest",
            "%sys",
            "%iowait",
            "%steal",
            "%irq",
            "%soft",
            "%guest",
            "%gnice",
            "%idle",
        ),
    },
)
