"""The memcached backend of the cache interface (cache/backend.py): pymemcache, one connection, finite timeouts.

Every failure is a miss or a refused set within the timeout; after one the server is left alone for
``retry_seconds``, so a dead server costs the caller one timeout per retry period rather than one per request.
"""

from __future__ import annotations

import threading
import time

from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheError

from hostward.cache.backend import MAX_KEY_BYTES, CacheClientStats, HitCounters, cache_key
from hostward.cache.stats import parse_server

DEFAULT_ITEM_BYTES = 1 << 20  # memcached's default -I (item_size_max) when the server does not say


class MemcachedCache:
    """memcached through pymemcache, one connection guarded by a lock, finite timeouts everywhere."""

    def __init__(self, server: str, *, timeout_seconds: float = 0.25, retry_seconds: float = 5.0) -> None:
        self.server = server
        self.retry_seconds = retry_seconds
        self._client = Client(
            parse_server(server),
            connect_timeout=timeout_seconds,
            timeout=timeout_seconds,
            no_delay=True,
            key_prefix=b"",
        )
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._item_bytes: int | None = None
        self._count = HitCounters("memcached")

    def _failed(self) -> None:
        self._count.errors += 1
        self._down_until = time.monotonic() + self.retry_seconds
        self._client.close()

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _item_limit(self) -> int:
        if self._item_bytes is None:
            settings = self._client.stats("settings")
            raw = settings.get(b"item_size_max", DEFAULT_ITEM_BYTES)
            self._item_bytes = int(raw) if isinstance(raw, int | bytes | str) else DEFAULT_ITEM_BYTES
        return self._item_bytes

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = None
            if self._available():
                try:
                    value = self._client.get(cache_key(key))
                except (TimeoutError, MemcacheError, OSError):
                    self._failed()
            if value is None:
                self._count.misses += 1
                return None
            self._count.hits += 1
            return bytes(value)

    def set(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        with self._lock:
            if not self._available():
                return False
            try:
                # The item also holds its key and ~50 bytes of header: stay clear of the server's limit.
                if len(value) + MAX_KEY_BYTES + 64 > self._item_limit():
                    self._count.too_large += 1
                    return False
                stored = self._client.set(
                    cache_key(key), value, expire=max(1, round(ttl_seconds)), noreply=False
                )
            except (TimeoutError, MemcacheError, OSError):
                self._failed()
                return False
            if stored:
                self._count.sets += 1
            return bool(stored)

    def delete(self, key: str) -> None:
        with self._lock:
            if not self._available():
                return
            try:
                self._client.delete(cache_key(key), noreply=False)
            except (TimeoutError, MemcacheError, OSError):
                self._failed()

    def stats(self) -> CacheClientStats:
        with self._lock:
            return self._count.snapshot()

    def close(self) -> None:
        with self._lock:
            self._client.close()
