"""hostward sar --cache: memcached activity per server, from the raw ``stats`` counters the recorder stores.

hostward-specific (sysstat has no such report). With ``[cache] servers`` configured, the recorder stores each
server's counters with every sample (recorder/cachewatch.py); rates are computed here, between two samples,
over the time between the two replies (the sample interval corrected by the replies' ages). Columns, in sar's
style (per second unless said otherwise):

* ``get/s``, ``hit/s``, ``miss/s``: lookups (cmd_get), of which found (get_hits) and not found (get_misses);
* ``set/s``: stores (cmd_set);
* ``%hit``: get_hits / cmd_get within the interval; empty when there was no lookup (no ratio, rather than 0);
* ``evict/s``: items evicted to make room while still valid (evictions: the cache is too small);
* ``recl/s``: expired items whose memory was reused for a new one (reclaimed);
* ``items``: items stored now (curr_items); ``%fill``: bytes / limit_maxbytes now (item memory against ``-m``;
  it stays below 100 on a full server, as slab chunks are larger than the items in them);
* ``rxkB/s``, ``txkB/s``: network bytes read and written by the server (bytes_read, bytes_written) / 1024;
* ``conn``: connections open now (curr_connections, hostward's own poll included);
* ``rejc/s``: connections refused at the ``-c`` limit (rejected_connections);
* ``reset``: 1 when the counters restarted within the interval (memcached restarted: another pid, or uptime
  went back; or ``stats reset``: a counter went down). Its rates are then empty: a difference across a reset is
  not a rate (and never a negative one); items, %fill and conn still show the state at the sample.

A server with no fresh reply at a sample (down, slower than ``[cache] timeout_seconds``, not memcached) was
recorded as absent: its row at that sample is empty, and so are the rates of the next interval (a rate needs
both ends); graphs show a gap. ``Average:`` holds, per server, the rates over the intervals that had them (the
sum of the differences over the sum of their lengths), the means of the gauges over the samples that had the
server, and the number of intervals with a reset.
"""

from __future__ import annotations

import math

from hostward.activities.base import Activity, Averager, Column, Interval, ItemSpec, Kind, Row, Tolerance
from hostward.collect.sample import MemcachedSample, SystemSample

_T = Tolerance("hostward-only report: no sar value to compare with")

# Counters turned into rates, in column order (hit/s is get_hits, ...); rx/tx are divided by 1024.
RATE_FIELDS = (
    "cmd_get", "get_hits", "get_misses", "cmd_set", "evictions", "reclaimed",
    "bytes_read", "bytes_written", "rejected_connections",
)  # fmt: skip
# Counters whose going down means a reset (every counter the report reads, and total_items).
_RESET_FIELDS = (*RATE_FIELDS, "total_items")
_NAN = math.nan


def reply_seconds(prev: MemcachedSample, curr: MemcachedSample, itv_cs: int) -> float:
    """Time between the two replies: the samples' interval corrected by how old each reply was."""
    return itv_cs / 100 + (prev.age_ms - curr.age_ms) / 1000


def was_reset(prev: MemcachedSample, curr: MemcachedSample) -> bool:
    """The counters restarted between two replies: another process (pid), uptime went back, or a counter went
    down (``stats reset`` keeps the pid and uptime)."""
    if prev.pid and curr.pid and prev.pid != curr.pid:
        return True
    if curr.uptime < prev.uptime:
        return True
    return any(getattr(curr, name) < getattr(prev, name) for name in _RESET_FIELDS)


def _fill(server: MemcachedSample) -> float:
    return server.bytes / server.limit_maxbytes * 100 if server.limit_maxbytes else _NAN


def _gauges(server: MemcachedSample) -> tuple[float, float, float]:
    return float(server.curr_items), _fill(server), float(server.curr_connections)


def _values(
    deltas: tuple[float, ...], seconds: float, gauges: tuple[float, float, float], reset: int
) -> tuple[float, ...]:
    gets, hits, misses, sets, evicted, reclaimed, rx, tx, rejected = (
        d / seconds if seconds > 0 else _NAN for d in deltas
    )
    hit_percent = deltas[1] / deltas[0] * 100 if deltas[0] > 0 else _NAN
    items, fill, conn = gauges
    return (
        gets, hits, misses, sets, hit_percent, evicted, reclaimed, items, fill,
        rx / 1024, tx / 1024, conn, rejected, float(reset),
    )  # fmt: skip


def _deltas(prev: MemcachedSample, curr: MemcachedSample) -> tuple[float, ...]:
    return tuple(float(getattr(curr, name) - getattr(prev, name)) for name in RATE_FIELDS)


