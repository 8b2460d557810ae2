"""Collectors of sar -n ICMP/EICMP (the Icmp lines of /proc/net/snmp), on kernel-format text and on the live
kernel under loopback traffic the test makes."""

from __future__ import annotations

import socket
import time

from tests.conftest import require_root
from tests.report.sidebyside import ping_loopback

from hostward.collect.snmp import parse_snmp, read_snmp
from hostward.procfs import ProcFS

# net/ipv4/proc.c icmp_put since 6.0: OutRateLimitGlobal and OutRateLimitHost follow OutErrors.
ICMP_6_0 = (
    "Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects InEchos "
    "InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors OutRateLimitGlobal "
    "OutRateLimitHost OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps "
    "OutTimestamps OutTimestampReps OutAddrMasks OutAddrMaskReps\n"
    "Icmp: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29\n"
)
# Before 6.0 (and before 3.10, without InCsumErrors): the same names, fewer columns.
ICMP_3_10 = (
    "Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects InEchos "
    "InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors OutDestUnreachs "
    "OutTimeExcds OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps "
    "OutAddrMasks OutAddrMaskReps\n"
    "Icmp: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 19 20 21 22 23 24 25 26 27 28 29\n"
)


def test_icmp_counters_are_taken_by_name_on_every_layout() -> None:
    for text in (ICMP_6_0, ICMP_3_10):
        snmp = parse_snmp(text)
        assert (snmp.Icmp_InMsgs, snmp.Icmp_InErrors, snmp.Icmp_InDestUnreachs, snmp.Icmp_InEchos) == (
            1,
            2,
            4,
            9,
        )
        assert (snmp.Icmp_OutMsgs, snmp.Icmp_OutErrors, snmp.Icmp_OutDestUnreachs) == (15, 16, 19)
        assert (snmp.Icmp_OutSrcQuenchs, snmp.Icmp_OutRedirects, snmp.Icmp_OutEchos) == (22, 23, 24)
        assert (snmp.Icmp_OutTimestampReps, snmp.Icmp_OutAddrMaskReps) == (27, 29)


def test_live_icmp_counters_move_with_pings_and_closed_ports() -> None:
    require_root()  # a raw ICMP socket, as ping uses
    procfs = ProcFS()
    before = read_snmp(procfs.read_optional)
    ping_loopback(20)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        for _ in range(5):
            udp.sendto(b"x", closed)  # port unreachable, sent and received over loopback
    time.sleep(0.05)  # the replies travel through the backlog: let them arrive
    after = read_snmp(procfs.read_optional)
    assert after.Icmp_InEchos - before.Icmp_InEchos >= 20
    assert after.Icmp_OutEchos - before.Icmp_OutEchos >= 20
    assert after.Icmp_OutEchoReps - before.Icmp_OutEchoReps >= 20
    assert after.Icmp_InEchoReps - before.Icmp_InEchoReps >= 20
    assert after.Icmp_OutDestUnreachs - before.Icmp_OutDestUnreachs >= 5
    assert after.Icmp_InDestUnreachs - before.Icmp_InDestUnreachs >= 5
    assert after.Icmp_InMsgs - before.Icmp_InMsgs >= 45
