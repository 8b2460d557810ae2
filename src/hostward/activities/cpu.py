"""sar -u [ALL] / -P {N|ALL}: CPU utilisation from /proc/stat, per CPU and "all".

As sysstat 12.6 (sa_common.c get_global_cpu_statistics), CPU "all" is the sum of the per-CPU lines, not the
kernel's "cpu" line, and its interval is the sum of the per-CPU intervals; each CPU's own interval is
recomputed from its ticks (rd_stats.c get_per_cpu_interval) because tick counts drift between CPUs.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import add, sub

from hostward.activities.base import Activity, Column, Interval, ItemSpec, Kind, Row, RowsOfFn, Tolerance

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a report's start-up, issue 17)
if TYPE_CHECKING:
    from hostward.collect.cpu import CpuTimes

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


# A CPU line is a tuple (collect.cpu.CpuTimes, a named tuple in CPU_FIELDS order): user, nice, system, idle,
# iowait, irq, softirq, steal, guest, guest_nice. Read by index and summed with map(): a day's report computes a
# few rows for each of ~86,400 samples.
_NO_TICKS = (0,) * 10
_IDLE, _IOWAIT = 3, 4
_WRAP_GUARD = (1 << 64) - 0x7FFFF
Ticks = tuple[int, ...]


def _total(t: Ticks) -> int:
    """collect.cpu.total_ticks of a tuple: guest and guest_nice are already in user and nice."""
    return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7]


def _per_cpu_interval(c: Ticks, p: Ticks) -> tuple[int, Ticks]:
    """rd_stats.c get_per_cpu_interval (12.6.1): the interval, and the previous line with its fix-ups of
    idle/iowait (sysstat makes them in place; "all" sums the fixed-up lines)."""
    cu, cn, _, ci, cw, _, _, _, cg, cgn = c
    pu, pn, _, pi, pw, _, _, _, pg, pgn = p
    ishift = 0
    if cu - cg < pu - pg:
        ishift += (pu - pg) - (cu - cg)
    if cn - cgn < pn - pgn:
        ishift += (pn - pgn) - (cn - cgn)
    iowait_back, idle_back = cw < pw < _WRAP_GUARD, ci < pi < _WRAP_GUARD
    if iowait_back or idle_back:
        fixed = list(p)
        if iowait_back:
            # iowait can go back when the kernel re-accounts waiting as idle; a CPU back online restarts it at 0.
            fixed[_IOWAIT] = cw if (ci > pi or pi >= _WRAP_GUARD) else 0
        if idle_back:
            fixed[_IDLE] = 0
        p = tuple(fixed)
    return _total(c) - _total(p) + ishift, p


def _values(d: Ticks, total: int) -> tuple[float, ...]:
    """Every column, in COLUMNS order (pr_stats.c print_cpu_stats, both the default and the ALL branch), from
    ``d``: a line's ticks minus the previous line's, field by field (``tuple(map(sub, c, p))`` in _cpu_rows,
    after _per_cpu_interval's fix-ups, and in _all_row), or for "all" those summed over the CPUs. Each share
    is common.c ll_sp_value: a counter that went back (dyn-tick race) reads 0, else (c - p) / total * 100.
    Every share is linear in the ticks, so its (c - p) is a sum of ``d``'s fields: the same integer, and the
    same digits, as sar's."""
    du, dn, ds, di, dw, dq, dsq, dst, dg, dgn = d
    d_sys, d_usr, d_nice = ds + dq + dsq, du - dg, dn - dgn
    return (
        0.0 if du < 0 else du / total * 100,
        0.0 if dn < 0 else dn / total * 100,
        0.0 if d_sys < 0 else d_sys / total * 100,
        0.0 if dw < 0 else dw / total * 100,
        0.0 if dst < 0 else dst / total * 100,
        0.0 if d_nice < 0 else d_nice / total * 100,
        0.0 if d_usr < 0 else d_usr / total * 100,
        0.0 if ds < 0 else ds / total * 100,
        0.0 if dq < 0 else dq / total * 100,
        0.0 if dsq < 0 else dsq / total * 100,
        0.0 if dg < 0 else dg / total * 100,
        0.0 if dgn < 0 else dgn / total * 100,
        0.0 if di < 0 else di / total * 100,
    )


_NOT_SHOWN = float("nan")


def _default_values(d: Ticks, total: int) -> tuple[float, ...]:
    """``_values`` for a report that prints the default view alone (sar -u, sar -P N): its six shares, computed
    as there; the seven columns only the ALL view prints are not computed and hold NaN."""
    du, dn, ds, di, dw, dq, dsq, dst, _, _ = d
    d_sys = ds + dq + dsq
    nan = _NOT_SHOWN
    return (
        0.0 if du < 0 else du / total * 100,
        0.0 if dn < 0 else dn / total * 100,
        0.0 if d_sys < 0 else d_sys / total * 100,
        0.0 if dw < 0 else dw / total * 100,
        0.0 if dst < 0 else dst / total * 100,
        nan,
        nan,
        nan,
        nan,
        nan,
        nan,
        nan,
        0.0 if di < 0 else di / total * 100,
    )


# The columns _default_values computes (the default view's, in COLUMNS order; tests/activities check it).
DEFAULT_COMPUTED = (0, 1, 2, 3, 4, 12)
ValuesFn = Callable[[Ticks, int], tuple[float, ...]]

# A tickless CPU (no tick at all in the interval) reads 0 everywhere and 100 % idle; %nice in the ALL view is
# the guest-less nice, which is 0 too.
_TICKLESS = (0.0,) * 12 + (100.0,)
# Counters that went back in total (a corrupt or foreign file): sysstat's interval is unsigned, so it wraps to
# about 2**64 ticks and every share prints 0.00; never a negative share such as -5.13 %idle.
_BACKWARDS = (0.0,) * 13


def cpu_rows(span: Interval) -> list[Row]:
    """Rows "all", "0", "1", ... ; an offline CPU (no line in /proc/stat) gets no row and adds nothing to "all"."""
    return _cpu_rows(span, None)


def cpu_rows_of(span: Interval, items: frozenset[str]) -> list[Row]:
    """``cpu_rows`` of only these items: every CPU still counts in "all", but only the CPUs shown get their
    thirteen shares computed (sar -u shows "all" alone; sar -P 3 one CPU)."""
    return _cpu_rows(span, items)


def cpu_rows_of_view(view: str) -> RowsOfFn:
    """``cpu_rows_of`` for a report that prints only ``view``'s columns: with the default view (sar -u, -P N)
    each row computes its six shares and holds NaN for the others (``_default_values``); the ALL view
    prints ten of the thirteen, which ``cpu_rows_of`` computes."""
    return _cpu_rows_default_view if view == "" else cpu_rows_of


def _cpu_rows_default_view(span: Interval, items: frozenset[str]) -> list[Row]:
    return _cpu_rows(span, items, _default_values)


def _cpu_rows(span: Interval, items: frozenset[str] | None, values: ValuesFn = _values) -> list[Row]:
    prev_cpus, curr_cpus = span.prev.cpu.per_cpu, span.curr.cpu.per_cpu
    if items == _ALL_ONLY and (row := _all_row(prev_cpus, curr_cpus, values)) is not None:
        return [row]
    if not curr_cpus and not prev_cpus:
        # Kernel without per-CPU lines: "all" is the global line (sysstat's UP case).
        if items is not None and "all" not in items:
            return []
        total, p = _per_cpu_interval(c := span.curr.cpu.all, span.prev.cpu.all)
        return [Row("all", values(tuple(map(sub, c, p)), total or 1) if total >= 0 else _BACKWARDS)]
    all_d: Ticks = _NO_TICKS  # "all": the sum of the lines' differences (sysstat sums the lines at both ends)
    deltot = 0
    per_cpu: list[Row] = []
    n_curr, n_prev = len(curr_cpus), len(prev_cpus)
    for number in range(max(n_curr, n_prev)):
        before = prev_cpus[number] if number < n_prev else None
        if before is None:
            # Came back online with no reference: not shown and not counted (jump-from-zero syndrome).
            continue
        now = curr_cpus[number] if number < n_curr else None
        p = before
        c = now if now is not None else p
        interval, p = _per_cpu_interval(c, p)
        deltot += interval
        d = tuple(map(sub, c, p))
        all_d = tuple(map(add, all_d, d))
        if now is None:
            continue  # offline now: counted (as no change) in "all", not displayed
        name = str(number)
        if items is None or name in items:
            per_cpu.append(
                Row(name, values(d, interval) if interval > 0 else _BACKWARDS if interval else _TICKLESS)
            )
    if items is not None and "all" not in items:
        return per_cpu
    return [Row("all", values(all_d, deltot or 1) if deltot >= 0 else _BACKWARDS), *per_cpu]


_ALL_ONLY = frozenset({"all"})


def _all_row(
    prev_cpus: tuple[CpuTimes | None, ...], curr_cpus: tuple[CpuTimes | None, ...], values: ValuesFn = _values
) -> Row | None:
    """The "all" row alone (sar -u without -P) when every CPU is online at both ends and none needs one of
    _per_cpu_interval's fix-ups, the usual case: "all" is then the sum of the lines and its interval the sum of
    the lines' intervals, i.e. the total of the summed differences. Else None: ``_cpu_rows`` goes CPU by CPU."""
    if len(prev_cpus) != len(curr_cpus) or not curr_cpus:
        return None
    all_d: Ticks | None = None
    for before, now in zip(prev_cpus, curr_cpus, strict=True):
        if before is None or now is None:
            return None
        d = tuple(map(sub, now, before))
        # user - guest or nice - guest_nice gone back (the interval's ishift), iowait or idle gone back
        if d[0] < d[8] or d[1] < d[9] or d[4] < 0 or d[3] < 0:
            return None
        all_d = d if all_d is None else tuple(map(add, all_d, d))
    assert all_d is not None  # curr_cpus is not empty
    deltot = _total(all_d)
    return Row("all", values(all_d, deltot or 1) if deltot >= 0 else _BACKWARDS)


CPU = Activity(
    name="cpu",
    flag="-u",
    order=0,
    title="CPU utilisation (-u [ALL], -P {N|ALL})",
    kind=Kind.COUNTER,
    columns=COLUMNS,
    rows=cpu_rows,
    rows_of=cpu_rows_of,
    rows_of_view=cpu_rows_of_view,
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