def _row(prev: MemcachedSample | None, curr: MemcachedSample, itv_cs: int) -> Row:
    if not curr.present:
        return Row(curr.server, (_NAN,) * len(CACHE_COLUMNS))
    gauges = _gauges(curr)
    if prev is None or not prev.present:
        return Row(curr.server, _values((_NAN,) * len(RATE_FIELDS), 1.0, gauges, 0))
    if was_reset(prev, curr):
        return Row(curr.server, _values((_NAN,) * len(RATE_FIELDS), 1.0, gauges, 1))
    return Row(curr.server, _values(_deltas(prev, curr), reply_seconds(prev, curr, itv_cs), gauges, 0))


def cache_rows(span: Interval) -> list[Row]:
    """One row per server of the current sample, in configuration order."""
    before = {c.server: c for c in span.prev.caches}
    return [_row(before.get(c.server), c, span.itv_cs) for c in span.curr.caches]


class _Server:
    """One server's running totals over the displayed samples."""

    def __init__(self) -> None:
        self.sums = [0.0] * len(RATE_FIELDS)
        self.seconds, self.resets, self.rated = 0.0, 0, False
        self.shown = 0  # samples where it answered
        self.gauge_sums = [0.0, 0.0, 0.0]  # of the known (not NaN) gauges
        self.gauge_counts = [0, 0, 0]

    def add(self, a: SystemSample, b: SystemSample, curr: MemcachedSample) -> None:
        self.shown += 1
        for i, value in enumerate(_gauges(curr)):
            if not math.isnan(value):
                self.gauge_sums[i] += value
                self.gauge_counts[i] += 1
        prev = _find(a, curr.server)
        if prev is None or not prev.present:
            return
        if was_reset(prev, curr):
            self.resets += 1
            return
        itv_cs = round(b.uptime_seconds * 100) - round(a.uptime_seconds * 100)
        span = reply_seconds(prev, curr, itv_cs)
        if span <= 0:
            return
        self.rated = True
        self.seconds += span
        self.sums = [s + d for s, d in zip(self.sums, _deltas(prev, curr), strict=True)]

    def row(self, server: str) -> Row:
        if not self.shown:
            return Row(server, (_NAN,) * len(CACHE_COLUMNS))
        counts = self.gauge_counts
        means = tuple(total / n if n else _NAN for total, n in zip(self.gauge_sums, counts, strict=True))
        deltas = tuple(self.sums) if self.rated else (_NAN,) * len(RATE_FIELDS)
        seconds = self.seconds if self.rated else 1.0
        return Row(server, _values(deltas, seconds, (means[0], means[1], means[2]), self.resets))


class _CacheAverage(Averager):
    """Each server seen in the displayed samples, in the order first seen: rates over the intervals it answered
    in both samples, means of its gauges where it answered."""

    def __init__(self) -> None:
        self.servers: dict[str, _Server] = {}

    def add(self, prev: SystemSample, curr: SystemSample) -> None:
        for name in dict.fromkeys(c.server for c in curr.caches):
            server = self.servers.get(name)
            if server is None:
                server = self.servers[name] = _Server()
            cache = _find(curr, name)
            if cache is not None and cache.present:
                server.add(prev, curr, cache)

    def rows(self, span: Interval) -> list[Row]:
        return [totals.row(server) for server, totals in self.servers.items()]


def cache_average() -> _CacheAverage:
    return _CacheAverage()


def _find(sample: SystemSample, server: str) -> MemcachedSample | None:
    for cache in sample.caches:
        if cache.server == server:
            return cache
    return None


def _c(header: str, key: str, unit: str, decimals: int = 2) -> Column:
    return Column(header, key, unit, decimals=decimals, parity=_T)


CACHE_COLUMNS: tuple[Column, ...] = (
    _c("get/s", "gets", "per_second"),
    _c("hit/s", "hits", "per_second"),
    _c("miss/s", "misses", "per_second"),
    _c("set/s", "sets", "per_second"),
    _c("%hit", "hit-percent", "percent"),
    _c("evict/s", "evictions", "per_second"),
    _c("recl/s", "reclaimed", "per_second"),
    _c("items", "items", "count", 0),
    _c("%fill", "fill-percent", "percent"),
    _c("rxkB/s", "rxkB", "kB_per_second"),
    _c("txkB/s", "txkB", "kB_per_second"),
    _c("conn", "connections", "count", 0),
    _c("rejc/s", "rejected", "per_second"),
    _c("reset", "reset", "count", 0),
)

CACHE = Activity(
    name="cache",
    flag="--cache",
    order=1010,  # after every sysstat report and --time
    title="memcached servers: lookups, hit ratio, evictions, items, fill, traffic, connections (hostward)",
    kind=Kind.COUNTER,
    columns=CACHE_COLUMNS,
    rows=cache_rows,
    average=cache_average,
    json_section="memcached",
    json_list=True,
    item=ItemSpec("SERVER", width=21, json_key="server"),
)
