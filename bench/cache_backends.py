"""The page cache's two backends side by side: get/set latency and throughput, and the cost of a lost server.

    .venv/bin/python bench/cache_backends.py [--ops 20000] [--timeout 0.25]

hostward.cache.MemoryCache (in process) and MemcachedCache (pymemcache to a memcached 1.6 on loopback) are
timed per operation with perf_counter (median and 99th percentile of wall time, single thread), next to a bare
pymemcache Client as the peer, so the backend's own overhead (key check, lock, counters) shows as a ratio.
Then the fallback: a MemcachedCache whose server is gone — a refused port, and a port that accepts and never
answers (the worst case: every call waits for the timeout) — must answer "miss" within the configured
timeout, and only one call per retry period may pay it.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import time
from collections.abc import Callable

from pymemcache.client.base import Client

from _memcached import Memcached, free_port
from hostward.cache import MemcachedCache, MemoryCache


def interleaved(ops: dict[str, Callable[[int], object]], n: int, turn: int = 100) -> dict[str, list[float]]:
    """Per-operation wall times of each client, the clients taking turns of ``turn`` operations, so load from
    elsewhere on the machine (2 shared cores) falls on all of them alike."""
    for fn in ops.values():
        for i in range(min(n, 200)):
            fn(i)  # warm-up: connections, the item size limit, first slab pages
    times: dict[str, list[float]] = {name: [] for name in ops}
    for first in range(0, n, turn):
        for name, fn in ops.items():
            for i in range(first, min(first + turn, n)):
                start = time.perf_counter()
                fn(i)
                times[name].append(time.perf_counter() - start)
    return times


def row(name: str, times: list[float]) -> tuple[str, float, float, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return name, statistics.median(times), p99, len(times) / sum(times)


def measure(server: Memcached, size: int, n: int, timeout: float) -> list[tuple[str, float, float, float]]:
    value = b"v" * size
    memory = MemoryCache(256 << 20)
    remote = MemcachedCache(server.address, timeout_seconds=timeout)
    bare = Client(("127.0.0.1", server.port), timeout=timeout, no_delay=True)
    # Each client stores its own keys: a set that allocates new slab pages costs more than an overwrite.
    keys = [f"page:/reports/{size}/{i}" for i in range(n)]
    bare_keys = [f"bare:/reports/{size}/{i}" for i in range(n)]
    sets = interleaved(
        {
            f"memory set {size} B": lambda i: memory.set(keys[i], value, 300),
            f"memcached set {size} B": lambda i: remote.set(keys[i], value, 300),
            # noreply=False: the backend waits for STORED too (pymemcache's default set does not wait)
            f"pymemcache set {size} B": lambda i: bare.set(bare_keys[i], value, 300, noreply=False),
        },
        n,
    )
    gets = interleaved(
        {
            f"memory get {size} B": lambda i: memory.get(keys[i]),
            f"memcached get {size} B": lambda i: remote.get(keys[i]),
            f"pymemcache get {size} B": lambda i: bare.get(bare_keys[i]),
        },
        n,
    )
    if remote.stats().hits < n or memory.stats().hits < n:
        raise SystemExit("the timed gets must all be hits")
    remote.close()
    bare.close()
    return [row(name, times) for name, times in (sets | gets).items()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ops", type=int, default=20000)
    parser.add_argument("--timeout", type=float, default=0.25, help="[cache] timeout_seconds (default 0.25)")
    args = parser.parse_args()
    n = args.ops
    server = Memcached("-m", "1024")  # both clients' items fit: every timed get is a hit
    try:
        rows = [r for size in (100, 10_000) for r in measure(server, size, n, args.timeout)]
    finally:
        server.stop()
    print(f"{'operation':<28}{'median':>12}{'p99':>12}{'ops/s':>12}")
    for name, median, p99, rate in rows:
        print(f"{name:<28}{median * 1e6:>9.1f} µs{p99 * 1e6:>9.1f} µs{rate:>12.0f}")
    by = {name: median for name, median, _, _ in rows}
    for size in (100, 10_000):
        print(
            f"ratio memcached/memory get {size} B: {by[f'memcached get {size} B'] / by[f'memory get {size} B']:.0f}x; "
            f"backend/bare pymemcache get: {by[f'memcached get {size} B'] / by[f'pymemcache get {size} B']:.2f}x"
        )
    fallback(args.timeout)


def fallback(timeout: float) -> None:
    """A lost server: the first call pays at most the timeout, the next ones within retry_seconds pay nothing."""
    silent = socket.create_server(("127.0.0.1", 0), backlog=64)  # the kernel accepts; nobody ever answers
    cases = {
        "refused port": f"127.0.0.1:{free_port()}",
        "silent peer": f"127.0.0.1:{silent.getsockname()[1]}",
    }
    print(f"\nserver down, timeout {timeout:g} s, retry after 1 s:")
    print(f"{'case':<16}{'first get':>12}{'/timeout':>10}{'next 1000 gets':>18}{'after retry':>14}")
    try:
        for name, address in cases.items():
            cache = MemcachedCache(address, timeout_seconds=timeout, retry_seconds=1.0)
            start = time.perf_counter()
            assert cache.get("k") is None
            first = time.perf_counter() - start
            start = time.perf_counter()
            for _ in range(1000):
                assert cache.get("k") is None
            rest = (time.perf_counter() - start) / 1000
            time.sleep(1.05)
            start = time.perf_counter()
            assert cache.get("k") is None
            again = time.perf_counter() - start
            cache.close()
            print(
                f"{name:<16}{first * 1e3:>9.1f} ms{first / timeout:>9.2f}x{rest * 1e6:>15.1f} µs{again * 1e3:>11.1f} ms"
            )
    finally:
        silent.close()


if __name__ == "__main__":
    main()
