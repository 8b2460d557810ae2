"""sar -n EDEV: network interface errors from /proc/net/dev (rd_stats.c read_net_edev, pr_stats.c
print_net_edev_stats)."""

from __future__ import annotations

import operator

from hostward.activities.base import Activity, Column, Interval, ItemSpec, Kind, Row, Tolerance, rates
from hostward.activities.net_dev import zeros

_NN = "node_network_{}"
_T = Tolerance("errors and drops between the reads (rare on loopback and virtio links)", abs=5.0, rel=0.1)

# (header, json key, NetDev attribute, node_exporter suffix), in sar's column order.
_FIELDS = (
    ("rxerr/s", "rxerr", "rx_errors", "receive_errs_total"),
    ("txerr/s", "txerr", "tx_errors", "transmit_errs_total"),
    ("coll/s", "coll", "tx_collisions", "transmit_colls_total"),
    ("rxdrop/s", "rxdrop", "rx_dropped", "receive_drop_total"),
    ("txdrop/s", "txdrop", "tx_dropped", "transmit_drop_total"),
    ("txcarr/s", "txcarr", "tx_carrier", "transmit_carrier_total"),
    ("rxfram/s", "rxfram", "rx_frame", "receive_frame_total"),
    ("rxfifo/s", "rxfifo", "rx_fifo", "receive_fifo_total"),
    ("txfifo/s", "txfifo", "tx_fifo", "transmit_fifo_total"),
)

_COUNTERS = tuple(attr for _, _, attr, _ in _FIELDS)


# The counters whose going back means the interface was registered again (sa_common.c check_net_edev_reg):
# every column but rx_errors, which only wraps (modulo 2**64, as S_VALUE computes it).
_AGAIN = operator.attrgetter(*(attr for _, _, attr, _ in _FIELDS if attr != "rx_errors"))


def net_edev_rows(span: Interval) -> list[Row]:
    before = {d.name: d for d in span.prev.nets}
    itv = span.itv_cs
    rows: list[Row] = []
    for c in span.curr.nets:
        p = before.get(c.name)
        if p is None or any(cv < pv for pv, cv in zip(_AGAIN(p), _AGAIN(c), strict=True)):
            p = zeros(c.name)  # new, or registered again: from zeros (print_net_edev_stats)
        rows.append(Row(c.name, rates(p, c, _COUNTERS, itv)))
    return rows


NET_EDEV = Activity(
    name="net_edev",
    flag="-n EDEV",
    order=13,
    title="network interfaces errors",
    kind=Kind.COUNTER,
    columns=tuple(
        Column(h, k, "per_second", node_exporter=_NN.format(ne), parity=_T) for h, k, _, ne in _FIELDS
    ),
    rows=net_edev_rows,
    json_section="network/net-edev",
    json_list=True,
    item=ItemSpec("IFACE", json_key="iface"),
)
