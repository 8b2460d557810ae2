"""Reading memcached's raw ``stats`` values: numbers, ratios, and per-second rates with restart detection.

The one place that interprets the counters, shared by ``hostward cache``, the recorded cache activity and the
Prometheus export, so a hit ratio or a rate across a restart means the same thing everywhere. Pure functions
over the ``STAT name value`` text that :mod:`hostward.cache.stats` returns; nothing here does I/O.

memcached keeps two kinds of figures (protocol.txt, "General-purpose statistics"): counters that only grow
while the process lives (``cmd_get``, ``evictions``, ``bytes_read`` ...; 64-bit, so they never wrap in practice)
and gauges that go both ways (``curr_items``, ``bytes``, ``curr_connections`` ...). A counter that goes down
means the server restarted (``pid`` changes and ``uptime`` goes back) or someone sent ``stats reset`` (counters
zeroed, same process): either way the difference is not a rate, and it is reported as a reset, never as a
negative rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from hostward.digits import is_digits
from hostward.frozen import frozen

# Cumulative counters of `stats` in memcached 1.6 (zeroed by a restart or `stats reset`).
COUNTERS: frozenset[str] = frozenset(
    {
        "cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "cmd_meta",
        "get_hits", "get_misses", "get_expired", "get_flushed",
        "delete_hits", "delete_misses", "incr_hits", "incr_misses", "decr_hits", "decr_misses",
        "cas_hits", "cas_misses", "cas_badval", "touch_hits", "touch_misses",
        "store_too_large", "store_no_memory", "auth_cmds", "auth_errors",
        "bytes_read", "bytes_written", "total_items", "total_connections", "rejected_connections",
        "listen_disabled_num", "time_in_listen_disabled_us", "conn_yields",
        "evictions", "reclaimed", "expired_unfetched", "evicted_unfetched", "evicted_active",
        "crawler_reclaimed", "crawler_items_checked", "slabs_moved", "malloc_fails",
        "rusage_user", "rusage_system",
    }
)  # fmt: skip

# Gauges: the state now, shown as they are rather than as rates.
GAUGES: frozenset[str] = frozenset(
    {
        "uptime", "curr_items", "bytes", "limit_maxbytes", "curr_connections", "max_connections",
        "connection_structures", "threads", "accepting_conns", "hash_bytes", "slab_global_page_pool",
    }
)  # fmt: skip

# Counters `hostward cache stats --interval` and the recorded activity turn into rates, in display order.
RATE_COUNTERS: tuple[str, ...] = (
    "cmd_get", "get_hits", "get_misses", "cmd_set", "total_items", "evictions", "reclaimed",
    "expired_unfetched", "evicted_unfetched", "total_connections", "rejected_connections",
    "listen_disabled_num", "bytes_read", "bytes_written",
)  # fmt: skip


def number(fields: Mapping[str, str], name: str) -> int | float | None:
    """The value of ``name`` as a non-negative finite number (int when it is written as one); None when absent
    or not a plain number, so a reply from a newer or odder server degrades to "unknown" instead of failing."""
    text = fields.get(name)
    if text is None or not 0 < len(text) <= 40 or not text.isascii():
        return None
    if is_digits(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0 or text.strip() != text or "_" in text:
        return None
    return value


def integer(fields: Mapping[str, str], name: str) -> int | None:
    value = number(fields, name)
    return value if isinstance(value, int) else None


def ratio(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when either is unknown or whole is 0 (no gets yet: no hit ratio, not 0 %)."""
    if part is None or whole is None or whole <= 0:
        return None
    return part / whole


def hit_ratio(fields: Mapping[str, str]) -> float | None:
    """get_hits / cmd_get: the share of lookups answered from the cache (protocol.txt's definition of a hit)."""
    return ratio(integer(fields, "get_hits"), integer(fields, "cmd_get"))


def fill_ratio(fields: Mapping[str, str]) -> float | None:
    """bytes / limit_maxbytes: the memory items use (keys, values and item headers) against ``-m``.

    It stays below 1 on a full server: slab chunks are larger than the items in them. A server that evicts at
    90 % fill is full."""
    return ratio(integer(fields, "bytes"), integer(fields, "limit_maxbytes"))


