"""Cache health and hostward's own use of a cache.

``stats``: memcached's stats replies fetched raw (what ``echo stats | nc`` shows), with one deadline and a size
bound. ``backend`` (and ``memcached_backend``): the small cache interface the dashboard's page cache uses — an
in-process LRU by default, memcached when ``[cache]`` says so — which never raises into its caller: a lost server
is a miss.
"""

# Names resolve on first use (PEP 562): a stats poll does not import pymemcache.
from __future__ import annotations

from hostward.lazy import lazy_getattr

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from hostward.cache.backend import CacheBackend, CacheClientStats, MemoryCache, cache_key, open_cache
    from hostward.cache.memcached_backend import MemcachedCache
    from hostward.cache.stats import StatsReply, fetch_stats, parse_server

_LAZY = {
    **dict.fromkeys(
        ("CacheBackend", "CacheClientStats", "MemoryCache", "cache_key", "open_cache"),
        "hostward.cache.backend",
    ),
    "MemcachedCache": "hostward.cache.memcached_backend",
    **dict.fromkeys(("StatsReply", "fetch_stats", "parse_server"), "hostward.cache.stats"),
}
__getattr__ = lazy_getattr(__name__, _LAZY, globals())

__all__ = [
    "CacheBackend",
    "CacheClientStats",
    "MemcachedCache",
    "MemoryCache",
    "StatsReply",
    "cache_key",
    "fetch_stats",
    "open_cache",
    "parse_server",
]
