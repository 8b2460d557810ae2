"""Is this memcached doing its job? Rules over its raw stats, each with the evidence and the next steps.

The rules read counters either since the server started (one poll) or across an interval (two polls, the
``before`` reply), so a week-old burst of evictions does not keep a server in trouble once ``--interval`` shows
it has stopped. Thresholds are constants here and explained in docs/cache.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from hostward.cache.counters import COUNTERS, integer, number, ratio, restarted
from hostward.cache.slabs import SlabTable
from hostward.frozen import frozen

LEVELS = ("ok", "warning", "critical")

MIN_GETS = 1000  # fewer gets than this say nothing about a hit ratio
HOT_MISS_RATIO = (
    0.80  # hit ratio below this with memory to spare: the application does not keep what it reads
)
FULL_FILL = 0.90  # bytes / limit_maxbytes from which the server counts as full (chunks waste the rest)
EVICTED_SHARE_CRITICAL = 0.10  # evictions per item stored: one set in ten pushes out a live item
YOUNG_SECONDS = 300  # oldest item younger than this while evicting: the cache holds minutes, not hours
RECLAIM_SHARE = 0.50  # reclaimed per item stored: most items expire and are replaced (short TTLs)
EXPIRED_UNFETCHED_SHARE = 0.25  # items stored that expire unread: caching what nobody reads
MIN_ITEMS = 1000  # items stored before churn shares are judged
CONNECTIONS_NEAR = 0.90  # curr_connections / max_connections
FIXED_CVE_2016_8704 = (1, 4, 33)  # remote code execution in the binary protocol (CVE-2016-8704/8705/8706)


@frozen
class Finding:
    level: str  # "warning" or "critical"
    code: str  # too_small, churn, unread_items, hot_misses, slab_calcification, connections, ...
    summary: str  # what is wrong, with the figures that show it
    steps: tuple[str, ...]  # what to do next


@frozen
class Verdict:
    level: str  # "ok", "warning" or "critical": the worst finding
    summary: str
    findings: tuple[Finding, ...]
    window: str  # "since start" or "last N s": which counters the rules read


def judge(
    stats: Mapping[str, str],
    *,
    before: Mapping[str, str] | None = None,
    seconds: float | None = None,
    slabs: SlabTable | None = None,
    settings: Mapping[str, str] | None = None,
    server: str = "HOST:PORT",
) -> Verdict:
    """The verdict on one server's ``stats`` reply (and ``before`` it, ``seconds`` earlier, for counters over
    an interval)."""
    if before is not None and restarted(before, stats):
        before = None
    window = "since start"
    if before is not None and seconds is not None:
        window = f"last {seconds:.1f} s"
    elif before is not None:
        up_before, up_after = number(before, "uptime"), number(stats, "uptime")
        if up_before is not None and up_after is not None:
            window = f"last {up_after - up_before:g} s"

    def count(name: str) -> int | None:
        value = integer(stats, name)
        if before is None or name not in COUNTERS or value is None:
            return value
        old = integer(before, name)
        return None if old is None or value < old else value - old

    settings = settings or {}
    findings = [
        *_memory(stats, count, slabs),
        *_churn(count),
        *_hot_misses(stats, count),
        *_calcification(slabs, settings, server),
        *_connections(stats, count),
        *_version(stats, settings),
        *_exposure(settings),
    ]
    level = max((f.level for f in findings), key=LEVELS.index, default="ok")
    if findings:
        summary = "; ".join(f.summary.split(":")[0] for f in findings)
    else:
        gets, hits = count("cmd_get"), count("get_hits")
        hit = ratio(hits, gets)
        fill = ratio(integer(stats, "bytes"), integer(stats, "limit_maxbytes"))
        summary = (
            f"healthy ({window}): hit ratio {_pct(hit)}, fill {_pct(fill)}, no evictions, "
            "no refused connections"
        )
    return Verdict(level, summary, tuple(findings), window)


_Count = Callable[[str], int | None]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _memory(stats: Mapping[str, str], count: _Count, slabs: SlabTable | None) -> list[Finding]:
    evictions, stored = count("evictions"), count("total_items")
    if not evictions:
        return []
    fill = ratio(integer(stats, "bytes"), integer(stats, "limit_maxbytes"))
    malloced = slabs.total_malloced_bytes if slabs else None
    limit = integer(stats, "limit_maxbytes")
    all_pages_out = malloced is not None and limit is not None and malloced >= limit - (1 << 20)
    if not ((fill is not None and fill >= FULL_FILL) or all_pages_out):
        return []  # evicting with memory left: one class is short of pages (slab calcification)
    if slabs is not None and sum(c.free_pages for c in slabs.classes if not c.evicted) >= 1:
        return []  # pages sit free in classes that do not evict: calcification, not a lack of memory
    share = ratio(evictions, stored)
    ages = [c.oldest_age_seconds for c in slabs.classes if c.oldest_age_seconds is not None] if slabs else []
    oldest = max(ages, default=None)
    critical = (share is not None and share >= EVICTED_SHARE_CRITICAL) or (
        oldest is not None and oldest < YOUNG_SECONDS
    )
    evidence = f"{evictions} evictions for {stored} items stored ({_pct(share)})"
    if oldest is not None:
        evidence += f", oldest item {oldest} s old"
    unread = count("evicted_unfetched")
    if unread:
        evidence += f", {unread} evicted never read"
    recent = [c.evicted_time_seconds for c in slabs.classes if c.evicted] if slabs else []
    last_use = min((t for t in recent if t is not None), default=None)
    if last_use is not None:
        evidence += f", the last evicted item was used {last_use} s before"
    limit_mib = (limit or 0) >> 20
    return [
        Finding(
            "critical" if critical else "warning",
            "too_small",
            f"too small: full at {_pct(fill)} of {limit_mib} MiB and evicting live items: {evidence}",
            (
                f"give memcached more memory (-m, now {limit_mib} MiB) until evictions stop or the oldest "
                "item is older than the longest TTL the application uses",
                "or store less: shorter TTLs for rarely read keys, smaller values (compress pages)",
            ),
        )
    ]


def _churn(count: _Count) -> list[Finding]:
    stored = count("total_items")
    if stored is None or stored < MIN_ITEMS:
        return []
    found = []
    reclaimed, unread = count("reclaimed"), count("expired_unfetched")
    share = ratio(reclaimed, stored)
    if share is not None and share >= RECLAIM_SHARE:
        found.append(
            Finding(
                "warning",
                "churn",
                f"churn: {reclaimed} of {stored} items stored ({_pct(share)}) replaced expired items",
                (
                    "items expire soon after they are set: check the TTLs the application uses; a TTL shorter "
                    "than the time between two reads of a key makes every read a miss",
                ),
            )
        )
    share = ratio(unread, stored)
    if share is not None and share >= EXPIRED_UNFETCHED_SHARE:
        found.append(
            Finding(
                "warning",
                "unread_items",
                f"unread items: {unread} of {stored} items stored ({_pct(share)}) expired without one read",
                (
                    "the application caches what it does not read again (or reads it under another key): "
                    "find the key prefixes with `memcached-tool HOST:PORT dump` or `lru_crawler metadump all`",
                ),
            )
        )
    return found


def _hot_misses(stats: Mapping[str, str], count: _Count) -> list[Finding]:
    gets, hits, misses = count("cmd_get"), count("get_hits"), count("get_misses")
    hit = ratio(hits, gets)
    if gets is None or gets < MIN_GETS or hit is None or hit >= HOT_MISS_RATIO or count("evictions"):
        return []
    fill = ratio(integer(stats, "bytes"), integer(stats, "limit_maxbytes"))
    if fill is not None and fill >= FULL_FILL:
        return []
    return [
        Finding(
            "warning",
            "hot_misses",
            f"hot misses: hit ratio {_pct(hit)} ({hits} of {gets} gets, {misses} misses) with memory to spare "
            f"(fill {_pct(fill)}, no evictions)",
            (
                "memory is not the limit: the application reads keys it never sets, or sets them under "
                "another key; compare cmd_set with get_misses (a miss should be followed by a set)",
                "check that keys are stable (no timestamps or session ids in them) and TTLs are not 0-1 s",
            ),
        )
    ]


def _calcification(slabs: SlabTable | None, settings: Mapping[str, str], server: str) -> list[Finding]:
    if slabs is None:
        return []
    evicting = [c for c in slabs.classes if c.evicted]
    spare = sorted((c for c in slabs.classes if c.free_pages >= 1), key=lambda c: -c.free_pages)
    spare = [c for c in spare if c not in evicting]
    if not evicting or not spare:
        return []
    worst = max(evicting, key=lambda c: c.evicted or 0)
    donor = spare[0]
    reassign = settings.get("slab_reassign")
    automove = settings.get("slab_automove")
    state = f"slab_reassign {reassign or '?'}, slab_automove {automove or '?'}"
    if reassign == "no":
        steps: tuple[str, ...] = (
            "restart memcached with -o slab_reassign,slab_automove=1 so pages can move between classes",
        )
    else:
        steps = (
            f"move a page now: printf 'slabs reassign {donor.id} {worst.id}\\r\\n' | {nc_command(server)}",
        )
        if automove == "0":
            steps += (f"let memcached do it: printf 'slabs automove 1\\r\\n' | {nc_command(server)}",)
        else:
            steps += (
                "automove is on but slow (it looks at a window of slab_automove_window samples); if classes "
                "keep calcifying, items of very different sizes share one server: split them by size",
            )
    return [
        Finding(
            "warning",
            "slab_calcification",
            f"slab calcification: class {worst.id} ({worst.chunk_bytes} B chunks) evicted {worst.evicted} items "
            f"while class {donor.id} ({donor.chunk_bytes} B chunks) has {donor.free_pages:.1f} pages free "
            f"({state})",
            steps,
        )
    ]


def nc_command(server: str) -> str:
    """The netcat-openbsd command line that talks to ``server`` (HOST:PORT, [v6]:PORT or unix:/path)."""
    if server.startswith("unix:"):
        return f"nc -NU {server[5:]}"
    host, _, port = server.rpartition(":")
    return f"nc -N {host.strip('[]')} {port}"


def refused(server: str, limit_message: str) -> Verdict:
    """The verdict on a server that answered a new connection with "ERROR Too many open connections"."""
    finding = Finding(
        "critical",
        "connections",
        f"connection limit hit: the server refused this connection ({limit_message})",
        (
            "raise memcached's -c and the open-files limit with it",
            "check the clients: a pool per worker process, connections closed on errors",
        ),
    )
    return Verdict("critical", "connection limit hit", (finding,), "now")


def _connections(stats: Mapping[str, str], count: _Count) -> list[Finding]:
    found = []
    rejected, disabled = count("rejected_connections"), count("listen_disabled_num")
    current, limit = integer(stats, "curr_connections"), integer(stats, "max_connections")
    steps = (
        f"raise memcached's -c (now {limit}) and the open-files limit with it",
        "check the clients: a pool per worker process, connections closed on errors (a leak grows "
        "curr_connections without traffic)",
    )
    if rejected or disabled or integer(stats, "accepting_conns") == 0:
        found.append(
            Finding(
                "critical",
                "connections",
                f"connection limit hit: {rejected or 0} connections rejected, listening disabled "
                f"{disabled or 0} times (curr_connections {current} of max {limit})",
                steps,
            )
        )
    elif (near := ratio(current, limit)) is not None and near >= CONNECTIONS_NEAR:
        found.append(
            Finding(
                "warning",
                "connections",
                f"connections near the limit: {current} of {limit} ({_pct(near)})",
                steps,
            )
        )
    return found


def version_tuple(text: str | None) -> tuple[int, int, int] | None:
    match = re.fullmatch(r"(\d{1,4})\.(\d{1,4})\.(\d{1,4})(?:[-+.~][\x21-\x7e]{0,40})?", text or "")
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _version(stats: Mapping[str, str], settings: Mapping[str, str]) -> list[Finding]:
    version = version_tuple(stats.get("version"))
    if version is None:
        return []
    if version < FIXED_CVE_2016_8704:
        return [
            Finding(
                "critical",
                "version",
                f"version {stats['version']} has known remote code execution bugs (CVE-2016-8704/8705/8706, "
                "fixed in 1.4.33)",
                ("upgrade memcached (Debian 12 ships 1.6.18)",),
            )
        ]
    udp = settings.get("udpport", "0")
    if udp not in ("0", ""):
        return [
            Finding(
                "warning",
                "udp",
                f"listens on UDP port {udp}: spoofed requests make it a traffic amplifier (CVE-2018-1000115; "
                "UDP is off by default since 1.5.6)",
                ("start it with -U 0 unless a client really uses UDP",),
            )
        ]
    return []


def _exposure(settings: Mapping[str, str]) -> list[Finding]:
    """memcached has no authentication by default: listening beyond loopback lets anyone read and flush it."""
    if (
        not settings
        or settings.get("auth_enabled_sasl") == "yes"
        or settings.get("auth_enabled_ascii") == "yes"
    ):
        return []
    listen = settings.get("inter", "")
    on_tcp = settings.get("tcpport", "0") != "0" and settings.get("domain_socket", "NULL") == "NULL"
    if on_tcp and listen in ("NULL", "(null)", ""):  # with -s, memcached listens on the socket only
        return [
            Finding(
                "warning",
                "exposed",
                "listens on every interface without authentication (-l not set)",
                ("start it with -l 127.0.0.1 (Debian's /etc/memcached.conf does), or firewall the port",),
            )
        ]
    return []
