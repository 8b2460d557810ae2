"""memcached's counters grouped and explained: what each figure is, the raw stats it comes from, why it matters.

Every figure keeps the names and raw values it was computed from (``raw``), so what ``hostward cache`` prints
can be checked line by line against ``echo stats | nc HOST PORT``.
"""

from __future__ import annotations

from collections.abc import Mapping

from hostward.cache.counters import number, ratio
from hostward.frozen import frozen


@frozen
class Figure:
    key: str  # JSON name
    label: str
    value: int | float | str | None  # None: the server did not report it
    raw: tuple[tuple[str, str], ...]  # (stats name, raw value) it comes from, as the server sent them
    meaning: str


@frozen
class Group:
    title: str
    figures: tuple[Figure, ...]


# (key, label, stats name, meaning) of the figures that are one raw value each, by group.
_PLAIN: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "Server": (
        ("version", "version", "version", "memcached release"),
        ("uptime_seconds", "uptime", "uptime", "seconds since start; all counters below count from then"),
        ("pid", "pid", "pid", "process id: a new one means a restart"),
        ("threads", "threads", "threads", "worker threads (-t)"),
    ),
    "Requests": (
        ("gets", "gets", "cmd_get", "keys looked up (a multi-key get counts each key)"),
        ("hits", "hits", "get_hits", "lookups answered from memory"),
        ("misses", "misses", "get_misses", "lookups that found nothing: the application went to its backend"),
        ("expired_on_get", "expired on get", "get_expired", "misses on an item whose TTL had passed"),
        ("sets", "sets", "cmd_set", "store commands (set/add/replace/append/prepend/cas)"),
        ("too_large", "refused: too large", "store_too_large", "sets larger than item_size_max (-I)"),
        ("no_memory", "refused: no memory", "store_no_memory", "sets that found no chunk to evict"),
    ),
    "Memory": (
        ("items", "items now", "curr_items", "items stored at this moment"),
        ("items_stored", "items stored", "total_items", "items stored since start"),
        ("evictions", "evictions", "evictions", "unexpired items pushed out to make room: memory is short"),
        ("evicted_unfetched", "evicted unread", "evicted_unfetched", "evicted before anyone read them"),
        ("reclaimed", "reclaimed", "reclaimed", "expired items whose memory a new item reused"),
        ("expired_unfetched", "expired unread", "expired_unfetched", "expired without one read"),
    ),
    "Connections": (
        ("connections_total", "opened", "total_connections", "connections accepted since start"),
        ("rejected", "rejected", "rejected_connections", "connections closed at once: over max_connections"),
        (
            "listen_disabled",
            "listen disabled",
            "listen_disabled_num",
            "times it stopped accepting at the limit",
        ),
    ),
    "Traffic": (
        ("bytes_read", "bytes in", "bytes_read", "bytes received from clients"),
        ("bytes_written", "bytes out", "bytes_written", "bytes sent to clients"),
    ),
}


def _raw(fields: Mapping[str, str], *names: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, fields[name]) for name in names if name in fields)


def _plain(fields: Mapping[str, str], key: str, label: str, name: str, meaning: str) -> Figure:
    value: int | float | str | None = number(fields, name)
    if value is None and name == "version":
        value = fields.get(name)
    return Figure(key, label, value, _raw(fields, name), meaning)


def explain_stats(fields: Mapping[str, str]) -> tuple[Group, ...]:
    """The ``stats`` reply as groups of figures, derived ones (ratios) next to the counters they divide."""
    groups = []
    for title, rows in _PLAIN.items():
        figures = [_plain(fields, *row) for row in rows]
        if title == "Requests":
            hits, gets = number(fields, "get_hits"), number(fields, "cmd_get")
            figures.insert(
                3,
                Figure(
                    "hit_ratio",
                    "hit ratio",
                    ratio(hits, gets),
                    _raw(fields, "get_hits", "cmd_get"),
                    "get_hits / cmd_get: the share of lookups the cache saved",
                ),
            )
        if title == "Memory":
            figures.insert(
                0,
                Figure(
                    "fill",
                    "fill",
                    ratio(number(fields, "bytes"), number(fields, "limit_maxbytes")),
                    _raw(fields, "bytes", "limit_maxbytes"),
                    "bytes / limit_maxbytes: item memory against -m (a full server shows ~90 %)",
                ),
            )
        if title == "Connections":
            figures.insert(
                0,
                Figure(
                    "connections",
                    "current",
                    number(fields, "curr_connections"),
                    _raw(fields, "curr_connections", "max_connections"),
                    "open connections (this one included) against max_connections (-c)",
                ),
            )
        groups.append(Group(title, tuple(figures)))
    return tuple(groups)


# Settings worth a sentence; the rest of `stats settings` is shown raw.
SETTINGS_MEANING: dict[str, str] = {
    "maxbytes": "memory for items (-m)",
    "maxconns": "connections accepted at once (-c); more are rejected",
    "tcpport": "TCP port (-p); 0 = none",
    "udpport": "UDP port (-U); anything but 0 can be abused for amplification",
    "inter": "listen address (-l); NULL = every interface",
    "domain_socket": "unix socket (-s)",
    "evictions": "on: evict the oldest items when full; off: refuse sets (outofmemory)",
    "item_size_max": "largest item (-I)",
    "growth_factor": "chunk size ratio between slab classes (-f)",
    "chunk_size": "smallest chunk's space for key and value (-n)",
    "num_threads": "worker threads (-t)",
    "slab_reassign": "pages may move between slab classes (fixes calcification)",
    "slab_automove": "0 off, 1 move pages from classes with free memory to evicting ones, 2 aggressive",
    "lru_crawler": "background thread that frees expired items",
    "lru_segmented": "hot/warm/cold LRU (1.5+)",
    "idle_timeout": "seconds before idle connections are closed; 0 = never",
    "auth_enabled_sasl": "SASL authentication (-S)",
    "auth_enabled_ascii": "ASCII protocol authentication (-Y)",
    "flush_enabled": "flush_all allowed (-F disables it)",
    "binding_protocol": "ascii, binary or auto-negotiate (-B)",
    "cas_enabled": "compare-and-swap ids kept (-C disables them)",
    "maxconns_fast": "reject over-limit connections at once rather than stop listening",
}


def explain_settings(fields: Mapping[str, str]) -> tuple[Figure, ...]:
    """Every setting, the ones in SETTINGS_MEANING first (in that order), raw values unchanged."""
    known = [
        Figure(name, name, fields[name], ((name, fields[name]),), meaning)
        for name, meaning in SETTINGS_MEANING.items()
        if name in fields
    ]
    rest = [Figure(n, n, v, ((n, v),), "") for n, v in fields.items() if n not in SETTINGS_MEANING]
    return (*known, *rest)