def restarted(before: Mapping[str, str], after: Mapping[str, str]) -> bool:
    """True when ``after`` comes from a different process than ``before``: another pid, or uptime went back."""
    pid_before, pid_after = integer(before, "pid"), integer(after, "pid")
    if pid_before is not None and pid_after is not None and pid_before != pid_after:
        return True
    up_before, up_after = number(before, "uptime"), number(after, "uptime")
    return up_before is not None and up_after is not None and up_after < up_before


@frozen
class Rate:
    per_second: float | None  # None: unknown, or not computable across a reset
    reset: bool = False  # the counter went down: restart or `stats reset`


def counter_rate(before: float | None, after: float | None, seconds: float) -> Rate:
    """(after - before) / seconds; a counter that went down is a reset (never a negative rate)."""
    if before is None or after is None or not (seconds > 0 and math.isfinite(seconds)):
        return Rate(None)
    if not (math.isfinite(before) and math.isfinite(after)):
        return Rate(None)
    if after < before:
        return Rate(None, reset=True)
    per_second = (after - before) / seconds
    return Rate(per_second if math.isfinite(per_second) else None)


@frozen
class Interval:
    """Rates between two replies of one server (or since the server started, for the first reply)."""

    seconds: float  # length of the interval; 0 when unknown
    since_start: bool  # rates are averages since the server (re)started, as sar's first line
    restart: bool  # the server restarted between the two replies: rates are since the new start
    rates: dict[str, Rate]  # RATE_COUNTERS (and any other asked-for counters) -> Rate
    hit_ratio: float | None  # hits / gets within the interval

    @property
    def resets(self) -> tuple[str, ...]:
        """Counters that went down without a restart (``stats reset``); their rate is unknown."""
        return tuple(name for name, rate in self.rates.items() if rate.reset)


def interval(
    before: Mapping[str, str] | None,
    after: Mapping[str, str],
    seconds: float | None = None,
    names: tuple[str, ...] = RATE_COUNTERS,
) -> Interval:
    """Per-second rates of ``names`` from ``before`` to ``after``.

    With no ``before`` (the first sample) or when the server restarted in between, the rates are averages since
    the start of the process that answered ``after`` (its counters over its uptime), as sar's first line is an
    average since boot. ``seconds`` is the time between the replies (the caller's clock); when None, the
    difference of the servers' ``uptime`` (whole seconds) is used."""
    restart = before is not None and restarted(before, after)
    if before is None or restart:
        uptime = number(after, "uptime")
        span = float(uptime) if uptime is not None else 0.0
        rates = {name: counter_rate(0, number(after, name), span) for name in names}
        gets = ratio(integer(after, "get_hits"), integer(after, "cmd_get"))
        return Interval(span, True, restart, rates, gets)
    if seconds is None:
        up_before, up_after = number(before, "uptime"), number(after, "uptime")
        seconds = float(up_after - up_before) if up_before is not None and up_after is not None else 0.0
    rates = {name: counter_rate(number(before, name), number(after, name), seconds) for name in names}
    hits = _delta(before, after, "get_hits")
    gets = _delta(before, after, "cmd_get")
    return Interval(seconds, False, False, rates, ratio(hits, gets))


def _delta(before: Mapping[str, str], after: Mapping[str, str], name: str) -> float | None:
    old, new = number(before, name), number(after, name)
    if old is None or new is None or new < old:
        return None
    return new - old


def average(intervals: list[Interval]) -> Interval | None:
    """sar's ``Average:`` line: each counter's rate over the summed length of the intervals that know it
    (averages since start and intervals a reset cut are left out, as their length is not the sampling one)."""
    steps = [i for i in intervals if not i.since_start and i.seconds > 0]
    if not steps:
        return None
    names = list(dict.fromkeys(name for step in steps for name in step.rates))
    rates = {}
    for name in names:
        known = [(s.rates[name].per_second, s.seconds) for s in steps if name in s.rates]
        pairs = [(rate, seconds) for rate, seconds in known if rate is not None]
        total = sum(seconds for _, seconds in pairs)
        rates[name] = Rate(sum(r * s for r, s in pairs) / total if total > 0 else None)
    hits, gets = rates.get("get_hits"), rates.get("cmd_get")
    hit = ratio(hits.per_second if hits else None, gets.per_second if gets else None)
    return Interval(sum(s.seconds for s in steps), False, False, rates, hit)
