"""sar -n IP6, EIP6, ICMP6, EICMP6, UDP6: IPv6 protocol rates per second from /proc/net/snmp6 (pr_stats.c
print_net_{ip6,eip6,icmp6,eicmp6,udp6}_stats): ``S_VALUE`` of each counter, as sar computes it. Averages are
the rates between the first and the last sample (counters). Column order, headers and sadf keys are
activity.c's hdr_line and json_stats.c's keys (the header without "/s")."""

from __future__ import annotations

from hostward.activities._counters import counter_activity
from hostward.activities.base import Tolerance

_PKT = Tolerance("packets between the two reads (other tests talk over loopback)", abs=100.0, rel=0.1)
_MSG = Tolerance("ICMPv6 messages (echoes, errors, neighbour discovery) between the reads", abs=10.0, rel=0.1)
_ERR = Tolerance("errors and drops between the reads", abs=5.0, rel=0.1)

# Node_exporter's netstat collector exposes these by default (--collector.netstat.fields: .*_InErrors,
# Icmp6?_(InMsgs|OutMsgs), Udp6?_(InDatagrams|OutDatagrams|NoPorts|...)); it names snmp6 fields as we do.
_NODE = {"Icmp6_InMsgs", "Icmp6_OutMsgs", "Icmp6_InErrors", "Udp6_InDatagrams", "Udp6_OutDatagrams",
         "Udp6_NoPorts", "Udp6_InErrors"}  # fmt: skip


NET_IP6 = counter_activity("net_ip6", "IP6", "snmp6", order=25, title="IPv6 traffic", spec=(
    ("irec6/s", "Ip6_InReceives"), ("fwddgm6/s", "Ip6_OutForwDatagrams"), ("idel6/s", "Ip6_InDelivers"),
    ("orq6/s", "Ip6_OutRequests"), ("asmrq6/s", "Ip6_ReasmReqds"), ("asmok6/s", "Ip6_ReasmOKs"),
    ("imcpck6/s", "Ip6_InMcastPkts"), ("omcpck6/s", "Ip6_OutMcastPkts"), ("fragok6/s", "Ip6_FragOKs"),
    ("fragcr6/s", "Ip6_FragCreates")), parity=_PKT, node=_NODE)  # fmt: skip
NET_EIP6 = counter_activity("net_eip6", "EIP6", "snmp6", order=26, title="IPv6 errors", spec=(
    ("ihdrer6/s", "Ip6_InHdrErrors"), ("iadrer6/s", "Ip6_InAddrErrors"), ("iukwnp6/s", "Ip6_InUnknownProtos"),
    ("i2big6/s", "Ip6_InTooBigErrors"), ("idisc6/s", "Ip6_InDiscards"), ("odisc6/s", "Ip6_OutDiscards"),
    ("inort6/s", "Ip6_InNoRoutes"), ("onort6/s", "Ip6_OutNoRoutes"), ("asmf6/s", "Ip6_ReasmFails"),
    ("fragf6/s", "Ip6_FragFails"), ("itrpck6/s", "Ip6_InTruncatedPkts")), parity=_ERR, node=_NODE)  # fmt: skip
NET_ICMP6 = counter_activity("net_icmp6", "ICMP6", "snmp6", order=27, title="ICMPv6 messages", spec=(
    ("imsg6/s", "Icmp6_InMsgs"), ("omsg6/s", "Icmp6_OutMsgs"), ("iech6/s", "Icmp6_InEchos"),
    ("iechr6/s", "Icmp6_InEchoReplies"), ("oechr6/s", "Icmp6_OutEchoReplies"),
    ("igmbq6/s", "Icmp6_InGroupMembQueries"), ("igmbr6/s", "Icmp6_InGroupMembResponses"),
    ("ogmbr6/s", "Icmp6_OutGroupMembResponses"), ("igmbrd6/s", "Icmp6_InGroupMembReductions"),
    ("ogmbrd6/s", "Icmp6_OutGroupMembReductions"), ("irtsol6/s", "Icmp6_InRouterSolicits"),
    ("ortsol6/s", "Icmp6_OutRouterSolicits"), ("irtad6/s", "Icmp6_InRouterAdvertisements"),
    ("inbsol6/s", "Icmp6_InNeighborSolicits"), ("onbsol6/s", "Icmp6_OutNeighborSolicits"),
    ("inbad6/s", "Icmp6_InNeighborAdvertisements"), ("onbad6/s", "Icmp6_OutNeighborAdvertisements")),
    parity=_MSG, node=_NODE)  # fmt: skip
NET_EICMP6 = counter_activity("net_eicmp6", "EICMP6", "snmp6", order=28, title="ICMPv6 errors", spec=(
    ("ierr6/s", "Icmp6_InErrors"), ("idtunr6/s", "Icmp6_InDestUnreachs"), ("odtunr6/s", "Icmp6_OutDestUnreachs"),
    ("itmex6/s", "Icmp6_InTimeExcds"), ("otmex6/s", "Icmp6_OutTimeExcds"), ("iprmpb6/s", "Icmp6_InParmProblems"),
    ("oprmpb6/s", "Icmp6_OutParmProblems"), ("iredir6/s", "Icmp6_InRedirects"), ("oredir6/s", "Icmp6_OutRedirects"),
    ("ipck2b6/s", "Icmp6_InPktTooBigs"), ("opck2b6/s", "Icmp6_OutPktTooBigs")), parity=_MSG, node=_NODE)  # fmt: skip
NET_UDP6 = counter_activity("net_udp6", "UDP6", "snmp6", order=29, title="UDPv6 datagrams", spec=(
    ("idgm6/s", "Udp6_InDatagrams"), ("odgm6/s", "Udp6_OutDatagrams"), ("noport6/s", "Udp6_NoPorts"),
    ("idgmer6/s", "Udp6_InErrors")), parity=_PKT, node=_NODE)  # fmt: skip
