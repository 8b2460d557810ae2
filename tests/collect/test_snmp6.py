"""/proc/net/snmp6 read by field name for sar -n IP6, EIP6, ICMP6, EICMP6, UDP6: fixture text, arbitrary text,
and the live kernel's counters moved by IPv6 traffic over ::1."""

from __future__ import annotations

import dataclasses
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import require_root
from tests.report.sidebyside import ipv6_traffic

from hostward.collect.sample import sample_system
from hostward.collect.snmp6 import SNMP6_FIELDS, Snmp6, parse_snmp6, read_snmp6
from hostward.procfs import ProcFS

# As net/ipv6/proc.c prints it ("%-32s\t%lu"), with counters sadc does not read in between.
TEXT = (
    "Ip6InReceives                   \t2117\n"
    "Ip6InHdrErrors                  \t3\n"
    "Ip6InOctets                     \t321251\n"
    "Ip6OutTransmits                 \t2196\n"
    "Icmp6InEchoReplies              \t12\n"
    "Icmp6OutNeighborAdvertisements  \t7\n"
    "Icmp6InType129                  \t12\n"
    "Udp6NoPorts                     \t49\n"
    "Udp6InErrors                    \tx\n"
    "UdpLite6NoPorts                 \t1000\n"
)


def test_fields_are_taken_by_name() -> None:
    snmp6 = parse_snmp6(TEXT)
    assert snmp6 == Snmp6(
        Ip6_InReceives=2117,
        Ip6_InHdrErrors=3,
        Icmp6_InEchoReplies=12,
        Icmp6_OutNeighborAdvertisements=7,
        Udp6_NoPorts=49,  # not UdpLite6's
    )
    assert parse_snmp6(None) == Snmp6()  # IPv6 disabled: no file, zeros as sadc records


def test_fields_are_sadcs_structures_in_order() -> None:
    """10 + 11 + 17 + 11 + 4 counters: stats_net_ip6, eip6, icmp6, eicmp6, udp6 (the sa importer's map)."""
    assert len(SNMP6_FIELDS) == 53
    assert SNMP6_FIELDS[0] == "Ip6_InReceives" and SNMP6_FIELDS[10] == "Ip6_InHdrErrors"
    assert SNMP6_FIELDS[21] == "Icmp6_InMsgs" and SNMP6_FIELDS[38] == "Icmp6_InErrors"
    assert SNMP6_FIELDS[49:] == ("Udp6_InDatagrams", "Udp6_OutDatagrams", "Udp6_NoPorts", "Udp6_InErrors")


@settings(deadline=None)
@given(st.text(max_size=400))
def test_parser_never_raises(text: str) -> None:
    assert all(getattr(parse_snmp6(text), name) >= 0 for name in SNMP6_FIELDS)


@settings(deadline=None)
@given(st.dictionaries(st.sampled_from(SNMP6_FIELDS), st.integers(0, 2**64 - 1)))
def test_every_field_round_trips_through_the_kernels_format(values: dict[str, int]) -> None:
    text = "".join(f"{name.replace('_', '', 1):<32}\t{value}\n" for name, value in values.items())
    assert parse_snmp6(text) == Snmp6(**values)


def test_live_counters_move_with_ipv6_traffic() -> None:
    require_root()  # raw sockets for the echo and the rejected packets
    procfs = ProcFS()
    before = read_snmp6(procfs.read_optional)
    with ipv6_traffic():
        time.sleep(0.4)
    after = sample_system(procfs).snmp6
    assert after is not None
    moved = {k for k, v in dataclasses.asdict(after).items() if v > getattr(before, k)}
    assert moved >= {
        "Ip6_InReceives", "Ip6_InDelivers", "Ip6_OutRequests", "Ip6_InHdrErrors", "Ip6_InUnknownProtos",
        "Ip6_OutNoRoutes", "Ip6_InTruncatedPkts", "Icmp6_InMsgs", "Icmp6_OutMsgs", "Icmp6_InEchos",
        "Icmp6_InEchoReplies", "Icmp6_OutEchoReplies", "Icmp6_InErrors", "Icmp6_InDestUnreachs",
        "Icmp6_OutDestUnreachs", "Icmp6_InParmProblems", "Icmp6_OutParmProblems", "Udp6_InDatagrams",
        "Udp6_OutDatagrams", "Udp6_NoPorts",
    }  # fmt: skip
