"""sar -n ICMP, EICMP: ICMPv4 message and error rates per second from /proc/net/snmp's Icmp lines (pr_stats.c
stub_print_net_icmp_stats, stub_print_net_eicmp_stats), ``S_VALUE`` of each counter. Averages are the rates
between the first and the last sample (counters).

hostward takes the counters by name (collect/snmp.py). sadc 12.6 takes them by position, and on kernels with
Icmp OutRateLimitGlobal/OutRateLimitHost (6.0 and later) every outgoing figure after OutErrors lands two places
early in its structure: sar's ``otm/s`` then shows OutEchos, ``oparmpb/s`` OutDestUnreachs, and so on
(``SHIFTED``, ``SADC_SHIFT``). The incoming columns, ``omsg/s`` and ``oerr/s`` are read alike by both; the shifted columns
carry their own tolerance, and the parity tests compare each of them with the sar column that holds its
counter (docs/parity.md). An imported sa file reports what sadc stored, as sar does.
"""

from __future__ import annotations

from hostward.activities._counters import counter_activity
from hostward.activities.base import Tolerance

_MSG = Tolerance(
    "ICMP messages between the two reads (other tests ping and probe closed ports)", abs=50.0, rel=0.1
)
_ERR = Tolerance("ICMP errors sent or received between the two reads", abs=20.0, rel=0.1)
_SHIFTED = Tolerance(
    "sadc 12.6 reads this outgoing Icmp counter by position: on kernels >= 6.0 sar prints it under another "
    "header (SHIFTED, SADC_SHIFT); compared with that column, within the messages between the reads",
    abs=50.0,
    rel=0.1,
)

# Node_exporter's netstat collector exposes these by default (its --collector.netstat.fields).
_NODE = {"Icmp_InMsgs", "Icmp_OutMsgs", "Icmp_InErrors"}

# The outgoing columns sadc 12.6 reads two places early on a kernel with the two OutRateLimit counters, and
# for each the sar column that shows the counter hostward shows under that header. OutAddrMasks and
# OutAddrMaskReps (oadrmk/s, oadrmkr/s) are shown by no sar column there: Linux sends neither message.
SHIFTED = frozenset(
    {"oech/s", "oechr/s", "otm/s", "otmr/s", "oadrmk/s", "oadrmkr/s", "odstunr/s", "otmex/s", "oparmpb/s",
     "osrcq/s", "oredir/s"}
)  # fmt: skip
SADC_SHIFT: dict[str, str] = {
    "oech/s": "otm/s",  # OutEchos sits where sadc expects OutTimestamps
    "oechr/s": "otmr/s",
    "otm/s": "oadrmk/s",
    "otmr/s": "oadrmkr/s",
    "odstunr/s": "oparmpb/s",  # OutDestUnreachs sits where sadc expects OutParmProbs
    "otmex/s": "osrcq/s",
    "oparmpb/s": "oredir/s",
    "osrcq/s": "oech/s",  # OutSrcQuenchs: -n ICMP's oech/s in sar
    "oredir/s": "oechr/s",
}
_BY_POSITION = dict.fromkeys(SHIFTED, _SHIFTED)


NET_ICMP = counter_activity("net_icmp", "ICMP", "snmp", order=19, title="ICMPv4 messages", spec=(
    ("imsg/s", "Icmp_InMsgs"), ("omsg/s", "Icmp_OutMsgs"), ("iech/s", "Icmp_InEchos"),
    ("iechr/s", "Icmp_InEchoReps"), ("oech/s", "Icmp_OutEchos"), ("oechr/s", "Icmp_OutEchoReps"),
    ("itm/s", "Icmp_InTimestamps"), ("itmr/s", "Icmp_InTimestampReps"), ("otm/s", "Icmp_OutTimestamps"),
    ("otmr/s", "Icmp_OutTimestampReps"), ("iadrmk/s", "Icmp_InAddrMasks"), ("iadrmkr/s", "Icmp_InAddrMaskReps"),
    ("oadrmk/s", "Icmp_OutAddrMasks"), ("oadrmkr/s", "Icmp_OutAddrMaskReps")), parity=_MSG,
    parity_of=_BY_POSITION, node=_NODE)  # fmt: skip
NET_EICMP = counter_activity("net_eicmp", "EICMP", "snmp", order=20, title="ICMPv4 errors", spec=(
    ("ierr/s", "Icmp_InErrors"), ("oerr/s", "Icmp_OutErrors"), ("idstunr/s", "Icmp_InDestUnreachs"),
    ("odstunr/s", "Icmp_OutDestUnreachs"), ("itmex/s", "Icmp_InTimeExcds"), ("otmex/s", "Icmp_OutTimeExcds"),
    ("iparmpb/s", "Icmp_InParmProbs"), ("oparmpb/s", "Icmp_OutParmProbs"), ("isrcq/s", "Icmp_InSrcQuenchs"),
    ("osrcq/s", "Icmp_OutSrcQuenchs"), ("iredir/s", "Icmp_InRedirects"),
    ("oredir/s", "Icmp_OutRedirects")), parity=_ERR,
    parity_of=_BY_POSITION, node=_NODE)  # fmt: skip
