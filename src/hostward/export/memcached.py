"""memcached_* families under memcached_exporter's names, one set per configured ``[cache] servers`` entry.

Names, types, help texts and the stats each is read from follow prometheus/memcached_exporter
(pkg/exporter/exporter.go, its default collectors: ``stats`` and ``stats settings``; the per-slab families
behind its ``--enable.slab`` and the per-class ``stats items`` families are not published). Each series carries a
``server`` label holding the configured address: hostward watches several servers from one endpoint, where
memcached_exporter's multi-target mode has Prometheus put the address in ``instance``; the label is there with
a single server too, so adding a second one does not rename the first one's series.

The servers are read by a background poll (``export.poll``), never while a scrape waits: a server that is down
or answers nonsense is ``memcached_up{server} 0`` with no other series for it (as memcached_exporter does),
and every other family of the scrape is unaffected. Values are converted in the poll thread; a field that is
not a number fails the whole reading, as it makes memcached_exporter report ``up 0``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from prometheus_client.core import Metric

from hostward.cache.stats import fetch_stats
from hostward.digits import is_digits
from hostward.errors import ProbeError
from hostward.export.poll import Poller

# (metric name, type, help, stats field, how the field reads) — memcached_exporter's parseStats order
_NUMBER, _TIMEVAL, _YESNO = "number", "timeval", "yesno"
STATS_METRICS: tuple[tuple[str, str, str, str, str], ...] = (
    ("memcached_uptime_seconds", "counter", "Number of seconds since the server started.", "uptime", _NUMBER),
    ("memcached_time_seconds", "gauge", "current UNIX time according to the server.", "time", _NUMBER),
    ("memcached_process_user_cpu_seconds_total", "counter", "Accumulated user time for this process.",
     "rusage_user", _TIMEVAL),
    ("memcached_process_system_cpu_seconds_total", "counter", "Accumulated system time for this process.",
     "rusage_system", _TIMEVAL),
    ("memcached_current_bytes", "gauge", "Current number of bytes used to store items.", "bytes", _NUMBER),
    ("memcached_limit_bytes", "gauge", "Number of bytes this server is allowed to use for storage.",
     "limit_maxbytes", _NUMBER),
    ("memcached_current_items", "gauge", "Current number of items stored by this instance.", "curr_items",
     _NUMBER),
    ("memcached_items_total", "counter", "Total number of items stored during the life of this instance.",
     "total_items", _NUMBER),
    ("memcached_read_bytes_total", "counter", "Total number of bytes read by this server from network.",
     "bytes_read", _NUMBER),
    ("memcached_written_bytes_total", "counter", "Total number of bytes sent by this server to network.",
     "bytes_written", _NUMBER),
    ("memcached_current_connections", "gauge", "Current number of open connections.", "curr_connections",
     _NUMBER),
    ("memcached_connections_total", "counter",
     "Total number of connections opened since the server started running.", "total_connections", _NUMBER),
    ("memcached_connections_rejected_total", "counter",
     "Total number of connections rejected due to hitting the memcached's -c limit in maxconns_fast mode.",
     "rejected_connections", _NUMBER),
    ("memcached_connections_yielded_total", "counter",
     "Total number of connections yielded running due to hitting the memcached's -R limit.", "conn_yields",
     _NUMBER),
    ("memcached_connections_listener_disabled_total", "counter",
     "Number of times that memcached has hit its connections limit and disabled its listener.",
     "listen_disabled_num", _NUMBER),
    ("memcached_items_evicted_total", "counter",
     "Total number of valid items removed from cache to free memory for new items.", "evictions", _NUMBER),
    ("memcached_items_reclaimed_total", "counter",
     "Total number of times an entry was stored using memory from an expired entry.", "reclaimed", _NUMBER),
    ("memcached_item_too_large_total", "counter",
     "The number of times an item exceeded the max-item-size when being stored.", "store_too_large", _NUMBER),
    ("memcached_item_no_memory_total", "counter",
     "The number of times an item could not be stored due to no more memory.", "store_no_memory", _NUMBER),
    ("memcached_lru_crawler_starts_total", "counter", "Times an LRU crawler was started.",
     "lru_crawler_starts", _NUMBER),
    ("memcached_direct_reclaims_total", "counter", "Times worker threads had to directly reclaim or evict items.",
     "direct_reclaims", _NUMBER),
    ("memcached_lru_crawler_items_checked_total", "counter", "Total items examined by LRU Crawler.",
     "crawler_items_checked", _NUMBER),
    ("memcached_lru_crawler_reclaimed_total", "counter", "Total items freed by LRU Crawler.",
     "crawler_reclaimed", _NUMBER),
    ("memcached_lru_crawler_moves_to_cold_total", "counter",
     "Total number of items moved from HOT/WARM to COLD LRU's.", "moves_to_cold", _NUMBER),
    ("memcached_lru_crawler_moves_to_warm_total", "counter", "Total number of items moved from COLD to WARM LRU.",
     "moves_to_warm", _NUMBER),
    ("memcached_lru_crawler_moves_within_lru_total", "counter",
     "Total number of items reshuffled within HOT or WARM LRU's.", "moves_within_lru", _NUMBER),
    ("memcached_malloced_bytes", "gauge", "Number of bytes of memory allocated to slab pages.", "total_malloced",
     _NUMBER),
    ("memcached_accepting_connections", "gauge", "The Memcached server is currently accepting new connections.",
     "accepting_conns", _NUMBER),
)  # fmt: skip
# from `stats settings` (memcached_exporter's parseStatsSettings); the lru_crawler ones only when it is on
SETTINGS_METRICS: tuple[tuple[str, str, str, str, str], ...] = (
    ("memcached_max_connections", "gauge", "Maximum number of clients allowed.", "maxconns", _NUMBER),
)
LRU_CRAWLER_METRICS: tuple[tuple[str, str, str, str, str], ...] = (
    ("memcached_lru_crawler_enabled", "gauge", "Whether the LRU crawler is enabled.", "lru_crawler", _YESNO),
    ("memcached_lru_crawler_sleep", "gauge", "Microseconds to sleep between LRU crawls.", "lru_crawler_sleep",
     _NUMBER),
    ("memcached_lru_crawler_to_crawl", "gauge", "Max items to crawl per slab per run.", "lru_crawler_tocrawl",
     _NUMBER),
    ("memcached_lru_crawler_maintainer_thread", "gauge", "Split LRU mode and background threads.",
     "lru_maintainer_thread", _YESNO),
    ("memcached_lru_crawler_hot_percent", "gauge", "Percent of slab memory reserved for HOT LRU.", "hot_lru_pct",
     _NUMBER),
    ("memcached_lru_crawler_warm_percent", "gauge", "Percent of slab memory reserved for WARM LRU.",
     "warm_lru_pct", _NUMBER),
    ("memcached_lru_crawler_hot_max_factor", "gauge", "Set idle age of HOT LRU to COLD age * this",
     "hot_max_factor", _NUMBER),
    ("memcached_lru_crawler_warm_max_factor", "gauge", "Set idle age of WARM LRU to COLD age * this",
     "warm_max_factor", _NUMBER),
)  # fmt: skip
COMMAND_OPS = ("get", "delete", "incr", "decr", "cas", "touch")
_ALL_METRICS = STATS_METRICS + SETTINGS_METRICS + LRU_CRAWLER_METRICS
UP_HELP = "Could the memcached server be reached."
VERSION_HELP = "The version of this memcached server."
COMMANDS_HELP = "Total number of all requests broken down by command (get, set, etc.) and status."


@dataclass(frozen=True, slots=True)
class MemcachedReading:
    """One server's numbers, converted in the poll thread."""

    version: str
    values: dict[str, float]  # metric name -> value, for the fields the server reported
    commands: tuple[tuple[str, str, float], ...]  # (command, status, count)


