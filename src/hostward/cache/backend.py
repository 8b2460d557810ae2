"""The cache interface (get/set/delete with a TTL, bytes values), the in-process backend, and the choice
between it and memcached (cache/memcached_backend.py, which alone imports pymemcache: a dashboard without a
cache server does not load it).

Both backends count their own hits, misses, sets, values too large to keep, and errors (HitCounters), so the
cache's usefulness can be shown next to the host's activity.
"""

from __future__ import annotations

import collections
import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from hostward.config import CacheConfig
from hostward.errors import ConfigError

MAX_KEY_BYTES = 250  # memcached's KEY_MAX_LENGTH


@dataclass(frozen=True, slots=True)
class CacheClientStats:
    backend: str
    hits: int
    misses: int
    sets: int
    too_large: int
    errors: int


class CacheBackend(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, ttl_seconds: float) -> bool: ...

    def delete(self, key: str) -> None: ...

    def stats(self) -> CacheClientStats: ...


def cache_key(key: str) -> str:
    """A key memcached accepts: printable ASCII without spaces, at most 250 bytes; anything else is hashed."""
    if len(key) <= MAX_KEY_BYTES and key.isascii() and key.isprintable() and " " not in key:
        return key
    return "hw:sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class HitCounters:
    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.hits = self.misses = self.sets = self.too_large = self.errors = 0

    def snapshot(self) -> CacheClientStats:
        return CacheClientStats(self.backend, self.hits, self.misses, self.sets, self.too_large, self.errors)


class MemoryCache:
    """In-process LRU bounded in bytes; expired entries are dropped when met. Thread-safe."""

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        self.max_bytes = max_bytes
        self._entries: collections.OrderedDict[str, tuple[float, bytes]] = collections.OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._count = HitCounters("memory")

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] < time.monotonic():
                self._drop(key)
                found = None
            if found is None:
                self._count.misses += 1
                return None
            self._entries.move_to_end(key)
            self._count.hits += 1
            return found[1]

    def set(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        with self._lock:
            if len(value) > self.max_bytes:
                self._count.too_large += 1
                return False
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + ttl_seconds, bytes(value))
            self._size += len(value)
            while self._size > self.max_bytes:
                self._drop(next(iter(self._entries)))
            self._count.sets += 1
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            if key in self._entries:
                self._drop(key)

    def stats(self) -> CacheClientStats:
        with self._lock:
            return self._count.snapshot()

    def _drop(self, key: str) -> None:
        _, value = self._entries.pop(key)
        self._size -= len(value)


def open_cache(config: CacheConfig) -> CacheBackend:
    """The page cache ``[cache]`` asks for: memcached on the first listed server, else in process."""
    if config.page_cache == "memcached":
        if not config.servers:
            raise ConfigError('[cache] page_cache = "memcached" needs [cache] servers')
        from hostward.cache.memcached_backend import MemcachedCache  # noqa: PLC0415 - pymemcache when used

        return MemcachedCache(config.servers[0], timeout_seconds=config.timeout_seconds)
    if config.page_cache != "memory":
        raise ConfigError(
            f'[cache] page_cache must be "memory" or "memcached", not {config.page_cache[:40]!r}'
        )
    if not 1 << 20 <= config.memory_bytes <= 1 << 34:
        raise ConfigError("[cache] memory_bytes must be between 1 MiB and 16 GiB")
    return MemoryCache(config.memory_bytes)
