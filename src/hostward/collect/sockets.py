"""Sockets in use for sar -n SOCK and -n SOCK6, from /proc/net/sockstat and /proc/net/sockstat6 as sadc reads
them (rd_stats.c read_net_sock, read_net_sock6).

Only the lines sadc reads count ("sockets:", "TCP:", "UDP:", "RAW:", "FRAG:" and their IPv6 forms; UDPLITE is
not counted). A missing file (no IPv6) or a line whose number cannot be read gives 0, as in sadc.
"""

from __future__ import annotations

from collections.abc import Callable

from hostward.collect.kernel import leading_ints
from hostward.frozen import frozen


@frozen
class Sockets:
    sock_inuse: int = 0  # "sockets: used N": every socket of every family
    tcp_inuse: int = 0
    tcp_tw: int = 0  # TCP sockets in TIME_WAIT
    udp_inuse: int = 0
    raw_inuse: int = 0
    frag_inuse: int = 0  # IP fragment queues


@frozen
class Sockets6:
    """A record of its own: sadc records IPv6 sockets only with -S IPV6, and sar shows what the file holds."""

    tcp6_inuse: int = 0
    udp6_inuse: int = 0
    raw6_inuse: int = 0
    frag6_inuse: int = 0


def _after(line: str, word: str) -> int:
    """The integer that follows ``word`` on ``line`` ("TCP: inuse 3 orphan 0 tw 9" after "tw" is 9)."""
    words = line.split()
    try:
        found = leading_ints(words[words.index(word) + 1], 1)
    except (ValueError, IndexError):
        return 0
    return found[0] if found else 0


_Table = dict[str, tuple[tuple[str, str], ...]]
_V4: _Table = {"sockets:": (("used", "sock_inuse"),), "TCP:": (("inuse", "tcp_inuse"), ("tw", "tcp_tw")),
       "UDP:": (("inuse", "udp_inuse"),), "RAW:": (("inuse", "raw_inuse"),), "FRAG:": (("inuse", "frag_inuse"),)}  # fmt: skip
_V6: _Table = {"TCP6:": (("inuse", "tcp6_inuse"),), "UDP6:": (("inuse", "udp6_inuse"),),
       "RAW6:": (("inuse", "raw6_inuse"),), "FRAG6:": (("inuse", "frag6_inuse"),)}  # fmt: skip


def _fields(text: str | None, table: _Table) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in (text or "").splitlines():
        head = line.split(None, 1)
        wanted = table.get(head[0]) if head else None
        for word, name in wanted or ():
            found[name] = _after(line, word)
    return found


def parse_sockstat(sockstat: str | None) -> Sockets:
    return Sockets(**_fields(sockstat, _V4))


def parse_sockstat6(sockstat6: str | None) -> Sockets6:
    return Sockets6(**_fields(sockstat6, _V6))


def read_sockets(read_optional: Callable[[str], str | None]) -> Sockets:
    """``read_optional`` is ProcFS.read_optional or the recorder's KernelFiles.read_optional."""
    return parse_sockstat(read_optional("net/sockstat"))


def read_sockets6(read_optional: Callable[[str], str | None]) -> Sockets6:
    return parse_sockstat6(read_optional("net/sockstat6"))
