"""Client CPU per memcached stats poll: hostward's reader against pymemcache, nc and memcached-tool.

    .venv/bin/python bench/cache_poll.py [--polls 2000] [--runs 20]

In-process readers (hostward.cache.stats.fetch_stats, the four replies of a full health check with its verdict,
pymemcache's Client.stats on a fresh connection and on a kept one) are measured with time.process_time() per
poll, interleaved in rounds (median of 10), against one memcached 1.6 holding 10 000 items. Whole programs
(`hostward cache stats`, `echo stats | nc -N`, `memcached-tool HOST:PORT stats`) are measured with the
children's rusage per run: start-up included, which is what a monitoring check run from cron pays.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile

from pymemcache.client.base import Client

from _cpu import interleaved
from _memcached import Memcached
from hostward.cache.health import check
from hostward.cache.stats import fetch_stats

MEMCACHED_TOOL = shutil.which("memcached-tool") or "/usr/share/memcached/scripts/memcached-tool"
PYCACHE = tempfile.mkdtemp(prefix="bench-pycache-")


def per_run_cpu(argv: list[str], n: int, stdin: bytes = b"") -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = PYCACHE
    env["HOSTWARD_CONFIG"] = os.devnull
    subprocess.run(argv, input=stdin, capture_output=True, check=False, timeout=30, env=env)  # warm-up
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(n):
        subprocess.run(argv, input=stdin, capture_output=True, check=False, timeout=30, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / n


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--polls", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    server = Memcached("-m", "64")
    try:
        kept = Client(("127.0.0.1", server.port), timeout=2, connect_timeout=2)
        for i in range(10000):
            kept.set(f"key{i}", b"v" * 100, noreply=True)

        def fresh_pymemcache() -> object:
            client = Client(("127.0.0.1", server.port), timeout=2, connect_timeout=2)
            try:
                return client.stats()
            finally:
                client.close()

        rows = interleaved(
            {
                "hostward fetch_stats (in-process)": lambda: fetch_stats(server.address, timeout=2),
                "pymemcache stats, new connection": fresh_pymemcache,
                "pymemcache stats, kept connection": kept.stats,
                "hostward health check: 4 replies + verdict": lambda: check(server.address, timeout=2),
            },
            args.polls,
        )
        kept.close()
        nc = shutil.which("nc") or "nc"
        rows["hostward cache stats (program)"] = per_run_cpu(
            [sys.executable, "-m", "hostward", "cache", "stats", server.address], args.runs
        )
        rows["echo stats | nc -N (program)"] = per_run_cpu(
            [nc, "-N", "127.0.0.1", str(server.port)], args.runs, stdin=b"stats\r\n"
        )
        rows["memcached-tool stats (program)"] = per_run_cpu(
            ["perl", MEMCACHED_TOOL, server.address, "stats"], args.runs
        )
    finally:
        server.stop()
        shutil.rmtree(PYCACHE, ignore_errors=True)
    print(f"{'reader':<46}{'CPU per poll':>14}")
    for name, seconds in rows.items():
        print(f"{name:<46}{seconds * 1e6:>11.0f} µs")
    ours, fresh = rows["hostward fetch_stats (in-process)"], rows["pymemcache stats, new connection"]
    print(f"ratio hostward fetch_stats / pymemcache new connection: {ours / fresh:.2f}x")
    print(
        f"ratio hostward fetch_stats / pymemcache kept connection: {ours / rows['pymemcache stats, kept connection']:.2f}x"
    )
    program = rows["hostward cache stats (program)"]
    print(
        f"ratio hostward cache stats / nc (whole program): {program / rows['echo stats | nc -N (program)']:.1f}x"
    )
    print(
        f"ratio hostward cache stats / memcached-tool (whole program): {program / rows['memcached-tool stats (program)']:.2f}x"
    )


if __name__ == "__main__":
    main()
