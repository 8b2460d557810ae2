"""sar -q CPU, -q IO, -q MEM (together -q PSI): pressure stall information, as pr_stats.c
stub_print_psi{cpu,io,mem}_stats prints it from what rd_stats.c read_psi{cpu,io,mem} stores.

sadc keeps the kernel's running averages as hundredths ("avg10=0.90" is 90) and the cumulative stall time in
microseconds; ``%scpu`` is the share of the interval some task was stalled, ``(total - previous total) /
(100 * interval in 1/100 s)``. The ``Average:`` row averages the hundredths over the displayed samples and
takes the total over the whole span, as sar does. No row where the kernel has no such file (no PSI, or a
kernel without the "full" line of a resource that sar reports it for).
"""

from __future__ import annotations

from collections.abc import Callable

from hostward.activities.base import Activity, Averager, Column, Interval, Kind, Row, Sums, Tolerance, sar_itv
from hostward.collect.pressure import Pressure, PressureLine
from hostward.collect.sample import SystemSample

_AVG = Tolerance(
    "the kernel updates its running averages every 2 s: equal, or one update apart", abs=2.0, rel=0.1
)
_TOT = Tolerance("stall time accrued between the two reads, of an interval of 1 s", abs=3.0, rel=0.1)


def _lines(sample: SystemSample, resource: str, full: bool) -> tuple[PressureLine, ...] | None:
    pressure = sample.pressure
    p: Pressure | None = getattr(pressure, resource) if pressure is not None else None
    if p is None:
        return None
    if not full:
        return (p.some,)
    return None if p.full is None else (p.some, p.full)


def _hundredths(line: PressureLine) -> tuple[int, int, int]:
    return round(line.avg10 * 100), round(line.avg60 * 100), round(line.avg300 * 100)


def _stalled(prev: PressureLine, curr: PressureLine, itv_cs: int) -> float:
    """Share of the interval stalled: pr_stats.c print_psi*_stats's ``((double) curr - prev) / (100 * itv)``, a
    difference of doubles (a total that went back gives a negative share, as sar prints it)."""
    itv = sar_itv(itv_cs)
    return (float(curr.total_us) - prev.total_us) / (100 * itv) if itv > 0 else 0.0


def _rows(resource: str, full: bool) -> Callable[[Interval], list[Row]]:
    def rows(span: Interval) -> list[Row]:
        curr, prev = _lines(span.curr, resource, full), _lines(span.prev, resource, full)
        if curr is None or prev is None:
            return []
        values: list[float] = []
        for p, c in zip(prev, curr, strict=True):
            values += [h / 100 for h in _hundredths(c)]
            values.append(_stalled(p, c, span.itv_cs))
        return [Row(None, tuple(values))]

    return rows


def _average(resource: str, full: bool) -> Callable[[], Averager]:
    def pick(sample: SystemSample) -> tuple[int, ...] | None:
        lines = _lines(sample, resource, full)
        return None if lines is None else tuple(h for line in lines for h in _hundredths(line))

    def finish(sums: list[float], shown: int, span: Interval) -> list[Row]:
        first, last = _lines(span.prev, resource, full), _lines(span.curr, resource, full)
        if first is None or last is None:
            return []
        values: list[float] = []
        for k in range(len(first)):
            values += [total / (shown * 100) for total in sums[3 * k : 3 * k + 3]]
            values.append(_stalled(first[k], last[k], span.itv_cs))
        return [Row(None, tuple(values))]

    return lambda: Sums(pick, finish)


def _columns(short: str, full: bool) -> tuple[Column, ...]:
    out: list[Column] = []
    for kind in ("s", "f") if full else ("s",):
        word = "some" if kind == "s" else "full"
        out += [
            Column(f"%{kind}{short}-10", f"{word}_avg10", "percent", parity=_AVG),
            Column(f"%{kind}{short}-60", f"{word}_avg60", "percent", parity=_AVG),
            Column(f"%{kind}{short}-300", f"{word}_avg300", "percent", parity=_AVG),
            Column(f"%{kind}{short}", f"{word}_avg", "percent", parity=_TOT),
        ]
    return tuple(out)


def _psi(name: str, resource: str, short: str, *, full: bool, order: int, what: str) -> Activity:
    return Activity(
        name=name,
        flag=f"-q {short.upper()}",
        order=order,
        title=f"pressure stall: {what}",
        kind=Kind.GAUGE,
        columns=_columns(short, full),
        rows=_rows(resource, full),
        average=_average(resource, full),
        json_section=f"psi/psi-{short}",
    )


# After every other sysstat report of sar -A (activity.c lists A_PSI_* last).
PSI_CPU = _psi(
    "psi_cpu", "cpu", "cpu", full=False, order=40, what="CPU (share of time some task waited for a CPU)"
)
PSI_IO = _psi("psi_io", "io", "io", full=True, order=41, what="I/O (some task / every non-idle task waited)")
PSI_MEM = _psi(
    "psi_mem", "memory", "mem", full=True, order=42, what="memory (some task / every non-idle task waited)"
)
