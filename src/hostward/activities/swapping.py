"""sar -W: pages swapped in and out per second, /proc/vmstat pswpin/pswpout (pr_stats.c print_swap_stats)."""

from __future__ import annotations

from hostward.activities.base import Activity, Column, Interval, Kind, Row, Tolerance, rate

_T = Tolerance(
    "swap-ins/outs between the reads; none on the test machines, which have no swap", abs=50.0, rel=0.1
)


def swapping_rows(span: Interval) -> list[Row]:
    p, c = span.prev.vmstat, span.curr.vmstat
    return [Row(None, (rate(p.pswpin, c.pswpin, span.itv_cs), rate(p.pswpout, c.pswpout, span.itv_cs)))]


SWAPPING = Activity(
    name="swapping",
    flag="-W",
    order=3,
    title="swapping (pages per second)",
    kind=Kind.COUNTER,
    columns=(
        Column("pswpin/s", "pswpin", "per_second", node_exporter="node_vmstat_pswpin", parity=_T),
        Column("pswpout/s", "pswpout", "per_second", node_exporter="node_vmstat_pswpout", parity=_T),
    ),
    rows=swapping_rows,
    json_section="swap-pages",
)
