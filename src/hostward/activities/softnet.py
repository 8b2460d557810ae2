"""sar -n SOFT: network softirq work per CPU (pr_stats.c stub_print_softnet_stats, 12.6): packets processed,
dropped, squeezed out of a softirq run, received by inter-CPU interrupt (RPS) and stopped by the flow limit,
per second (``S_VALUE`` of 32-bit counters), and the backlog queue length as read. Rows: CPU "all" (the sum
over CPUs, modulo 2**32 as sadc keeps it) then each CPU; -P picks them as for -u (sar shares A_CPU's bitmap),
so without -P only "all" shows. ``Average:`` is the rates between the first and the last sample, with the
last sample's backlog length, as sar prints it."""

from __future__ import annotations

from hostward.activities.base import Activity, Column, Interval, ItemSpec, Kind, Row, Tolerance, rate

_PKT = Tolerance(
    "packets handled by softirqs between the two reads (loopback traffic of other tests)", abs=200.0, rel=0.1
)
_RARE = Tolerance(
    "drops, squeezes, RPS and flow-limit events between the reads (rare on loopback)", abs=5.0, rel=0.1
)
_QUEUE = Tolerance("packets waiting in a backlog queue at the instant of each read", abs=50.0)


def _row(item: str, prev: tuple[int, ...], curr: tuple[int, ...], itv_cs: int) -> Row:
    rates = tuple(rate(p, c, itv_cs, 32) for p, c in zip(prev[:5], curr[:5], strict=True))
    return Row(item, (*rates, float(curr[5])))


def softnet_rows(span: Interval) -> list[Row]:
    p, c = span.prev.softnet, span.curr.softnet
    if p is None or c is None:
        return []
    rows = [_row("all", p.total(), c.total(), span.itv_cs)]
    before = {line[0]: line[1:] for line in map(p.line, range(p.lines))}
    for line in sorted(map(c.line, range(c.lines))):
        if line[0] in before:  # a CPU that came online between the two samples has no rate yet
            rows.append(_row(str(line[0]), before[line[0]], line[1:], span.itv_cs))
    return rows


SOFTNET = Activity(
    name="softnet",
    flag="-n SOFT",
    order=29.5,  # act[]: after A_NET_UDP6 and A_NET_FC, closing the network reports, before power management
    title="network softirq work per CPU",
    kind=Kind.COUNTER,
    columns=(
        Column("total/s", "total", "per_second", parity=_PKT),
        Column("dropd/s", "dropd", "per_second", parity=_RARE),
        Column("squeezd/s", "squeezd", "per_second", parity=_RARE),
        Column("rx_rps/s", "rx_rps", "per_second", parity=_RARE),
        Column("flw_lim/s", "flw_lim", "per_second", parity=_RARE),
        Column("blg_len", "blg_len", "count", decimals=0, parity=_QUEUE),
    ),
    rows=softnet_rows,
    json_section="network/softnet",
    json_list=True,
    item=ItemSpec("CPU", width=7, json_key="cpu", csv_all="-1", movable=False),
)
