"""One health check of one memcached: its four stats replies, the slab table, and the verdict on them.

The replies are fetched one after the other, each within ``timeout``; the first failure ends the check (a server
that does not answer ``stats`` will not answer ``stats slabs`` either), so a dead or foreign server costs one
timeout at most and is reported as an error, not a verdict.
"""

from __future__ import annotations

from hostward.cache.slabs import SlabTable, slab_table
from hostward.cache.stats import StatsReply, fetch_stats
from hostward.cache.verdict import Verdict, judge, refused
from hostward.errors import ProbeError
from hostward.frozen import frozen

TOO_MANY = "ERROR Too many open connections"


@frozen
class CacheHealth:
    server: str
    stats: StatsReply | None  # None when the server could not be read (then ``error`` says why)
    slabs: SlabTable | None
    slabs_raw: dict[str, str] | None  # `stats slabs` and `stats items` fields, as the server sent them
    settings: dict[str, str] | None
    verdict: Verdict | None  # None when there is nothing to judge (unreachable, not memcached)
    error: str | None  # one line: unreachable, timeout, not memcached, connection refused at the limit


def check(
    server: str,
    *,
    timeout: float,
    before: StatsReply | None = None,
    details: bool = True,
) -> CacheHealth:
    """Fetch ``stats`` (and, with ``details``, slabs, items and settings) and judge them. ``before`` is the
    previous ``stats`` reply of the same server, for a verdict over the interval between the two."""
    try:
        stats = fetch_stats(server, timeout=timeout)
        slabs = items = settings = None
        if details:
            slabs = fetch_stats(server, timeout=timeout, command="stats slabs").fields
            items = fetch_stats(server, timeout=timeout, command="stats items").fields
            settings = fetch_stats(server, timeout=timeout, command="stats settings").fields
    except ProbeError as exc:
        # memcached over its -c limit accepts, writes this and closes (maxconns_fast, the default since 1.5)
        limit = refused(server, "ERROR Too many open connections") if TOO_MANY in str(exc) else None
        return CacheHealth(server, None, None, None, None, limit, str(exc))
    table = slab_table(slabs, items) if slabs is not None and items is not None else None
    verdict = judge(
        stats.fields,
        before=None if before is None else before.fields,
        seconds=None if before is None else stats.fetched_at - before.fetched_at,
        slabs=table,
        settings=settings,
        server=server,
    )
    raw = None if slabs is None or items is None else slabs | items
    return CacheHealth(server, stats, table, raw, settings, verdict, None)


EXIT_CODES = {"ok": 0, "warning": 1, "error": 2, "critical": 3}


def exit_code(results: list[CacheHealth]) -> int:
    """0 healthy, 1 warning, 2 error (unreachable, not memcached), 3 critical: the highest over all servers."""
    codes = [EXIT_CODES["error"] if r.verdict is None else EXIT_CODES[r.verdict.level] for r in results]
    return max(codes, default=0)
