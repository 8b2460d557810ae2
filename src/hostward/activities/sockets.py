"""sar -n SOCK and -n SOCK6: sockets in use (rd_stats.c read_net_sock / read_net_sock6, pr_stats.c
stub_print_net_sock_stats / stub_print_net_sock6_stats). Gauges, printed ``%9u`` and averaged ``%9.0f`` over the
displayed samples."""

from __future__ import annotations

from hostward.activities.base import Activity, Column, Kind, Tolerance, gauge_average, gauge_rows
from hostward.collect.sample import SystemSample
from hostward.collect.sockets import Sockets, Sockets6

_S = Tolerance("sockets opened or closed between the reads (by any process)", abs=8.0, rel=0.05)
_ALL = Tolerance(
    "sockets of every family opened or closed between the reads, by any process", abs=24.0, rel=0.1
)
_TW = Tolerance("TIME_WAIT sockets expire and appear between the reads", abs=60.0, rel=0.05)
_FRAG = Tolerance("fragment queues are reassembled within milliseconds", abs=4.0)


def _sock(sample: SystemSample) -> tuple[float, ...] | None:
    s: Sockets | None = sample.sockets
    if s is None:
        return None
    return tuple(map(float, (s.sock_inuse, s.tcp_inuse, s.udp_inuse, s.raw_inuse, s.frag_inuse, s.tcp_tw)))


def _sock6(sample: SystemSample) -> tuple[float, ...] | None:
    s: Sockets6 | None = sample.sockets6
    if s is None:
        return None
    return tuple(map(float, (s.tcp6_inuse, s.udp6_inuse, s.raw6_inuse, s.frag6_inuse)))


SOCK = Activity(
    name="sock",
    flag="-n SOCK",
    order=16,
    title="IPv4 sockets in use",
    kind=Kind.GAUGE,
    columns=(
        Column(
            "totsck", "totsck", "count", decimals=0, node_exporter="node_sockstat_sockets_used", parity=_ALL
        ),
        Column("tcpsck", "tcpsck", "count", decimals=0, node_exporter="node_sockstat_TCP_inuse", parity=_S),
        Column("udpsck", "udpsck", "count", decimals=0, node_exporter="node_sockstat_UDP_inuse", parity=_S),
        Column("rawsck", "rawsck", "count", decimals=0, node_exporter="node_sockstat_RAW_inuse", parity=_S),
        Column(
            "ip-frag", "ip-frag", "count", decimals=0, node_exporter="node_sockstat_FRAG_inuse", parity=_FRAG
        ),
        Column("tcp-tw", "tcp-tw", "count", decimals=0, node_exporter="node_sockstat_TCP_tw", parity=_TW),
    ),
    rows=gauge_rows(_sock),
    average=gauge_average(_sock),
    json_section="network/net-sock",
)

SOCK6 = Activity(
    name="sock6",
    flag="-n SOCK6",
    order=24,
    title="IPv6 sockets in use",
    kind=Kind.GAUGE,
    columns=(
        Column(
            "tcp6sck", "tcp6sck", "count", decimals=0, node_exporter="node_sockstat_TCP6_inuse", parity=_S
        ),
        Column(
            "udp6sck", "udp6sck", "count", decimals=0, node_exporter="node_sockstat_UDP6_inuse", parity=_S
        ),
        Column(
            "raw6sck", "raw6sck", "count", decimals=0, node_exporter="node_sockstat_RAW6_inuse", parity=_S
        ),
        Column(
            "ip6-frag",
            "ip6-frag",
            "count",
            decimals=0,
            node_exporter="node_sockstat_FRAG6_inuse",
            parity=_FRAG,
        ),
    ),
    rows=gauge_rows(_sock6),
    average=gauge_average(_sock6),
    json_section="network/net-sock6",
)
