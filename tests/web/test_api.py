"""The JSON API over HTTP: same numbers as the CLI, one-line 400s, roles, the comment form, the page cache."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.web.dashboard import Dashboard, serve, session_cookie
from tests.web.recording import record

from hostward.cli import main


class DictBackend:
    """The cache interface (get/set with a TTL) over a dict, counting calls."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}
        self.sets = 0

    def get(self, key: str) -> bytes | None:
        return self.store.get(key)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        assert 1 <= ttl <= 300
        self.sets += 1
        self.store[key] = value


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    data_dir = tmp_path_factory.mktemp("api")
    record(data_dir, samples=3, step=1.0, comment="api <test>")
    with serve(data_dir) as running:
        yield running


def client(dashboard: Dashboard, role: str = "viewer") -> httpx.Client:
    return httpx.Client(
        base_url=dashboard.url, headers={"cookie": session_cookie(dashboard, role)}, timeout=30
    )


def _range() -> dict[str, str]:
    now = dt.datetime.now().replace(microsecond=0)
    return {
        "since": (now - dt.timedelta(minutes=30)).isoformat(sep=" "),
        "until": (now + dt.timedelta(minutes=1)).isoformat(sep=" "),
    }


def test_export_is_byte_for_byte_the_cli(dashboard: Dashboard, capsys: pytest.CaptureFixture[str]) -> None:
    window = _range()
    with client(dashboard) as c:
        got = c.get("/api/v1/export/net_dev.csv", params=window)
        got_json = c.get("/api/v1/export/memory.json", params={**window, "view": "ALL"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    data_dir = str(dashboard.app.state.data_dir)
    base = ["--since", window["since"], "--until", window["until"], "--data-dir", data_dir]
    assert main(["sadf", "-d", "-C", *base, "--", "-n", "DEV"]) == 0
    assert got.text == capsys.readouterr().out
    assert main(["sadf", "-j", "-C", *base, "--", "-r", "ALL"]) == 0
    assert got_json.text == capsys.readouterr().out


def test_series_and_status_endpoints(dashboard: Dashboard) -> None:
    with client(dashboard) as c:
        doc = c.get("/api/v1/series/cpu", params={**_range(), "item": "all"}).json()
        assert doc["source"] == "recorded" and [s["item"] for s in doc["series"]] == ["all"]
        assert len(doc["series"][0]["times"]) == 2
        assert any(m["label"] == "api <test>" for m in doc["marks"])
        top = c.get("/api/v1/oom/top").json()
        assert top["victim"]["pid"] == top["processes"][0]["pid"]
        assert c.get("/api/v1/time/status").json()["level"] in ("ok", "warning", "critical")
        events = c.get("/api/v1/timeline", params=_range()).json()["events"]
        assert {"kind": "comment", "text": "api <test>"}.items() <= events[
            [e["kind"] for e in events].index("comment")
        ].items()
        names = [a["name"] for a in c.get("/api/v1/activities").json()]
        assert names[0] == "cpu" and "time" in names
        spec = c.get("/api/v1/openapi.json").json()
        assert spec["openapi"].startswith("3.") and "/api/v1/series/{activity}" in spec["paths"]


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/api/v1/series/nope", {}, 400, "unknown activity 'nope'"),
        ("/api/v1/series/cpu", {"since": "yesterday"}, 400, "since: expected YYYY-MM-DD"),
        ("/api/v1/series/cpu", {"view": "<x>"}, 400, "unknown view"),
        ("/api/v1/series/cpu", {"day": "2026-11-05", "since": "2026-11-05"}, 400, "either day"),
        ("/api/v1/series/cpu", {"since": "x" * 65}, 400, "since: too long"),
        ("/api/v1/export/cpu.csv", {"day": "2001-01-01"}, 404, "no recorded samples"),
        ("/api/v1/live", {"every": "0"}, 400, "between 1 and 60"),
        ("/api/v1/live", {"every": "fast"}, 400, "expected a number"),
    ],
)
def test_bad_requests_get_one_line(
    dashboard: Dashboard, path: str, params: dict[str, str], status: int, message: str
) -> None:
    with client(dashboard) as c:
        got = c.get(path, params=params)
    assert got.status_code == status
    assert message in got.json()["error"] and "\n" not in got.json()["error"]


