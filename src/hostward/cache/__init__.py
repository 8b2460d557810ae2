"""Cache health and hostward's own use of a cache.

``backend``: the small cache interface the dashboard's page cache uses — an in-process LRU by default, memcached
when ``[cache]`` says so — which never raises into its caller: a lost server is a miss.
"""

from __future__ import annotations

from hostward.cache.backend import (
    CacheBackend,
    CacheClientStats,
    MemcachedCache,
    MemoryCache,
    cache_key,
    open_cache,
    parse_server,
)

__all__ = [
    "CacheBackend",
    "CacheClientStats",
    "MemcachedCache",
    "MemoryCache",
    "cache_key",
    "open_cache",
    "parse_server",
]
