"""sar -n NFS and NFSD: NFS client and server RPC rates per second (pr_stats.c stub_print_net_nfs_stats,
stub_print_net_nfsd_stats), ``S_VALUE`` of each 32-bit counter (collect/nfs.py). Averages are the rates
between the first and the last sample (counters). A host without NFS reports zeros, as sar does.
No node_exporter names: its nfs/nfsd collectors label by procedure and version, and hostward's /metrics does
not publish them."""

from __future__ import annotations

from hostward.activities._counters import counter_activity
from hostward.activities.base import Tolerance

_RPC = Tolerance("NFS calls between the two reads", abs=20.0, rel=0.1)


NET_NFS = counter_activity("net_nfs", "NFS", "nfs", order=14, title="NFS client RPC calls", spec=(
    ("call/s", "rpc_calls"), ("retrans/s", "rpc_retrans"),
    ("read/s", "read"), ("write/s", "write"), ("access/s", "access"),
    ("getatt/s", "getattr")), parity=_RPC, width=32)  # fmt: skip
NET_NFSD = counter_activity("net_nfsd", "NFSD", "nfsd", order=15, title="NFS server RPC calls", spec=(
    ("scall/s", "rpc_calls"), ("badcall/s", "rpc_bad"),
    ("packet/s", "net_packets"), ("udp/s", "net_udp"), ("tcp/s", "net_tcp"),
    ("hit/s", "rc_hits"), ("miss/s", "rc_misses"),
    ("sread/s", "read"), ("swrite/s", "write"), ("saccess/s", "access"),
    ("sgetatt/s", "getattr")), parity=_RPC, width=32)  # fmt: skip
