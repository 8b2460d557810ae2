"""NFS client and server RPC counters for sar -n NFS and NFSD, from /proc/net/rpc/nfs and /proc/net/rpc/nfsd
(rd_stats.c read_net_nfs, read_net_nfsd).

Kernel format (net/sunrpc/stats.c rpc_proc_show, svc_seq_show; fs/nfsd/stats.c nfsd_show): one line per kind,
a keyword then unsigned counters. The client has ``net``, ``rpc CALLS RETRANS AUTHREFRESH`` and one
``procN COUNT c0 c1 ...`` line per NFS version (one counter per procedure, by procedure number); the server adds
``rc HITS MISSES NOCACHE``, ``net PACKETS UDP TCP TCPCONN``, ``rpc CALLS BAD ...`` and, for NFSv4, ``proc4ops
COUNT o0 o1 ...`` (one counter per operation number). As sadc, the read/write/access/getattr figures add up
NFSv3 and NFSv4: NFSv3 procedures GETATTR 1, ACCESS 4, READ 6, WRITE 7 (RFC 1813); the v4 client's procedure
slots READ 1, WRITE 2, ACCESS 17, GETATTR 18 (include/linux/nfs4.h NFSPROC4_CLNT_*); the v4 server's operations
ACCESS 3, GETATTR 9, READ 25, WRITE 38 (RFC 7530).

A host without NFS (no module loaded) has neither file: every counter reads 0, as sadc records it and sar prints
it. A line that is missing, short or not numbers reads 0 for what it lacks. The kernel's counters are 32 bits
wide (sadc keeps them so too): rates wrap at 2**32.
"""

from __future__ import annotations

from collections.abc import Callable

from hostward.frozen import frozen


@frozen
class NfsClient:
    """sar -n NFS: cumulative RPC calls and retransmissions, and NFSv3+v4 procedure counts."""

    rpc_calls: int = 0
    rpc_retrans: int = 0
    read: int = 0
    write: int = 0
    access: int = 0
    getattr: int = 0


@frozen
class NfsServer:
    """sar -n NFSD: cumulative RPC calls (and bad ones), packets by transport, reply-cache hits and misses,
    and NFSv3+v4 read/write/access/getattr counts."""

    rpc_calls: int = 0
    rpc_bad: int = 0
    net_packets: int = 0
    net_udp: int = 0
    net_tcp: int = 0
    rc_hits: int = 0
    rc_misses: int = 0
    read: int = 0
    write: int = 0
    access: int = 0
    getattr: int = 0


_V3 = (6, 7, 4, 1)  # read, write, access, getattr: NFSv3 procedure numbers
_V4_CLIENT = (1, 2, 17, 18)
_V4_SERVER = (25, 38, 3, 9)  # NFSv4 operation numbers


def _lines(text: str | None) -> dict[str, list[int]]:
    """keyword -> its counters (the first line of each keyword; a word that is not a number ends the line)."""
    found: dict[str, list[int]] = {}
    for line in (text or "").splitlines():
        words = line.split()
        if not words or words[0] in found:
            continue
        keyword, words = words[0], words[1:]
        numbers: list[int] = []
        for word in words:
            if not (word.isascii() and word.isdigit()):
                break
            numbers.append(int(word) & 0xFFFFFFFF)
        found[keyword] = numbers
    return found


def _at(values: list[int], index: int) -> int:
    return values[index] if index < len(values) else 0


def _procs(lines: dict[str, list[int]], v4_key: str, v4_slots: tuple[int, ...]) -> tuple[int, ...]:
    """read, write, access, getattr summed over NFSv3 and NFSv4 (after each line's leading count)."""
    v3 = lines.get("proc3", [])[1:]
    v4 = lines.get(v4_key, [])[1:]
    return tuple((_at(v3, a) + _at(v4, b)) & 0xFFFFFFFF for a, b in zip(_V3, v4_slots, strict=True))


def parse_nfs_client(text: str | None) -> NfsClient:
    lines = _lines(text)
    rpc = lines.get("rpc", [])
    return NfsClient(_at(rpc, 0), _at(rpc, 1), *_procs(lines, "proc4", _V4_CLIENT))


def parse_nfs_server(text: str | None) -> NfsServer:
    lines = _lines(text)
    rpc, net, rc = lines.get("rpc", []), lines.get("net", []), lines.get("rc", [])
    return NfsServer(
        _at(rpc, 0), _at(rpc, 1), _at(net, 0), _at(net, 1), _at(net, 2), _at(rc, 0), _at(rc, 1),
        *_procs(lines, "proc4ops", _V4_SERVER),
    )  # fmt: skip


def read_nfs_client(read_optional: Callable[[str], str | None]) -> NfsClient:
    """``read_optional`` is ProcFS.read_optional or the recorder's KernelFiles.read_optional."""
    return parse_nfs_client(read_optional("net/rpc/nfs"))


def read_nfs_server(read_optional: Callable[[str], str | None]) -> NfsServer:
    return parse_nfs_server(read_optional("net/rpc/nfsd"))
