"""A_NET_IP6, EIP6, ICMP6, EICMP6 and UDP6 of a sysstat sa file -> hostward's ``Snmp6`` record.

sadc -S IPV6 records the five together from /proc/net/snmp6 (rd_stats.c read_net_ip6 ... read_net_udp6).
Their structures (rd_stats.h stats_net_ip6, eip6, icmp6, eicmp6, udp6) hold the counters of the report's
columns in column order, and ``Snmp6`` declares its fields in that same order, so each activity is a run
of consecutive fields: 10 ``unsigned long long``, 11 of them, then 17, 11 and 4 ``unsigned long``
(``aligned(8)``: 8 bytes on every writer).
"""

from __future__ import annotations

from hostward.collect.snmp6 import SNMP6_FIELDS, Snmp6
from hostward.store.sysstat.sa_layouts import SNMP6_LAYOUTS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


def _runs() -> dict[int, tuple[str, ...]]:
    runs, at = {}, 0
    for aid, (_, types, _) in SNMP6_LAYOUTS.items():
        width = sum(types)
        runs[aid] = SNMP6_FIELDS[at : at + width]
        at += width
    assert at == len(SNMP6_FIELDS), "Snmp6 must declare exactly the five structures' fields"
    return runs


SNMP6_COUNTERS: dict[int, tuple[str, ...]] = _runs()


def snmp6(by_id: dict[int, list[tuple[Any, ...]]]) -> Snmp6 | None:
    """None when the file holds none of the five (recorded without -S IPV6): the reports then show nothing,
    as sar does. One without another reads as zeros, which sar never meets (sadc records them together)."""
    if not any(by_id.get(aid) for aid in SNMP6_COUNTERS):
        return None
    values: dict[str, int] = {}
    for aid, names in SNMP6_COUNTERS.items():
        items = by_id.get(aid)
        if items:
            values.update(zip(names, items[0], strict=True))  # "Q": ints already
    return Snmp6(**values)