def parse_number(field: str, text: str) -> float:
    """memcached prints integers (kept exact, however large) and a few decimals; ProbeError on anything else."""
    if is_digits(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        raise ProbeError(f"stats field {field!r} is {text[:40]!r}, not a number") from None
    if not math.isfinite(value):
        raise ProbeError(f"stats field {field!r} is {text[:40]!r}, not a finite number")
    return value


def _convert(field: str, text: str, how: str) -> float:
    if how == _YESNO:
        if text not in ("yes", "no"):
            raise ProbeError(f"stats field {field!r} is {text[:40]!r}, not yes or no")
        return 1 if text == "yes" else 0
    if how == _TIMEVAL:  # "seconds.microseconds", as memcached_exporter's parseTimeval reads it
        seconds, dot, micros = text.partition(".")
        if not (dot and is_digits(seconds) and is_digits(micros)):
            raise ProbeError(f"stats field {field!r} is {text[:40]!r}, not seconds.microseconds")
        return int(seconds) + int(micros) / 1e6
    return parse_number(field, text)


def reading_from_stats(stats: dict[str, str], settings: dict[str, str]) -> MemcachedReading:
    """The families' values from the raw ``stats`` and ``stats settings`` fields; a missing field is left out
    (older servers lack some), a malformed one is a ProbeError."""
    values: dict[str, float] = {}
    specs = [(stats, STATS_METRICS), (settings, SETTINGS_METRICS)]
    if settings.get("lru_crawler") == "yes":
        specs.append((settings, LRU_CRAWLER_METRICS))
    for source, metrics in specs:
        for name, _type, _help, field, how in metrics:
            if field in source:
                values[name] = _convert(field, source[field], how)
    commands: list[tuple[str, str, float]] = []
    for op in COMMAND_OPS:
        for suffix, status in (("_hits", "hit"), ("_misses", "miss")):
            if op + suffix in stats:
                commands.append((op, status, parse_number(op + suffix, stats[op + suffix])))
    for field, command, status in (("cas_badval", "cas", "badval"), ("cmd_flush", "flush", "hit")):
        if field in stats:
            commands.append((command, status, parse_number(field, stats[field])))
    cas_fields = ("cas_misses", "cas_hits", "cas_badval")
    if "cmd_set" in stats and all(f in stats for f in cas_fields):
        # memcached counts cas operations in cmd_set again; memcached_exporter subtracts them
        cas = sum(parse_number(f, stats[f]) for f in cas_fields)
        commands.append(("set", "hit", parse_number("cmd_set", stats["cmd_set"]) - cas))
    return MemcachedReading(stats.get("version", ""), values, tuple(commands))


def read_memcached(server: str, timeout: float) -> MemcachedReading:
    """``stats`` and ``stats settings`` of ``server``, each within ``timeout`` seconds; ProbeError/ProbeTimeout."""
    stats = fetch_stats(server, timeout=timeout).fields
    settings = fetch_stats(server, timeout=timeout, command="stats settings").fields
    try:
        return reading_from_stats(stats, settings)
    except ProbeError as exc:
        raise ProbeError(f"memcached {server}: {exc}") from None


def memcached_pollers(
    servers: Sequence[str], timeout: float, interval: float
) -> tuple[Poller[MemcachedReading], ...]:
    return tuple(
        Poller(f"memcached:{server}", functools.partial(read_memcached, server, timeout), interval)
        for server in servers
    )


def _metric(name: str, help_text: str, typ: str) -> Metric:
    # A plain Metric keeps the name as given: memcached_uptime_seconds is a counter without _total, as
    # memcached_exporter publishes it (exposition.render writes a counter's TYPE under its samples' name).
    return Metric(name, help_text, typ)


def memcached_families(servers: Sequence[tuple[str, Poller[MemcachedReading]]]) -> Iterator[Metric]:
    """memcached_up for every server; the other families for the servers whose last poll succeeded."""
    if not servers:
        return
    up = _metric("memcached_up", UP_HELP, "gauge")
    readings: list[tuple[str, MemcachedReading]] = []
    for server, poller in servers:
        latest = poller.latest()
        ok = latest.error is None and latest.value is not None
        up.add_sample("memcached_up", {"server": server}, 1 if ok else 0)
        if ok and latest.value is not None:
            readings.append((server, latest.value))
    yield up
    if not readings:
        return
    version = _metric("memcached_version", VERSION_HELP, "gauge")
    commands = _metric("memcached_commands_total", COMMANDS_HELP, "counter")
    for server, reading in readings:
        version.add_sample("memcached_version", {"server": server, "version": reading.version}, 1)
        for command, status, count in reading.commands:
            commands.add_sample(
                "memcached_commands_total", {"server": server, "command": command, "status": status}, count
            )
    yield version
    yield commands
    for name, typ, help_text, _field, _how in _ALL_METRICS:
        family = _metric(name, help_text, typ)
        for server, reading in readings:
            value = reading.values.get(name)
            if value is not None:
                family.add_sample(name, {"server": server}, value)
        if family.samples:
            yield family
