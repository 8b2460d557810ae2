"""Decoders of sysstat sa-file structures for sar -n ICMP, EICMP (rd_stats.h stats_net_icmp, stats_net_eicmp).

sa_decode.py lists their layouts in LAYOUTS and calls these from ``_sample``; the structures' fields are the
counters of the report's columns in column order, stored as sadc read them (by position, so on kernels >= 6.0
the outgoing ICMP figures are those sadc found there: sar reports them as such, and so does an import).
"""

from __future__ import annotations

# A_NET_ICMP, A_NET_EICMP: the Snmp fields their structures hold, in structure order (rd_stats.h).
ICMP_COUNTERS: dict[int, tuple[str, ...]] = {
    19: ("Icmp_InMsgs", "Icmp_OutMsgs", "Icmp_InEchos", "Icmp_InEchoReps", "Icmp_OutEchos", "Icmp_OutEchoReps",
         "Icmp_InTimestamps", "Icmp_InTimestampReps", "Icmp_OutTimestamps", "Icmp_OutTimestampReps",
         "Icmp_InAddrMasks", "Icmp_InAddrMaskReps", "Icmp_OutAddrMasks", "Icmp_OutAddrMaskReps"),
    20: ("Icmp_InErrors", "Icmp_OutErrors", "Icmp_InDestUnreachs", "Icmp_OutDestUnreachs", "Icmp_InTimeExcds",
         "Icmp_OutTimeExcds", "Icmp_InParmProbs", "Icmp_OutParmProbs", "Icmp_InSrcQuenchs",
         "Icmp_OutSrcQuenchs", "Icmp_InRedirects", "Icmp_OutRedirects"),
}  # fmt: skip