def _csrf(c: httpx.Client) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/").text)
    assert found is not None
    return found.group(1)


def test_comments_need_an_operator_and_a_clean_line(dashboard: Dashboard) -> None:
    with client(dashboard, "viewer") as c:
        assert c.post("/comments", data={"text": "hi", "csrf_token": _csrf(c)}).status_code == 403
    with client(dashboard, "operator") as c:
        token = _csrf(c)
        assert c.post("/comments", data={"text": "no token"}).status_code == 403
        assert c.post("/comments", data={"text": "two\nlines", "csrf_token": token}).status_code == 400
        assert c.post("/comments", data={"text": "x" * 201, "csrf_token": token}).status_code == 400
        done = c.post(
            "/comments", data={"text": "maintenance window", "csrf_token": token}, follow_redirects=False
        )
        assert done.status_code == 303 and done.headers["location"] == "/"
        events = c.get("/api/v1/timeline", params=_range()).json()["events"]
    assert [e["text"] for e in events if e["kind"] == "comment"][-1] == "maintenance window"


def test_page_cache_serves_role_wide_gets_only(dashboard: Dashboard) -> None:
    backend = DictBackend()
    dashboard.app.state.page_cache = backend
    try:
        params = {**_range(), "item": "all"}
        with client(dashboard, "viewer") as c:
            first = c.get("/api/v1/series/cpu", params=params)
            second = c.get("/api/v1/series/cpu", params=dict(reversed(list(params.items()))))
            bad = c.get("/api/v1/series/nope")
            bad_again = c.get("/api/v1/series/nope")
            page = c.get("/")
        with client(dashboard, "operator") as c:
            other_role = c.get("/api/v1/series/cpu", params=params)
        assert first.headers["x-cache"] == "miss" and second.headers["x-cache"] == "hit"
        assert json.loads(second.content) == json.loads(first.content)
        assert "x-cache" not in bad.headers and "x-cache" not in bad_again.headers  # errors are not kept
        assert "x-cache" not in page.headers  # pages carry the session's CSRF token
        assert other_role.headers["x-cache"] == "miss"  # keyed by role
        assert backend.sets == 2
    finally:
        dashboard.app.state.page_cache = None


def test_a_broken_cache_costs_speed_not_pages(dashboard: Dashboard) -> None:
    class Broken:
        def get(self, key: str) -> bytes | None:
            raise OSError("memcached went away")

        def set(self, key: str, value: bytes, ttl: int) -> None:
            raise OSError("memcached went away")

    dashboard.app.state.page_cache = Broken()
    try:
        with client(dashboard) as c:
            assert c.get("/api/v1/oom/top").status_code == 200
    finally:
        dashboard.app.state.page_cache = None


def test_data_dir_from_the_app(dashboard: Dashboard) -> None:
    assert Path(dashboard.app.state.data_dir).is_dir()


def test_in_process_cache_expires_and_stays_within_its_size() -> None:
    from hostward.cache import MemoryCache

    cache = MemoryCache(max_bytes=10)
    cache.set("a", b"12345", 60)
    cache.set("b", b"6789", 60)
    assert cache.get("b") == b"6789"  # b is now the most recently used
    cache.set("c", b"xyz", 60)  # 12 bytes > 10: the least recently used entry goes
    assert cache.get("a") is None and cache.get("b") == b"6789" and cache.get("c") == b"xyz"
    assert cache.set("big", b"x" * 11, 60) is False  # larger than the whole cache: not kept
    assert cache.get("big") is None and cache.stats().too_large == 1
    cache.set("gone", b"1", 0)
    time.sleep(0.01)
    assert cache.get("gone") is None
