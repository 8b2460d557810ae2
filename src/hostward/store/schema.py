"""The schema written into every data file's header: for each group of a sample's integer vector, the field
names in vector order. A reader maps a file's schema onto its own, so fields added or removed by a later
version read as their default or are skipped (see store/layout.py)."""

from __future__ import annotations

from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.disk import DiskStats
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.net import NetDev
from hostward.collect.sample import ClockSample, MemcachedSample
from hostward.frozen import field_names
from hostward.store.framing import Reader, Writer

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["SCHEMA", "decode_schema", "encode_schema"]


def _int_fields(cls: type[Any], exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    # field_names: a @frozen record's own list (dataclasses.fields would build its dataclasses view)
    return tuple(name for name in field_names(cls) if name not in exclude)


# Group name -> field names, in vector order. Written into every file header. The groups a sample has only when
# it was recorded with them (after "cache") are spelled out rather than read from their record classes, so that
# reading a file imports those classes only when it holds them (issue 17: sar -u's start-up);
# tests/store/test_schema.py checks that each names its class's fields.
SCHEMA: dict[str, tuple[str, ...]] = {
    "cpu_times": _int_fields(CpuTimes),
    "cpu_stat": _int_fields(CpuStat, ("all", "per_cpu")),
    "load_int": ("runnable", "threads", "last_pid"),
    "load_float": ("load1", "load5", "load15"),
    "memory": _int_fields(MemInfo, ("missing",)),
    "vmstat": _int_fields(VmStat),
    "disk": _int_fields(DiskStats, ("name", "whole_device", "physical")),
    "net": _int_fields(NetDev, ("name",)),  # full_duplex is stored as 0/1
    "psi_int": ("total_us",),
    "psi_float": ("avg10", "avg60", "avg300"),
    # Added after format 1 shipped: time health (adjtimex, server offset), at the end of a sample's integers
    # when its shape says it has one. Files without the group (the format-1 golden file) read with time None.
    "time": _int_fields(ClockSample),
    # Added with the cache activity: one group per memcached server of the shape, after "time".
    "cache": _int_fields(MemcachedSample, ("server",)),
    # Added with sar -v and -n SOCK/SOCK6: optional single records after the cache groups (layout.py
    # OPTIONAL_GROUPS), each written when the sample's shape lists it.
    "ktables": ("dentunusd", "file_used", "inode_used", "pty_nr"),
    "sockets": ("sock_inuse", "tcp_inuse", "tcp_tw", "udp_inuse", "raw_inuse", "frag_inuse"),
    "sockets6": ("tcp6_inuse", "udp6_inuse", "raw6_inuse", "frag6_inuse"),
    # sar -n IP, EIP, TCP, ETCP, UDP
    "snmp": (
        "Ip_InReceives",
        "Ip_ForwDatagrams",
        "Ip_InDelivers",
        "Ip_OutRequests",
        "Ip_ReasmReqds",
        "Ip_ReasmOKs",
        "Ip_FragOKs",
        "Ip_FragCreates",
        "Ip_InHdrErrors",
        "Ip_InAddrErrors",
        "Ip_InUnknownProtos",
        "Ip_InDiscards",
        "Ip_OutDiscards",
        "Ip_OutNoRoutes",
        "Ip_ReasmFails",
        "Ip_FragFails",
        "Icmp_InMsgs",
        "Icmp_OutMsgs",
        "Icmp_InEchos",
        "Icmp_InEchoReps",
        "Icmp_OutEchos",
        "Icmp_OutEchoReps",
        "Icmp_InTimestamps",
        "Icmp_InTimestampReps",
        "Icmp_OutTimestamps",
        "Icmp_OutTimestampReps",
        "Icmp_InAddrMasks",
        "Icmp_InAddrMaskReps",
        "Icmp_OutAddrMasks",
        "Icmp_OutAddrMaskReps",
        "Icmp_InErrors",
        "Icmp_OutErrors",
        "Icmp_InDestUnreachs",
        "Icmp_OutDestUnreachs",
        "Icmp_InTimeExcds",
        "Icmp_OutTimeExcds",
        "Icmp_InParmProbs",
        "Icmp_OutParmProbs",
        "Icmp_InSrcQuenchs",
        "Icmp_OutSrcQuenchs",
        "Icmp_InRedirects",
        "Icmp_OutRedirects",
        "Tcp_ActiveOpens",
        "Tcp_PassiveOpens",
        "Tcp_InSegs",
        "Tcp_OutSegs",
        "Tcp_AttemptFails",
        "Tcp_EstabResets",
        "Tcp_RetransSegs",
        "Tcp_InErrs",
        "Tcp_OutRsts",
        "Udp_InDatagrams",
        "Udp_OutDatagrams",
        "Udp_NoPorts",
        "Udp_InErrors",
    ),
    # sar -n IP6, EIP6, ICMP6, EICMP6, UDP6
    "snmp6": (
        "Ip6_InReceives",
        "Ip6_OutForwDatagrams",
        "Ip6_InDelivers",
        "Ip6_OutRequests",
        "Ip6_ReasmReqds",
        "Ip6_ReasmOKs",
        "Ip6_InMcastPkts",
        "Ip6_OutMcastPkts",
        "Ip6_FragOKs",
        "Ip6_FragCreates",
        "Ip6_InHdrErrors",
        "Ip6_InAddrErrors",
        "Ip6_InUnknownProtos",
        "Ip6_InTooBigErrors",
        "Ip6_InDiscards",
        "Ip6_OutDiscards",
        "Ip6_InNoRoutes",
        "Ip6_OutNoRoutes",
        "Ip6_ReasmFails",
        "Ip6_FragFails",
        "Ip6_InTruncatedPkts",
        "Icmp6_InMsgs",
        "Icmp6_OutMsgs",
        "Icmp6_InEchos",
        "Icmp6_InEchoReplies",
        "Icmp6_OutEchoReplies",
        "Icmp6_InGroupMembQueries",
        "Icmp6_InGroupMembResponses",
        "Icmp6_OutGroupMembResponses",
        "Icmp6_InGroupMembReductions",
        "Icmp6_OutGroupMembReductions",
        "Icmp6_InRouterSolicits",
        "Icmp6_OutRouterSolicits",
        "Icmp6_InRouterAdvertisements",
        "Icmp6_InNeighborSolicits",
        "Icmp6_OutNeighborSolicits",
        "Icmp6_InNeighborAdvertisements",
        "Icmp6_OutNeighborAdvertisements",
        "Icmp6_InErrors",
        "Icmp6_InDestUnreachs",
        "Icmp6_OutDestUnreachs",
        "Icmp6_InTimeExcds",
        "Icmp6_OutTimeExcds",
        "Icmp6_InParmProblems",
        "Icmp6_OutParmProblems",
        "Icmp6_InRedirects",
        "Icmp6_OutRedirects",
        "Icmp6_InPktTooBigs",
        "Icmp6_OutPktTooBigs",
        "Udp6_InDatagrams",
        "Udp6_OutDatagrams",
        "Udp6_NoPorts",
        "Udp6_InErrors",
    ),
    # sar -I: one value per interrupt and CPU column of the shape (Interrupts.counts), ending the vector.
    "irq": ("count",),
    "nfs": ("rpc_calls", "rpc_retrans", "read", "write", "access", "getattr"),  # sar -n NFS
    "nfsd": (
        "rpc_calls",
        "rpc_bad",
        "net_packets",
        "net_udp",
        "net_tcp",
        "rc_hits",
        "rc_misses",
        "read",
        "write",
        "access",
        "getattr",
    ),  # sar -n NFSD
    # sar -y: one group per serial line of the shape, after the interrupts.
    "serial": ("rx", "tx", "frame", "parity", "brk", "overrun"),
    # sar -n SOFT: one group per line of /proc/net/softnet_stat, after the serial lines (Shape.softnet).
    "softnet": ("cpu", "processed", "dropped", "time_squeeze", "received_rps", "flow_limit", "backlog_len"),
    # Optional lists of named records (shape.py OPTIONAL_LISTS): one group per item, names in the shape,
    # after the softnet lines.
    "filesystems": ("size_bytes", "free_bytes", "avail_bytes", "inodes", "inodes_free"),  # sar -F
    "cpufreq": ("cpufreq",),  # sar -m CPU
    "fchosts": ("rx_frames", "tx_frames", "rx_words", "tx_words"),  # sar -n FC
}


def encode_schema(out: Writer, schema: dict[str, tuple[str, ...]]) -> None:
    out.uint(len(schema))
    for group, names in schema.items():
        out.text(group).uint(len(names))
        for name in names:
            out.text(name)


def decode_schema(r: Reader) -> dict[str, tuple[str, ...]]:
    schema: dict[str, tuple[str, ...]] = {}
    for _ in range(r.count(1 << 10)):
        group = r.text()
        schema[group] = tuple(r.text() for _ in range(r.count(1 << 12)))
    return schema
