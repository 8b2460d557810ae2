"""sar -n IP, EIP, TCP, ETCP, UDP: IPv4 protocol rates per second from /proc/net/snmp (pr_stats.c
stub_print_net_{ip,eip,tcp,etcp,udp}_stats): ``S_VALUE`` of each counter, as sar computes it. Averages are
the rates between the first and the last sample (counters)."""

from __future__ import annotations

from hostward.activities._counters import counter_activity
from hostward.activities.base import Tolerance

_PKT = Tolerance(
    "packets and segments between the two reads (other tests talk over loopback)", abs=100.0, rel=0.1
)
_EVT = Tolerance("connections opened or failing between the reads", abs=10.0, rel=0.1)
_ERR = Tolerance("errors and drops between the reads", abs=5.0, rel=0.1)

# Node_exporter's netstat collector exposes these by default (its --collector.netstat.fields).
_NODE = {"Tcp_ActiveOpens", "Tcp_PassiveOpens", "Tcp_InSegs", "Tcp_OutSegs", "Tcp_RetransSegs", "Tcp_InErrs",
         "Tcp_OutRsts", "Udp_InDatagrams", "Udp_OutDatagrams", "Udp_NoPorts", "Udp_InErrors"}  # fmt: skip


NET_IP = counter_activity("net_ip", "IP", "snmp", order=17, title="IPv4 traffic", spec=(
    ("irec/s", "Ip_InReceives"), ("fwddgm/s", "Ip_ForwDatagrams"), ("idel/s", "Ip_InDelivers"),
    ("orq/s", "Ip_OutRequests"), ("asmrq/s", "Ip_ReasmReqds"), ("asmok/s", "Ip_ReasmOKs"),
    ("fragok/s", "Ip_FragOKs"), ("fragcrt/s", "Ip_FragCreates")), parity=_PKT, node=_NODE)  # fmt: skip
NET_EIP = counter_activity("net_eip", "EIP", "snmp", order=18, title="IPv4 errors", spec=(
    ("ihdrerr/s", "Ip_InHdrErrors"), ("iadrerr/s", "Ip_InAddrErrors"), ("iukwnpr/s", "Ip_InUnknownProtos"),
    ("idisc/s", "Ip_InDiscards"), ("odisc/s", "Ip_OutDiscards"), ("onort/s", "Ip_OutNoRoutes"),
    ("asmf/s", "Ip_ReasmFails"), ("fragf/s", "Ip_FragFails")), parity=_ERR, node=_NODE)  # fmt: skip
NET_TCP = counter_activity("net_tcp", "TCP", "snmp", order=21, title="TCPv4 connections and segments", spec=(
    ("active/s", "Tcp_ActiveOpens"), ("passive/s", "Tcp_PassiveOpens"), ("iseg/s", "Tcp_InSegs"),
    ("oseg/s", "Tcp_OutSegs")), parity=_PKT, node=_NODE)  # fmt: skip
NET_ETCP = counter_activity("net_etcp", "ETCP", "snmp", order=22, title="TCPv4 errors", spec=(
    ("atmptf/s", "Tcp_AttemptFails"), ("estres/s", "Tcp_EstabResets"), ("retrans/s", "Tcp_RetransSegs"),
    ("isegerr/s", "Tcp_InErrs"), ("orsts/s", "Tcp_OutRsts")), parity=_EVT, node=_NODE)  # fmt: skip
NET_UDP = counter_activity("net_udp", "UDP", "snmp", order=23, title="UDPv4 datagrams", spec=(
    ("idgm/s", "Udp_InDatagrams"), ("odgm/s", "Udp_OutDatagrams"), ("noport/s", "Udp_NoPorts"),
    ("idgmerr/s", "Udp_InErrors")), parity=_PKT, node=_NODE)  # fmt: skip
