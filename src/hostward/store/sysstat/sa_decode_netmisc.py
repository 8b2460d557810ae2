"""Decoders of sysstat sa-file structures for sar -n ICMP, EICMP, NFS, NFSD, SOFT (rd_stats.h stats_net_icmp,
stats_net_eicmp, stats_net_nfs, stats_net_nfsd, stats_softnet).

sa_layouts.py lists their layouts in LAYOUTS and sa_decode_optional.py calls these; the structures' fields are the
counters of the report's columns in column order, stored as sadc read them (by position, so on kernels >= 6.0
the outgoing ICMP figures are those sadc found there: sar reports them as such, and so does an import).
"""

from __future__ import annotations

from hostward.collect.nfs import NfsClient, NfsServer
from hostward.collect.softnet import Softnet

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

# A_NET_ICMP, A_NET_EICMP: the Snmp fields their structures hold, in structure order (rd_stats.h).
ICMP_COUNTERS: dict[int, tuple[str, ...]] = {
    19: ("Icmp_InMsgs", "Icmp_OutMsgs", "Icmp_InEchos", "Icmp_InEchoReps", "Icmp_OutEchos", "Icmp_OutEchoReps",
         "Icmp_InTimestamps", "Icmp_InTimestampReps", "Icmp_OutTimestamps", "Icmp_OutTimestampReps",
         "Icmp_InAddrMasks", "Icmp_InAddrMaskReps", "Icmp_OutAddrMasks", "Icmp_OutAddrMaskReps"),
    20: ("Icmp_InErrors", "Icmp_OutErrors", "Icmp_InDestUnreachs", "Icmp_OutDestUnreachs", "Icmp_InTimeExcds",
         "Icmp_OutTimeExcds", "Icmp_InParmProbs", "Icmp_OutParmProbs", "Icmp_InSrcQuenchs",
         "Icmp_OutSrcQuenchs", "Icmp_InRedirects", "Icmp_OutRedirects"),
}  # fmt: skip


def nfs_client(items: list[tuple[Any, ...]] | None) -> NfsClient | None:
    """A_NET_NFS (stats_net_nfs: rpccnt rpcretrans readcnt writecnt accesscnt getattcnt)."""
    return NfsClient(*(int(x) for x in items[0])) if items else None


def nfs_server(items: list[tuple[Any, ...]] | None) -> NfsServer | None:
    """A_NET_NFSD (stats_net_nfsd: rpccnt rpcbad netcnt netudpcnt nettcpcnt rchits rcmisses readcnt writecnt
    accesscnt getattcnt)."""
    return NfsServer(*(int(x) for x in items[0])) if items else None


def softnet(items: list[tuple[Any, ...]] | None) -> Softnet | None:
    """A_NET_SOFT (stats_softnet: processed dropped time_squeeze received_rps flow_limit backlog_len), CPU "all"
    first then one structure per CPU number; "all" is the sum of the others (modulo 2**32, as hostward's
    Softnet.total computes it), so only the CPUs are kept."""
    if not items:
        return None
    values: list[int] = []
    for cpu, item in enumerate(items[1:]):
        values += (cpu, *(int(x) for x in item))
    return Softnet(tuple(values))
