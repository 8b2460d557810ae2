"""The cache page and the overview's hit ratio against a real memcached: the figures and the verdict are those of
`hostward cache stats` (the same library functions, checked against the CLI's JSON), an unreachable server is
one line, a server name carrying markup stays text, and the dashboard page cache's own hits and misses show."""

from __future__ import annotations

import html
import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_app import PASSWORD
from starlette.testclient import TestClient
from tests.cache.memcached_server import Memcached
from tests.web.recording import record

from hostward.cache import open_cache
from hostward.cache.counters import hit_ratio
from hostward.cache.stats import fetch_stats
from hostward.config import CacheConfig, Config, WebConfig
from hostward.web import pages
from hostward.web.app import create_app

HOSTILE = "<img src=x onerror=alert(1)>:11211"


@pytest.fixture
def memcached() -> Iterator[Memcached]:
    server = Memcached()
    yield server
    server.stop()


def _traffic(port: int) -> None:
    """Three sets, then four gets of which three hit: a 75 % hit ratio."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        for key in ("a", "b", "c"):
            s.sendall(f"set {key} 0 0 1\r\nx\r\n".encode())
            assert s.recv(100) == b"STORED\r\n"
        for key in ("a", "b", "c", "nope"):
            s.sendall(f"get {key}\r\n".encode())
            reply = b""
            while not reply.endswith(b"END\r\n"):
                reply += s.recv(100)


@pytest.fixture
def viewer(tmp_path: Path, memcached: Memcached) -> TestClient:
    data_dir = tmp_path / "data"
    record(data_dir, samples=2, step=0.2)
    app = create_app(WebConfig(), data_dir=data_dir, extra_routes=pages.routes(), tls=True)
    cache = CacheConfig(servers=(memcached.address, "127.0.0.1:1", HOSTILE), timeout_seconds=2.0)
    app.state.hostward_config = Config(cache=cache)
    app.state.page_cache = open_cache(CacheConfig())
    app.state.record_interval_seconds = 10.0
    app.state.accounts.add("vera", "viewer", PASSWORD)
    c = TestClient(app, base_url="https://testserver", follow_redirects=False)
    login = c.post("/login", data={"username": "vera", "password": PASSWORD, "code": "", "next": "/"})
    assert login.status_code == 303
    _traffic(memcached.port)
    return c


def test_cache_page_shows_what_cache_stats_says(
    viewer: TestClient, memcached: Memcached, tmp_path: Path
) -> None:
    page = viewer.get("/cache")
    assert page.status_code == 200
    text = html.unescape(page.text)
    fields = fetch_stats(memcached.address, timeout=2).fields
    assert hit_ratio(fields) == 0.75
    assert f"memcached {memcached.address} ({fields['version']})" in text
    assert "75.0 %" in text  # the hit ratio figure, with the raw counters it divides beside it
    assert "get_hits 3 cmd_get 4" in text
    # The verdict is the CLI's: `hostward cache stats --json` on the same server says the same level and summary.
    cli = subprocess.run(
        [sys.executable, "-m", "hostward", "cache", "stats", "--json", memcached.address],
        capture_output=True,
        text=True,
        timeout=60,
        env={"HOSTWARD_CONFIG": str(tmp_path / "none.toml"), "PATH": "/usr/bin:/bin"},
    )
    doc = json.loads(cli.stdout)["servers"][0]
    verdict = doc["verdict"]
    assert f"Verdict: {verdict['level'].upper()} ({verdict['window']})" in text
    assert verdict["summary"].split(":")[0] in text
    # A server that refuses: one line, the page still answers.
    assert "memcached 127.0.0.1:1" in text and "connection refused" in text
    # A configured name with markup is shown as text.
    assert "<img src=x" not in page.text and html.escape(HOSTILE.split(":", maxsplit=1)[0]) in page.text
    assert "The dashboard&#39;s page cache" in page.text or "The dashboard's page cache" in text


def test_overview_shows_the_hit_ratio_and_page_cache_counts(viewer: TestClient, memcached: Memcached) -> None:
    # Two reads of a role-wide API document: a miss, then a hit in the page cache.
    api = "/api/v1/timeline"
    assert viewer.get(api).headers.get("x-cache") == "miss"
    assert viewer.get(api).headers.get("x-cache") == "hit"
    page = viewer.get("/")
    assert page.status_code == 200
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", page.text)).split())
    assert f"{memcached.address}: 75.0 %" in text
    assert "Dashboard page cache (memory): 50.0 % of 2 lookups" in text
    assert "<img src=x" not in page.text


def test_api_serves_the_same_figures(viewer: TestClient, memcached: Memcached) -> None:
    doc = viewer.get("/api/v1/cache").json()
    first, refused, hostile = doc["servers"]
    assert first["server"] == memcached.address and first["error"] is None
    assert first["hit_ratio"] == 0.75
    assert first["verdict"]["level"] in ("ok", "warning", "critical")
    requests = next(g for g in first["groups"] if g["title"] == "Requests")
    hits = next(f for f in requests["figures"] if f["key"] == "hits")
    assert hits["value"] == 3 and hits["raw"] == [["get_hits", "3"]]
    assert refused["error"] and refused["verdict"] is None and refused["groups"] == []
    assert hostile["server"] == HOSTILE  # JSON carries it as data; pages escape it
    assert doc["page_cache"]["backend"] == "memory"
    paths = viewer.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/cache" in paths
