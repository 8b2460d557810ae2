"""The cache interface against a real memcached 1.6 and in process: values, TTLs, keys memcached would refuse,
values too large, and a server that goes away and comes back (misses within the timeout, never an exception)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.cache.memcached_server import Memcached, unix_memcached

from hostward.cache import MemcachedCache, MemoryCache, cache_key, open_cache, parse_server
from hostward.config import CacheConfig
from hostward.errors import ConfigError

pytestmark = pytest.mark.peer


@pytest.fixture
def memcached() -> Iterator[Memcached]:
    server = Memcached()
    yield server
    server.stop()


@pytest.fixture
def closing() -> Iterator[list[MemcachedCache]]:
    """Clients made by a test, closed after it (an open socket left behind is an error here)."""
    made: list[MemcachedCache] = []
    yield made
    for cache in made:
        cache.close()


def test_values_ttl_and_delete(memcached: Memcached, closing: list[MemcachedCache]) -> None:
    cache = MemcachedCache(memcached.address)
    closing.append(cache)
    assert cache.get("k") is None
    assert cache.set("k", b"\x00value\xff", 60)
    assert cache.get("k") == b"\x00value\xff"
    cache.delete("k")
    assert cache.get("k") is None
    assert cache.set("short", b"x", 1)
    time.sleep(2.1)  # memcached's clock has whole seconds
    assert cache.get("short") is None
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.sets, stats.errors) == (1, 3, 2, 0)


def test_keys_memcached_would_refuse_are_hashed(memcached: Memcached, closing: list[MemcachedCache]) -> None:
    cache = MemcachedCache(memcached.address)
    closing.append(cache)
    for key in ("with space", "x" * 300, "newline\nkey", "ünïcode"):
        assert cache.set(key, key.encode(), 60), key
        assert cache.get(key) == key.encode()
    assert cache.get("with_space") is None  # hashing does not collide with a plain key


@given(st.text(max_size=400))
def test_cache_keys_are_always_valid(key: str) -> None:
    made = cache_key(key)
    assert 0 < len(made.encode()) <= 250 or made == ""
    assert made.isascii() and " " not in made and all(c.isprintable() for c in made)


def test_values_over_the_item_size_are_not_cached(closing: list[MemcachedCache]) -> None:
    server = Memcached(extra=("-I", "1m"))
    try:
        cache = MemcachedCache(server.address)
        closing.append(cache)
        assert cache.set("big", b"x" * (1 << 20), 60) is False
        assert cache.get("big") is None
        assert cache.stats().too_large == 1 and cache.stats().errors == 0
        assert cache.set("fits", b"x" * 500_000, 60)
    finally:
        server.stop()


def test_a_lost_server_is_a_miss_and_it_reconnects(closing: list[MemcachedCache]) -> None:
    server = Memcached()
    port = server.port
    cache = MemcachedCache(server.address, timeout_seconds=0.2, retry_seconds=0.5)
    closing.append(cache)
    assert cache.set("k", b"v", 60) and cache.get("k") == b"v"
    server.stop()
    assert cache.get("k") is None  # no exception
    assert cache.set("k", b"v", 60) is False
    assert cache.stats().errors >= 1
    again = Memcached(port=port)
    try:
        time.sleep(0.6)
        assert cache.set("k", b"back", 60)
        assert cache.get("k") == b"back"
    finally:
        again.stop()


def test_unix_socket(closing: list[MemcachedCache]) -> None:
    with unix_memcached() as server:
        cache = open_cache(CacheConfig(servers=(server.address,), page_cache="memcached"))
        assert isinstance(cache, MemcachedCache)
        closing.append(cache)
        assert cache.set("k", b"v", 60) and cache.get("k") == b"v"


def test_memory_cache_is_lru_and_bounded() -> None:
    cache = MemoryCache(max_bytes=10)
    cache.set("a", b"12345", 60)
    cache.set("b", b"6789", 60)
    cache.get("a")
    cache.set("c", b"xyz", 60)  # over 10 bytes: b, the least recently used, goes
    assert cache.get("b") is None and cache.get("a") == b"12345"
    assert cache.set("big", b"x" * 11, 60) is False and cache.stats().too_large == 1


def test_configuration_is_checked() -> None:
    assert isinstance(open_cache(CacheConfig()), MemoryCache)
    for bad in (
        CacheConfig(page_cache="memcached"),
        CacheConfig(page_cache="redis"),
        CacheConfig(memory_bytes=10),
    ):
        with pytest.raises(ConfigError):
            open_cache(bad)
    for text in ("nohost", "host:0", "host:70000", "unix:relative", ":11211"):
        with pytest.raises(ConfigError):
            parse_server(text)
    assert parse_server("[::1]:11211") == ("::1", 11211)
