"""Dashboard cost for a 24 h page at 10 s (8,640 points per series, every CPU series): server time and JSON
size of the series document, time from navigation to the last chart drawn in chromium (cold and page-cache
warm), and requests per second for the overview and one API call, uncached vs cached (in-process, memcached).

usage: .venv/bin/python bench/web_page.py [--server-only]
Prints one line per measurement; nothing here is asserted (tests do not time things).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from hostward.activities import BY_NAME
from hostward.collect.cpu import CpuTimes
from hostward.collect.host import read_host
from hostward.collect.sample import SystemSample, sample_system
from hostward.procfs import ProcFS
from hostward.store import DataFileWriter, day_path
from hostward.web import data

STEP = 10.0
POINTS = 8640


def _bump(c: CpuTimes | None, i: int, k: int) -> CpuTimes | None:
    if c is None:
        return None
    return dataclasses.replace(
        c, user=c.user + 300 * i + (i * (k + 3)) % 97, system=c.system + 90 * i, idle=c.idle + 600 * i
    )


def synthetic_day(data_dir: Path, day: dt.date, points: int = POINTS, step: float = STEP) -> None:
    """A day of samples every ``step`` s: the live kernel's first sample, its counters moved on each step."""
    procfs = ProcFS()
    base = sample_system(procfs)
    start = dt.datetime.combine(day, dt.time()).timestamp() + 1
    host = read_host(procfs, len(base.cpu.per_cpu) or 1)
    with DataFileWriter.open(day_path(data_dir, day), day, host) as writer:
        for i in range(points):
            cpu = base.cpu
            sample: SystemSample = dataclasses.replace(
                base,
                timestamp=start + i * step,
                uptime_seconds=round(base.uptime_seconds + i * step, 2),
                cpu=dataclasses.replace(
                    cpu,
                    all=_bump(cpu.all, i, 0) or cpu.all,
                    per_cpu=tuple(_bump(c, i, k) for k, c in enumerate(cpu.per_cpu)),
                    context_switches=cpu.context_switches + 1000 * i,
                ),
            )
            writer.write_sample(sample)


def server_side(data_dir: Path, day: dt.date) -> None:
    window = data.parse_window(day.isoformat(), None, None)
    times = []
    body = b""
    for _ in range(3):
        data._RECENT.items.clear()  # cold: the files are read each time
        t0 = time.perf_counter()
        doc = data.series_document(data.load(data_dir, window), BY_NAME["cpu"], "ALL", None)
        body = json.dumps(doc, separators=(",", ":")).encode()
        times.append(time.perf_counter() - t0)
    points = sum(len(s["times"]) for s in doc["series"])
    print(
        f"series cpu -u ALL -P ALL, 24 h at 10 s: {len(doc['series'])} series, {points} points, "
        f"JSON {len(body) / 1024:.0f} KiB, server time median {statistics.median(times) * 1000:.0f} ms"
    )


class DictCache:
    """In-process cache (what hostward.cache's default backend does): a dict with expiry."""

    def __init__(self) -> None:
        self.store: dict[str, tuple[float, bytes]] = {}

    def get(self, key: str) -> bytes | None:
        hit = self.store.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self.store[key] = (time.monotonic() + ttl, value)


class Memcached:
    """A memcached child on 127.0.0.1 (its own port) and a pymemcache client with finite timeouts."""

    def __init__(self) -> None:
        from pymemcache.client.base import Client

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        argv = ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "64", "-I", "4m"]
        if os.geteuid() == 0:
            argv += ["-u", "memcache"]
        self.proc = subprocess.Popen(argv)
        self.client = Client(("127.0.0.1", port), connect_timeout=1, timeout=1)
        for _ in range(100):
            try:
                self.client.version()
                break
            except OSError:
                time.sleep(0.05)

    def get(self, key: str) -> bytes | None:
        value = self.client.get(key)
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self.client.set(key, value, expire=ttl)

    def close(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(timeout=5)


# The load runs in its own interpreter: in the server's process it would share its GIL and measure that.
_LOAD = """
import sys, time, httpx
url, cookie, seconds, paths = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
done = 0
# A new connection per request: on a kept-alive one, delayed ACKs cost 40 ms a request (Nagle).
with httpx.Client(base_url=url, headers={"cookie": cookie, "connection": "close"}, timeout=30) as client:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for path in paths:
            client.get(path).raise_for_status()
            done += 1
print(done / seconds)
"""


def requests_per_second(url: str, cookie: str, paths: list[str], seconds: float = 3.0) -> float:
    argv = [sys.executable, "-c", _LOAD, url, cookie, str(seconds), *paths]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=seconds + 120)
    return float(out.stdout.strip())


def browser_time(url: str, login: Any, path: str) -> tuple[float, int]:
    """Seconds from navigation to the last chart drawn (a fresh browser context: no HTTP cache)."""
    from playwright.sync_api import expect, sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        login(context)
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url + path)
        body = page.locator("body")
        expect(body).to_have_attribute("data-charts-expected", re.compile(r"^[1-9]"), timeout=120_000)
        count = body.get_attribute("data-charts-expected") or "0"
        expect(body).to_have_attribute("data-charts-drawn", count, timeout=120_000)
        elapsed = time.perf_counter() - t0
        browser.close()
    return elapsed, int(count)


def over_http(data_dir: Path, day: dt.date) -> None:
    from tests.web.dashboard import login, serve, session_cookie

    query = urllib.parse.urlencode({"day": day.isoformat(), "item": "ALL", "view": "ALL"})
    page = f"/activity/cpu?{query}"
    api = f"/api/v1/series/cpu?{query}"
    with serve(data_dir, interval_seconds=10.0) as dash:
        cookie = session_cookie(dash, "viewer")

        def log_in(context: Any) -> None:
            login(context, dash, "viewer")

        cache = DictCache()
        dash.app.state.page_cache = cache
        data._RECENT.items.clear()  # cold: nothing read yet, nothing cached
        cold, charts = browser_time(dash.url, log_in, page)
        warm, _ = browser_time(dash.url, log_in, page)
        print(
            f"chromium, 24 h cpu page ({charts} charts): navigation to last chart drawn {cold:.2f} s cold, "
            f"{warm:.2f} s page-cache warm ({cold / warm:.1f}x)"
        )
        overview_paths = ["/", "/api/v1/series/cpu?item=all", "/api/v1/series/memory", "/api/v1/series/queue"]
        small_api = ["/api/v1/oom/top"]
        for label, backend in (("uncached", None), ("in-process", DictCache()), ("memcached", "memcached")):
            mc = Memcached() if backend == "memcached" else None
            dash.app.state.page_cache = mc if mc is not None else backend
            try:
                ov = requests_per_second(dash.url, cookie, overview_paths)
                one = requests_per_second(dash.url, cookie, small_api)
                big = requests_per_second(dash.url, cookie, [api], seconds=5.0)
            finally:
                if mc is not None:
                    mc.close()
            print(
                f"{label:>10}: overview (page + its 3 series calls) {ov / 4:7.1f} loads/s, "
                f"/api/v1/oom/top {one:7.1f} req/s, 24 h cpu series {big:6.2f} req/s"
            )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-only", action="store_true", help="skip chromium and requests/s")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        day = dt.date.today() - dt.timedelta(days=1)
        t0 = time.perf_counter()
        synthetic_day(data_dir, day)
        print(f"wrote {POINTS} samples in {time.perf_counter() - t0:.1f} s")
        server_side(data_dir, day)
        if not args.server_only:
            over_http(data_dir, day)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main(sys.argv[1:]))
