"""IPv4 protocol counters for sar -n IP, EIP, TCP, ETCP and UDP, from /proc/net/snmp (rd_stats.c read_net_ip,
read_net_eip, read_net_tcp, read_net_etcp, read_net_udp), read once for all of them.

The file is pairs of lines, "Proto: Name Name ..." then "Proto: value value ...": fields are taken by name,
so counters the kernel added over the years (Ip OutTransmits, Icmp InCsumErrors, OutRateLimitGlobal/Host) do
not shift the others. ICMP counters are kept as well for the ICMP reports. A field the kernel does not have,
a value that is not a number, or a missing file gives 0 (sadc's behaviour for what it cannot read).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from itertools import repeat

from hostward.collect._records import maker
from hostward.frozen import field_names, frozen


@frozen
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


_FIELDS = field_names(Snmp)
_WANTED = frozenset(_FIELDS)
_make_snmp = maker(Snmp, _FIELDS)


def parse_snmp(text: str | None) -> Snmp:
    found: dict[str, int] = {}
    headers: dict[str, str] = {}
    for line in (text or "").splitlines():
        proto, colon, rest = line.partition(":")
        if not colon or not proto.isalnum():
            continue
        if proto not in headers:
            headers[proto] = rest  # the header line of the pair
            continue
        keys, indices, pick = _pair_plan(proto, headers.pop(proto))
        words = rest.split()
        if pick is not None and len(words) > indices[-1]:
            # The wanted values taken at C speed (the recorder parses this at every sample, and a Python step
            # per value of the ~90 was a fifth of its sampling cost); only when every one is plain digits.
            values = pick(words)
            if "".join(values).isascii() and all(map(str.isdigit, values)):
                found.update(zip(keys, map(int, values), strict=True))
                continue
        for key, i in zip(keys, indices, strict=True):
            if i < len(words):
                value = words[i]
                if value.isascii() and value.isdigit():
                    found[key] = int(value)
    # A maker (collect/_records.py): Snmp(**found) spent more than the whole parse setting 55 frozen fields.
    snmp: Snmp = _make_snmp(list(map(found.get, _FIELDS, repeat(0))), 0)
    return snmp


@functools.lru_cache(maxsize=64)  # a kernel writes half a dozen header lines, the same at every read
def _pair_plan(
    proto: str, header: str
) -> tuple[tuple[str, ...], tuple[int, ...], Callable[[list[str]], tuple[str, ...]] | None]:
    """For a header line: the wanted keys in the line's order, their word positions, and a getter of those
    words as a tuple (None when no field is wanted)."""
    wanted = [(f"{proto}_{name}", i) for i, name in enumerate(header.split()) if f"{proto}_{name}" in _WANTED]
    keys = tuple(key for key, _ in wanted)
    indices = tuple(i for _, i in wanted)
    if not indices:
        return keys, indices, None
    getter = operator.itemgetter(*indices)
    if len(indices) == 1:  # itemgetter of one index gives the item, not a 1-tuple
        return keys, indices, lambda words: (getter(words),)
    return keys, indices, getter


def read_snmp(read_optional: Callable[[str], str | None]) -> Snmp:
    """``read_optional`` is ProcFS.read_optional or the recorder's KernelFiles.read_optional."""
    return parse_snmp(read_optional("net/snmp"))
