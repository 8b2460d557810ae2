"""sar -n NFS and NFSD: NFS client and server RPC rates per second (pr_stats.c stub_print_net_nfs_stats,
stub_print_net_nfsd_stats), ``S_VALUE`` of each 32-bit counter (collect/nfs.py). Averages are the rates
between the first and the last sample (counters). A host without NFS reports zeros, as sar does.
No node_exporter names: its nfs/nfsd collectors label by procedure and version, and hostward's /metrics does
not publish them."""

from __future__ import annotations

from collections.abc import Callable

from hostward.activities.base import Activity, Column, Interval, Kind, Row, Tolerance, rate

_RPC = Tolerance("NFS calls between the two reads", abs=20.0, rel=0.1)


def _rows(group: str, fields: tuple[str, ...]) -> Callable[[Interval], list[Row]]:
    def rows(span: Interval) -> list[Row]:
        p, c = getattr(span.prev, group), getattr(span.curr, group)
        if p is None or c is None:
            return []
        return [Row(None, tuple(rate(getattr(p, f), getattr(c, f), span.itv_cs, 32) for f in fields))]

    return rows


def _activity(
    name: str,
    keyword: str,
    group: str,
    *,
    order: int,
    title: str,
    spec: tuple[tuple[str, str], ...],
) -> Activity:
    return Activity(
        name=name,
        flag=f"-n {keyword}",
        order=order,
        title=title,
        kind=Kind.COUNTER,
        columns=tuple(
            Column(header, header.removesuffix("/s"), "per_second", parity=_RPC) for header, _ in spec
        ),
        rows=_rows(group, tuple(field for _, field in spec)),
        json_section=f"network/net-{keyword.lower()}",
    )


NET_NFS = _activity("net_nfs", "NFS", "nfs", order=14, title="NFS client RPC calls", spec=(
    ("call/s", "rpc_calls"), ("retrans/s", "rpc_retrans"),
    ("read/s", "read"), ("write/s", "write"), ("access/s", "access"),
    ("getatt/s", "getattr")))  # fmt: skip
NET_NFSD = _activity("net_nfsd", "NFSD", "nfsd", order=15, title="NFS server RPC calls", spec=(
    ("scall/s", "rpc_calls"), ("badcall/s", "rpc_bad"),
    ("packet/s", "net_packets"), ("udp/s", "net_udp"), ("tcp/s", "net_tcp"),
    ("hit/s", "rc_hits"), ("miss/s", "rc_misses"),
    ("sread/s", "read"), ("swrite/s", "write"), ("saccess/s", "access"),
    ("sgetatt/s", "getattr")))  # fmt: skip
