"""IPv6 protocol counters for sar -n IP6, EIP6, ICMP6, EICMP6 and UDP6, from /proc/net/snmp6 (rd_stats.c
read_net_ip6, read_net_eip6, read_net_icmp6, read_net_eicmp6, read_net_udp6), read once for all of them.

The file is one counter a line, "Ip6InReceives<spaces>\\t2117" (net/ipv6/proc.c prints "%-32s\\t%lu"), so
both sadc and hostward take fields by name: unlike /proc/net/snmp, a kernel adding counters shifts nothing.
Names are split after the protocol's "6" as node_exporter's netstat collector does ("Ip6_InReceives"). A
field the kernel does not have, a value that is not a number, or a missing file (IPv6 disabled) gives 0, as
sadc does: it records the five activities from a zeroed structure when it cannot read the file.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat

from hostward.collect._records import maker
from hostward.frozen import field_names, frozen


@frozen
class Snmp6:
    """Cumulative counters, "<Proto6>_<kernel name>", in the order of sadc's structures (rd_stats.h
    stats_net_ip6, eip6, icmp6, eicmp6, udp6): the sa importer maps them by that order."""

    # stats_net_ip6 (sar -n IP6)
    Ip6_InReceives: int = 0
    Ip6_OutForwDatagrams: int = 0
    Ip6_InDelivers: int = 0
    Ip6_OutRequests: int = 0
    Ip6_ReasmReqds: int = 0
    Ip6_ReasmOKs: int = 0
    Ip6_InMcastPkts: int = 0
    Ip6_OutMcastPkts: int = 0
    Ip6_FragOKs: int = 0
    Ip6_FragCreates: int = 0
    # stats_net_eip6 (sar -n EIP6)
    Ip6_InHdrErrors: int = 0
    Ip6_InAddrErrors: int = 0
    Ip6_InUnknownProtos: int = 0
    Ip6_InTooBigErrors: int = 0
    Ip6_InDiscards: int = 0
    Ip6_OutDiscards: int = 0
    Ip6_InNoRoutes: int = 0
    Ip6_OutNoRoutes: int = 0
    Ip6_ReasmFails: int = 0
    Ip6_FragFails: int = 0
    Ip6_InTruncatedPkts: int = 0
    # stats_net_icmp6 (sar -n ICMP6)
    Icmp6_InMsgs: int = 0
    Icmp6_OutMsgs: int = 0
    Icmp6_InEchos: int = 0
    Icmp6_InEchoReplies: int = 0
    Icmp6_OutEchoReplies: int = 0
    Icmp6_InGroupMembQueries: int = 0
    Icmp6_InGroupMembResponses: int = 0
    Icmp6_OutGroupMembResponses: int = 0
    Icmp6_InGroupMembReductions: int = 0
    Icmp6_OutGroupMembReductions: int = 0
    Icmp6_InRouterSolicits: int = 0
    Icmp6_OutRouterSolicits: int = 0
    Icmp6_InRouterAdvertisements: int = 0
    Icmp6_InNeighborSolicits: int = 0
    Icmp6_OutNeighborSolicits: int = 0
    Icmp6_InNeighborAdvertisements: int = 0
    Icmp6_OutNeighborAdvertisements: int = 0
    # stats_net_eicmp6 (sar -n EICMP6)
    Icmp6_InErrors: int = 0
    Icmp6_InDestUnreachs: int = 0
    Icmp6_OutDestUnreachs: int = 0
    Icmp6_InTimeExcds: int = 0
    Icmp6_OutTimeExcds: int = 0
    Icmp6_InParmProblems: int = 0
    Icmp6_OutParmProblems: int = 0
    Icmp6_InRedirects: int = 0
    Icmp6_OutRedirects: int = 0
    Icmp6_InPktTooBigs: int = 0
    Icmp6_OutPktTooBigs: int = 0
    # stats_net_udp6 (sar -n UDP6)
    Udp6_InDatagrams: int = 0
    Udp6_OutDatagrams: int = 0
    Udp6_NoPorts: int = 0
    Udp6_InErrors: int = 0


SNMP6_FIELDS: tuple[str, ...] = field_names(Snmp6)
# The kernel's name of each field ("Ip6InReceives" -> "Ip6_InReceives").
_BY_KERNEL_NAME = {name.replace("_", "", 1): name for name in SNMP6_FIELDS}
_make_snmp6 = maker(Snmp6, SNMP6_FIELDS)


def parse_snmp6(text: str | None) -> Snmp6:
    found: dict[str, int] = {}
    for line in (text or "").splitlines():
        words = line.split()  # ["Ip6InReceives", "2117"]
        if len(words) == 2 and (name := _BY_KERNEL_NAME.get(words[0])):
            value = words[1]
            if value.isascii() and value.isdigit():
                found[name] = int(value)
    # A maker (collect/_records.py): Snmp6(**found) set 53 frozen fields one object.__setattr__ at a time,
    # ~19 us at every recorded sample (issue 17).
    snmp6: Snmp6 = _make_snmp6(list(map(found.get, SNMP6_FIELDS, repeat(0))), 0)
    return snmp6


def read_snmp6(read_optional: Callable[[str], str | None]) -> Snmp6:
    """``read_optional`` is ProcFS.read_optional or the recorder's KernelFiles.read_optional."""
    return parse_snmp6(read_optional("net/snmp6"))
