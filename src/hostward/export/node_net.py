"""node_exporter 1.5.0's filefd, sockstat and netstat families (default collectors), same names, types and values.

filefd: /proc/sys/fs/file-nr. sockstat: /proc/net/sockstat and sockstat6 ("TCP: inuse 1 orphan 0 tw 2 ..."; the
IPv6 protocols keep their "6" in the name, node_sockstat_TCP6_inuse; ``mem`` is also published in bytes).
netstat: /proc/net/netstat and /proc/net/snmp (a header line of names, then a line of values, per protocol) and
/proc/net/snmp6 (``Ip6InOctets 123``: the protocol is the name up to its "6"), filtered by node_exporter's default
``--collector.netstat.fields``, untyped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from prometheus_client.core import Metric

from hostward.digits import is_digits
from hostward.export.families import GaugeFamily, UntypedFamily

# node_exporter --collector.netstat.fields default
NETSTAT_FIELDS = re.compile(
    r"^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)"
    r"|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)"
    r"|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)"
    r"|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$"
)


def _number(text: str) -> float | None:
    return float(text) if is_digits(text) else None  # the kernel writes unsigned integers here


def filefd_families(file_nr: str) -> Iterator[Metric]:
    fields = file_nr.split()
    allocated, maximum = (_number(fields[0]), _number(fields[2])) if len(fields) >= 3 else (None, None)
    if allocated is None or maximum is None:
        return  # not the kernel's format: absent, as node_exporter's family on a parse error
    yield GaugeFamily("node_filefd_allocated", "File descriptor statistics: allocated.", value=allocated)
    yield GaugeFamily("node_filefd_maximum", "File descriptor statistics: maximum.", value=maximum)


def sockstat_families(sockstat: str | None, sockstat6: str | None, page_size: int) -> Iterator[Metric]:
    for text in (sockstat, sockstat6):
        for line in (text or "").splitlines():
            protocol, _, rest = line.partition(":")
            words = rest.split()
            if protocol == "sockets":
                used = _number(words[1]) if words[:1] == ["used"] and len(words) >= 2 else None
                if used is not None:
                    yield GaugeFamily(
                        "node_sockstat_sockets_used", "Number of IPv4 sockets in use.", value=used
                    )
                continue
            if not protocol.isidentifier():
                continue
            for name, value in zip(words[::2], words[1::2], strict=False):
                if not is_digits(value) or not name.isidentifier():
                    continue
                yield _sockstat(protocol, name, float(value))
                if name == "mem":  # pages of socket buffers, also in bytes
                    yield _sockstat(protocol, "mem_bytes", float(value) * page_size)


def _sockstat(protocol: str, state: str, value: float) -> Metric:
    return GaugeFamily(
        f"node_sockstat_{protocol}_{state}", f"Number of {protocol} sockets in state {state}.", value=value
    )


def netstat_families(netstat: str | None, snmp: str | None, snmp6: str | None) -> Iterator[Metric]:
    seen: set[str] = set()
    for key, value in (*_paired(netstat), *_paired(snmp), *_snmp6(snmp6)):
        name = f"node_netstat_{key}"
        if key in seen or not key.isidentifier() or not NETSTAT_FIELDS.match(key):
            continue
        seen.add(key)
        yield UntypedFamily(name, f"Statistic {key.replace('_', '', 1)}.", value)


def _paired(text: str | None) -> Iterator[tuple[str, float]]:
    """``Tcp: RtoAlgorithm RtoMin ...`` followed by ``Tcp: 1 200 ...`` -> (Tcp_RtoAlgorithm, 1.0), ..."""
    lines = (text or "").splitlines()
    for header, values in zip(lines[::2], lines[1::2], strict=False):
        protocol, _, names = header.partition(":")
        other, _, numbers = values.partition(":")
        if protocol != other:
            continue
        for name, number in zip(names.split(), numbers.split(), strict=False):
            try:
                yield f"{protocol}_{name}", float(number)
            except ValueError:
                continue


def _snmp6(text: str | None) -> Iterator[tuple[str, float]]:
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) != 2 or "6" not in parts[0]:
            continue
        cut = parts[0].index("6") + 1
        try:
            yield f"{parts[0][:cut]}_{parts[0][cut:]}", float(parts[1])
        except ValueError:
            continue
