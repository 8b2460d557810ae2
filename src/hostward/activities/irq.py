"""sar -I: interrupts per second, per interrupt and per CPU, as sysstat 12.6 prints them (pr_stats.c
print_irq_stats; activity.c A_IRQ, header "INTR;CPU*").

One line per interrupt of /proc/interrupts, the "sum" line first; one column for "all" CPUs then one per CPU.
Which CPU columns show follows -P, the bitmap A_CPU shares with A_IRQ: "all" alone by default, every CPU with
-P ALL (and -A), the listed ones with -P 1,3. The columns therefore depend on the data's CPU count:
:func:`irq_activity` builds the report for a count and a -P selection; ``IRQ`` is the registry's "all"-only one.

Counts are 32-bit (``unsigned int irq_nr``): a CPU column's rate is the difference modulo 2**32, as C computes
``S_VALUE`` on unsigned ints; an "all" value that went down (a CPU went offline) prints 0.00, as sar does.
sar hides a CPU whose "sum" was 0 in the previous sample (offline); hostward always shows the columns asked for.
"""

from __future__ import annotations

from collections.abc import Iterable

from hostward.activities.base import Activity, Column, Interval, ItemSpec, Kind, Row, Tolerance, sar_itv
from hostward.collect.interrupts import IRQ_MASK, Interrupts

_PARITY = Tolerance(
    "interrupts taken between the two reads: the local timer alone ticks hundreds of times a second per CPU, "
    "and disk and network work by other processes add bursts",
    abs=60.0,
    rel=0.2,
)
SUM = "sum"  # rd_stats.h K_LOWERSUM: the first line, every interrupt counted


def _columns(cpu_count: int) -> tuple[Column, ...]:
    return (
        Column("all", "all", "per_second", parity=_PARITY),
        *(
            Column(f"CPU{c}", f"CPU{c}", "per_second", parity=_PARITY, ppc=f"cpu{c}")
            for c in range(cpu_count)
        ),
    )


def _values(prev: tuple[int, ...], curr: tuple[int, ...], itv_cs: int, cpu_count: int) -> tuple[float, ...]:
    """("all", CPU0 ... CPU{cpu_count - 1}) rates of one line; ``prev``/``curr`` are ("all", per CPU...)."""
    itv_cs = sar_itv(itv_cs)
    if itv_cs < 0:
        return (0.0,) * (1 + cpu_count)
    all_rate = 0.0 if curr[0] < prev[0] else (curr[0] - prev[0]) / itv_cs * 100
    # A CPU the previous sample lacks (it came online; sar 0's zeroed record) counts from zero, as in sadc's
    # zeroed buffer; one the data lacks reads 0.
    cpus = [
        ((curr[1 + c] - (prev[1 + c] if c + 1 < len(prev) else 0)) & IRQ_MASK) / itv_cs * 100
        if c + 1 < len(curr)
        else 0.0
        for c in range(cpu_count)
    ]
    return (all_rate, *cpus)


def _lines(irqs: Interrupts) -> dict[str, tuple[int, ...]]:
    """Name -> ("all", CPU0, CPU1, ...) counts, "sum" first, in file order."""
    sums = irqs.per_cpu_sums()
    out = {SUM: (sum(sums) & IRQ_MASK, *sums)}
    cpus, counts = irqs.cpus, irqs.counts
    for i, name in enumerate(irqs.names):
        row = counts[i * cpus : (i + 1) * cpus]
        out.setdefault(name, (sum(row) & IRQ_MASK, *row))
    return out


def irq_activity(cpu_count: int = 0, shown: Iterable[str] | None = None) -> Activity:
    """The -I report for data of ``cpu_count`` CPUs; ``shown`` are cpu_items' names ("all", "0", "1"...) of the
    columns to show, None for every one."""

    def rows(span: Interval) -> list[Row]:
        p, c = span.prev.interrupts, span.curr.interrupts
        if p is None or c is None:
            return []
        before = _lines(p)
        out = []
        for name, now in _lines(c).items():
            then = before.get(name) or (0,) * len(now)  # an interrupt that appeared: counted from zero
            out.append(Row(name, _values(then, now, span.itv_cs, cpu_count)))
        return out

    columns = _columns(cpu_count)
    wanted = None if shown is None else frozenset(shown)
    view = tuple(
        col.header
        for k, col in enumerate(columns)
        if wanted is None or (k == 0 and "all" in wanted) or (k > 0 and str(k - 1) in wanted)
    )
    return Activity(
        name="irq",
        flag="-I",
        order=2,  # A_IRQ follows A_CPU and A_PCSW in act[]
        title="interrupts per second, per interrupt and CPU",
        kind=Kind.COUNTER,
        columns=columns,
        rows=rows,
        json_section="interrupts",
        json_list=True,
        item=ItemSpec("INTR", json_key="intr"),
        views={"": view},
        header_every_record=True,
        csv_fields="INTR;CPU*",
    )


IRQ = irq_activity()
