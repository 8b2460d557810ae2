"""The dashboard's pages: overview, one page per sar activity, OOM, time; and the timeline comment form.

Pages are server-rendered shells (Jinja2, autoescaped; no ``|safe`` anywhere): the numbers they chart come
from /api/v1 (same documents, fetched by static/js/charts.js), the tables from the same library calls.
Pages carry the per-session CSRF token, so they are never put in the page cache; the API responses are.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hostward.errors import HostwardError, UsageError
from hostward.recorder import append_comment
from hostward.web import api, cachestatus, data, status
from hostward.web.audit import audit
from hostward.web.authz import current_user, require_role
from hostward.web.render import render

MAX_COMMENT_CHARS = 200
OVERVIEW_CACHE_SERVERS = 4  # the overview shows the hit ratio of the first few; /cache shows them all
# The overview's charts: (activity, columns, item) — "now and the last 24 h".
OVERVIEW = (
    ("cpu", "%user,%system,%iowait,%steal", "all"),
    ("memory", "%memused,%commit", ""),
    ("queue", "ldavg-1,ldavg-5,ldavg-15", ""),
    ("disk", "tps,%util", ""),
    ("net_dev", "rxkB/s,txkB/s", ""),
)


def _when(stamp: float | None) -> str:
    if stamp is None:
        return "unknown"
    return dt.datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S")


def _series_src(name: str, query: dict[str, Any]) -> str:
    clean = {k: v for k, v in query.items() if v not in (None, "", [])}
    return f"/api/v1/series/{urllib.parse.quote(name)}?" + urllib.parse.urlencode(clean, doseq=True)


def _live_src(request: Request) -> str:
    every = api.interval_seconds(request)
    return "/api/v1/live?" + urllib.parse.urlencode({"every": int(min(max(every, 1), 60))})


def _nav() -> list[dict[str, str]]:
    return [{"name": a.name, "flag": a.flag, "href": f"/activity/{a.name}"} for a in data.PAGE_ACTIVITIES]


def _q_any(request: Request, *names: str) -> bool:
    return any(request.query_params.get(n) for n in names)


def _can_comment(request: Request) -> bool:
    role = getattr(current_user(request), "role", None)
    return role in ("operator", "admin")


def _bad(request: Request, message: str) -> Response:
    return render(request, "dash/error.html", {"message": message, "nav": _nav()}, status=400)


@require_role("viewer")
async def overview(request: Request) -> Response:
    window = data.parse_window(None, None, None)
    data_dir = api.data_dir(request)

    cache_config = api.full_config(request).cache
    page_cache = getattr(request.app.state, "page_cache", None)

    def gather() -> dict[str, Any]:
        top = status.oom_top(1)
        clock = status.clock_state()
        loaded = data.load(data_dir, window)
        found = data.series_of(loaded, [])
        events = status.timeline(found, data_dir, window.since.timestamp(), window.until.timestamp())
        caches = cachestatus.servers(cache_config, details=False, limit=OVERVIEW_CACHE_SERVERS)
        return {
            "top": top,
            "clock": clock,
            "events": events,
            "host": loaded.host,
            "caches": caches,
            "page_cache": cachestatus.page_cache(page_cache),
        }

    got = await anyio.to_thread.run_sync(gather)
    since, until = window.since.isoformat(sep=" "), window.until.isoformat(sep=" ")
    charts = [
        {
            "title": data.activity_named(name).title,
            "src": _series_src(name, {"since": since, "until": until, "item": item}),
            "columns": columns,
        }
        for name, columns, item in OVERVIEW
    ]
    charts.append(
        {
            "title": "pressure stall information (share of time stalled)",
            "src": "/api/v1/pressure?" + urllib.parse.urlencode({"since": since, "until": until}),
            "columns": "",
        }
    )
    for event in got["events"]:
        event["when"] = _when(event["time"])
    context = {
        "nav": _nav(),
        "charts": charts,
        "victim": got["top"]["victim"],
        "clock": got["clock"],
        "events": got["events"][-200:],
        "live_src": _live_src(request),
        "can_comment": _can_comment(request),
        "max_comment": MAX_COMMENT_CHARS,
        "window": window.label,
        "host": got["host"],
        "caches": got["caches"],
        "page_cache": got["page_cache"],
    }
    return render(request, "dash/overview.html", context)


@require_role("viewer")
async def activity_page(request: Request) -> Response:
    try:
        activity = data.activity_named(request.path_params["name"])
        window, view, items = api.selection(request)
        if view not in ("", *activity.views):
            raise UsageError(f"unknown view {view[:20]!r}")
    except UsageError as exc:
        return _bad(request, str(exc))
    if items is None and activity.name == "cpu" and not request.query_params.getlist("item"):
        items = frozenset({"all"})  # sar -u: the total; -P ALL is one click away
    query: dict[str, Any] = {
        "since": window.since.isoformat(sep=" "),
        "until": window.until.isoformat(sep=" "),
        "view": view,
        "item": sorted(items) if items is not None else [],
    }
    download = urllib.parse.urlencode({k: v for k, v in query.items() if v not in ("", [])}, doseq=True)
    today = dt.date.today()
    keep = {"view": view, "item": query["item"]}
    shortcuts = [
        (label, f"/activity/{activity.name}?" + urllib.parse.urlencode({**extra, **keep}, doseq=True))
        for label, extra in (
            ("last 24 h", {}),
            ("today", {"day": today.isoformat()}),
            ("yesterday", {"day": (today - dt.timedelta(days=1)).isoformat()}),
        )
    ]
    context = {
        "nav": _nav(),
        "shortcuts": [{"label": label, "href": href} for label, href in shortcuts],
        "activity": {"name": activity.name, "flag": activity.flag, "title": activity.title},
        "views": ["", *sorted(activity.views)],
        "view": view,
        "item_header": activity.item.header if activity.item is not None else None,
        "selected_items": ",".join(sorted(items)) if items is not None else "ALL",
        "since": window.since.strftime("%Y-%m-%dT%H:%M:%S"),
        "until": window.until.strftime("%Y-%m-%dT%H:%M:%S"),
        "window": window.label,
        "src": _series_src(activity.name, query),
        "csv": f"/api/v1/export/{activity.name}.csv?{download}",
        "json": f"/api/v1/export/{activity.name}.json?{download}",
        # Live points only when the range ends now (no explicit end): a past day stays as recorded.
        "live_src": "" if _q_any(request, "until", "day") else _live_src(request),
    }
    return render(request, "dash/activity.html", context)


@require_role("viewer")
async def oom_page(request: Request) -> Response:
    data_dir = api.data_dir(request)
    config = api.full_config(request)

    def gather() -> dict[str, Any]:
        kills = status.oom_kills()
        guard = status.guard_actions(data_dir)
        for k in kills["kills"]:
            k["when"] = _when(k["time"])
        for g in guard:
            g["when"] = _when(g["time"])
        return {
            "top": status.oom_top(30),
            "protection": status.protection(config),
            "kills": kills,
            "guard": guard[-100:],
        }

    every = api.interval_seconds(request)
    context = {
        "nav": _nav(),
        "refresh_seconds": int(min(max(every, 2), 60)),
        **await anyio.to_thread.run_sync(gather),
    }
    return render(request, "dash/oom.html", context)


@require_role("viewer")
async def time_page(request: Request) -> Response:
    config = api.full_config(request)
    window = data.parse_window(None, None, None)

    def gather() -> dict[str, Any]:
        return {"clock": status.clock_state(), "sources": status.ntp_sources(config)}

    got = await anyio.to_thread.run_sync(gather)
    query = {"since": window.since.isoformat(sep=" "), "until": window.until.isoformat(sep=" ")}
    context = {
        "nav": _nav(),
        **got,
        "src": _series_src("time", query),
        "window": window.label,
    }
    return render(request, "dash/time.html", context)


@require_role("viewer")
async def cache_page(request: Request) -> Response:
    cache_config = api.full_config(request).cache
    page_cache = getattr(request.app.state, "page_cache", None)

    def gather() -> dict[str, Any]:
        return {
            "servers": cachestatus.servers(cache_config),
            "page_cache": cachestatus.page_cache(page_cache),
        }

    window = data.parse_window(None, None, None)
    query = {"since": window.since.isoformat(sep=" "), "until": window.until.isoformat(sep=" ")}
    context = {
        "nav": _nav(),
        "src": _series_src("cache", query),
        "window": window.label,
        "figure_text": cachestatus.figure_text,
        "raw_text": cachestatus.raw_text,
        **await anyio.to_thread.run_sync(gather),
    }
    return render(request, "dash/cache.html", context)


@require_role("operator")
async def add_comment(request: Request) -> Response:
    """A timeline comment (what ``hostward record --comment`` adds and ``sar -C`` shows)."""
    form = await request.form()
    text = str(form.get("text", "")).strip()
    if not text or len(text) > MAX_COMMENT_CHARS or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        audit(request, "comment.add", "timeline", "refused: empty, too long or control characters")
        return _bad(request, f"A comment is 1 to {MAX_COMMENT_CHARS} printable characters on one line.")
    try:
        await anyio.to_thread.run_sync(lambda: append_comment(api.data_dir(request), text))
    except HostwardError as exc:
        audit(request, "comment.add", "timeline", f"failed: {exc}")
        return _bad(request, f"The comment could not be stored: {exc}")
    audit(request, "comment.add", "timeline", "ok")
    return RedirectResponse("/", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/", overview),
        Route("/activity/{name}", activity_page),
        Route("/oom", oom_page),
        Route("/time", time_page),
        Route("/cache", cache_page),
        Route("/comments", add_comment, methods=["POST"]),
        *api.routes(),
    ]
