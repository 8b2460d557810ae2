"""JSON API under /api/v1: the data the pages draw, for scripts (described by /api/v1/openapi.json).

Every endpoint reads; each requires at least the viewer role (checked by the security core on every call).
Bad parameters get 400 with ``{"error": "one line"}``; a download of a range without recorded samples 404.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from hostward.config import Config, load_config
from hostward.errors import StoreError, UsageError
from hostward.web import cachestatus, data, status
from hostward.web.authz import require_role
from hostward.web.live import stream
from hostward.web.openapi import document
from hostward.web.pagecache import cached

Handler = Callable[[Request], Awaitable[Response]]


def data_dir(request: Request) -> Path:
    """The recordings the app serves (create_app's data_dir)."""
    found = getattr(request.app.state, "data_dir", None)
    return Path(found) if found is not None else load_config().record.data_dir


def full_config(request: Request) -> Config:
    found = getattr(request.app.state, "hostward_config", None)
    return found if isinstance(found, Config) else load_config()


def interval_seconds(request: Request) -> float:
    """The recording interval ([record] interval_seconds): live points and cache TTLs follow it."""
    found = getattr(request.app.state, "record_interval_seconds", None)
    return float(found) if found is not None else float(full_config(request).record.interval_seconds)


def error(message: str, status_code: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status_code, headers={"cache-control": "no-store"})


def _q(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value is not None and len(value) > 64:
        raise UsageError(f"{name}: too long")
    return value or None


def selection(request: Request) -> tuple[data.Window, str, frozenset[str] | None]:
    window = data.parse_window(_q(request, "day"), _q(request, "since"), _q(request, "until"))
    view = _q(request, "view") or ""
    items = data.parse_items(request.query_params.getlist("item"))
    return window, view, items


async def _in_thread(fn: Callable[[], Any]) -> Any:
    return await anyio.to_thread.run_sync(fn)


@require_role("viewer")
async def activities(request: Request) -> Response:
    return JSONResponse(
        [
            {
                "name": a.name,
                "flag": a.flag,
                "title": a.title,
                "views": sorted(a.views),
                "item": a.item.header if a.item is not None else None,
                "columns": [{"name": c.name, "header": c.header, "unit": c.unit} for c in a.columns],
            }
            for a in data.PAGE_ACTIVITIES
        ]
    )


@require_role("viewer")
@cached
async def series(request: Request) -> Response:
    try:
        activity = data.activity_named(request.path_params["activity"])
        window, view, items = selection(request)
        doc = await _in_thread(
            lambda: data.series_document(data.load(data_dir(request), window), activity, view, items)
        )
    except UsageError as exc:
        return error(str(exc))
    return JSONResponse(doc)


@require_role("viewer")
@cached
async def pressure(request: Request) -> Response:
    try:
        window, _, _ = selection(request)
        doc = await _in_thread(lambda: data.pressure_document(data.load(data_dir(request), window)))
    except UsageError as exc:
        return error(str(exc))
    return JSONResponse(doc)


async def _export(request: Request, fmt: str) -> Response:
    try:
        activity = data.activity_named(request.path_params["activity"])
        window, view, items = selection(request)
        loaded = await _in_thread(lambda: data.load(data_dir(request), window))
        if fmt == "csv":
            body = data.export_csv(loaded, activity, view, items)
            media = "text/csv; charset=utf-8"
        else:
            body = data.export_json(loaded, activity, view, items)
            media = "application/json"
    except UsageError as exc:
        return error(str(exc))
    except StoreError as exc:
        return error(str(exc), 404)
    name = f"hostward-{activity.name}-{window.since:%Y%m%d%H%M%S}.{fmt}"
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


@require_role("viewer")
@cached
async def export_csv(request: Request) -> Response:
    return await _export(request, "csv")


@require_role("viewer")
@cached
async def export_json(request: Request) -> Response:
    return await _export(request, "json")


@require_role("viewer")
@cached
async def timeline(request: Request) -> Response:
    try:
        window, _, _ = selection(request)
    except UsageError as exc:
        return error(str(exc))

    def build() -> list[dict[str, Any]]:
        loaded = data.load(data_dir(request), window)
        found = data.series_of(loaded, [])
        return status.timeline(found, data_dir(request), window.since.timestamp(), window.until.timestamp())

    return JSONResponse({"events": await _in_thread(build)})


@require_role("viewer")
@cached
async def oom_top(request: Request) -> Response:
    return JSONResponse(await _in_thread(lambda: status.oom_top(50)))


@require_role("viewer")
@cached
async def oom_kills(request: Request) -> Response:
    return JSONResponse(await _in_thread(status.oom_kills))


@require_role("viewer")
@cached
async def oom_guard(request: Request) -> Response:
    since = time.time() - 7 * 86400
    return JSONResponse({"actions": await _in_thread(lambda: status.guard_actions(data_dir(request), since))})


@require_role("viewer")
@cached
async def oom_protection(request: Request) -> Response:
    return JSONResponse({"rules": await _in_thread(lambda: status.protection(full_config(request)))})


@require_role("viewer")
@cached
async def time_status(request: Request) -> Response:
    return JSONResponse(await _in_thread(status.clock_state))


@require_role("viewer")
@cached
async def time_sources(request: Request) -> Response:
    return JSONResponse(await _in_thread(lambda: status.ntp_sources(full_config(request))))


@require_role("viewer")
async def cache(request: Request) -> Response:
    # Not page-cached: the page cache's own counters are part of the answer.
    config, backend = full_config(request).cache, getattr(request.app.state, "page_cache", None)
    return JSONResponse(await _in_thread(lambda: cachestatus.document(config, backend)))


@require_role("viewer")
async def live(request: Request) -> Response:
    try:
        every = float(request.query_params.get("every", "") or interval_seconds(request))
    except ValueError:
        return error("every: expected a number of seconds")
    if not 1 <= every <= 60:
        return error("every: between 1 and 60 seconds")
    headers = {"cache-control": "no-store", "x-accel-buffering": "no"}
    return StreamingResponse(stream(every), media_type="text/event-stream", headers=headers)


@require_role("viewer")
async def openapi(request: Request) -> Response:
    return JSONResponse(document())


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/openapi.json", openapi),
        Route("/api/v1/activities", activities),
        Route("/api/v1/series/{activity}", series),
        Route("/api/v1/pressure", pressure),
        Route("/api/v1/export/{activity}.csv", export_csv),
        Route("/api/v1/export/{activity}.json", export_json),
        Route("/api/v1/timeline", timeline),
        Route("/api/v1/oom/top", oom_top),
        Route("/api/v1/oom/kills", oom_kills),
        Route("/api/v1/oom/guard", oom_guard),
        Route("/api/v1/oom/protection", oom_protection),
        Route("/api/v1/time/status", time_status),
        Route("/api/v1/time/sources", time_sources),
        Route("/api/v1/cache", cache),
        Route("/api/v1/live", live),
    ]
