"""sar -n FC: Fibre Channel adapters' traffic (pr_stats.c print_fchost_stats, sysstat 12.6): frames and 4-byte
words received and transmitted per second (``S_VALUE`` of 64-bit counters), one row per adapter, its name last
on the line under ``FCHOST`` (print_hdr_line with iwidth -1, as -F). An adapter is matched to the previous
sample by name; one that was not there reads its counters from zero, as sar's ``sfczero``. ``Average:`` is the
rate between the first and the last sample (sar prints the average with the same function). sadf -d/-p write
the name first, sadf -j under ``network`` as ``"fchosts": [{"fchost": ..., "fch_rxf": ...}]``."""

from __future__ import annotations

from hostward.activities.base import Activity, Column, Interval, ItemSpec, Kind, Row, Tolerance, rates
from hostward.collect.fchost import FcHost

_TRAFFIC = Tolerance("frames an adapter moves between the two programs' reads of its counters", rel=0.01)
_COUNTERS = ("rx_frames", "tx_frames", "rx_words", "tx_words")  # the columns' counters, in order


def fchost_rows(span: Interval) -> list[Row]:
    before: dict[str, FcHost] = {}
    for host in span.prev.fchosts or ():
        before.setdefault(host.name, host)  # sar looks for the first adapter of that name
    rows = []
    for host in span.curr.fchosts or ():
        prev = before.get(host.name) or FcHost(host.name)
        rows.append(Row(host.name, rates(prev, host, _COUNTERS, span.itv_cs)))
    return rows


NET_FC = Activity(
    name="net_fc",
    flag="-n FC",
    order=29.25,  # act[]: A_NET_FC after A_NET_UDP6, before A_NET_SOFT
    title="Fibre Channel adapters: frames and words",
    kind=Kind.COUNTER,
    columns=(
        Column("fch_rxf/s", "fch_rxf", "per_second", parity=_TRAFFIC),
        Column("fch_txf/s", "fch_txf", "per_second", parity=_TRAFFIC),
        Column("fch_rxw/s", "fch_rxw", "per_second", parity=_TRAFFIC),
        Column("fch_txw/s", "fch_txw", "per_second", parity=_TRAFFIC),
    ),
    rows=fchost_rows,
    json_section="network/fchosts",
    json_list=True,
    item=ItemSpec("FCHOST", json_key="fchost", trailing=True),
)
