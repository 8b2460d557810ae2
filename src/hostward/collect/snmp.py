"""IPv4 protocol counters for sar -n IP, EIP, TCP, ETCP and UDP, from /proc/net/snmp (rd_stats.c read_net_ip,
read_net_eip, read_net_tcp, read_net_etcp, read_net_udp), read once for all of them.

The file is pairs of lines, "Proto: Name Name ..." then "Proto: value value ...": fields are taken by name,
so counters the kernel added over the years (Ip OutTransmits, Icmp InCsumErrors, OutRateLimitGlobal/Host) do
not shift the others. ICMP counters are kept as well for the ICMP reports. A field the kernel does not have,
a value that is not a number, or a missing file gives 0 (sadc's behaviour for what it cannot read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Snmp:
    """Cumulative counters, named "<Proto>_<kernel name>" as in /proc/net/snmp (node_exporter's netstat)."""

    Ip_InReceives: int = 0
    Ip_ForwDatagrams: int = 0
    Ip_InDelivers: int = 0
    Ip_OutRequests: int = 0
    Ip_ReasmReqds: int = 0
    Ip_ReasmOKs: int = 0
    Ip_FragOKs: int = 0
    Ip_FragCreates: int = 0
    Ip_InHdrErrors: int = 0
    Ip_InAddrErrors: int = 0
    Ip_InUnknownProtos: int = 0
    Ip_InDiscards: int = 0
    Ip_OutDiscards: int = 0
    Ip_OutNoRoutes: int = 0
    Ip_ReasmFails: int = 0
    Ip_FragFails: int = 0
    Icmp_InMsgs: int = 0
    Icmp_OutMsgs: int = 0
    Icmp_InEchos: int = 0
    Icmp_InEchoReps: int = 0
    Icmp_OutEchos: int = 0
    Icmp_OutEchoReps: int = 0
    Icmp_InTimestamps: int = 0
    Icmp_InTimestampReps: int = 0
    Icmp_OutTimestamps: int = 0
    Icmp_OutTimestampReps: int = 0
    Icmp_InAddrMasks: int = 0
    Icmp_InAddrMaskReps: int = 0
    Icmp_OutAddrMasks: int = 0
    Icmp_OutAddrMaskReps: int = 0
    Icmp_InErrors: int = 0
    Icmp_OutErrors: int = 0
    Icmp_InDestUnreachs: int = 0
    Icmp_OutDestUnreachs: int = 0
    Icmp_InTimeExcds: int = 0
    Icmp_OutTimeExcds: int = 0
    Icmp_InParmProbs: int = 0
    Icmp_OutParmProbs: int = 0
    Icmp_InSrcQuenchs: int = 0
    Icmp_OutSrcQuenchs: int = 0
    Icmp_InRedirects: int = 0
    Icmp_OutRedirects: int = 0
    Tcp_ActiveOpens: int = 0
    Tcp_PassiveOpens: int = 0
    Tcp_InSegs: int = 0
    Tcp_OutSegs: int = 0
    Tcp_AttemptFails: int = 0
    Tcp_EstabResets: int = 0
    Tcp_RetransSegs: int = 0
    Tcp_InErrs: int = 0
    Tcp_OutRsts: int = 0
    Udp_InDatagrams: int = 0
    Udp_OutDatagrams: int = 0
    Udp_NoPorts: int = 0
    Udp_InErrors: int = 0


_WANTED = frozenset(f.name for f in fields(Snmp))


def parse_snmp(text: str | None) -> Snmp:
    found: dict[str, int] = {}
    names: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        proto, colon, rest = line.partition(":")
        if not colon or not proto.isalnum():
            continue
        words = rest.split()
        if proto not in names:
            names[proto] = words  # the header line of the pair
            continue
        for name, value in zip(names.pop(proto), words, strict=False):
            key = f"{proto}_{name}"
            if key in _WANTED and value.isascii() and value.isdigit():
                found[key] = int(value)
    return Snmp(**found)


def read_snmp(read_optional: Callable[[str], str | None]) -> Snmp:
    """``read_optional`` is ProcFS.read_optional or the recorder's KernelFiles.read_optional."""
    return parse_snmp(read_optional("net/snmp"))
