"""The OpenAPI 3.0 document of /api/v1 (served at /api/v1/openapi.json; checked by schemathesis in the tests)."""

from __future__ import annotations

from typing import Any

from hostward.web.data import PAGE_ACTIVITIES

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}
_TEXT = {"type": "string", "maxLength": 64}
_WINDOW_PARAMS: list[dict[str, Any]] = [
    {
        "name": "day",
        "in": "query",
        "description": "a whole local day, YYYY-MM-DD (not with since/until)",
        "schema": _TEXT,
    },
    {
        "name": "since",
        "in": "query",
        "description": "start, local time: YYYY-MM-DD[ HH:MM[:SS]] (default: 24 h before until)",
        "schema": _TEXT,
    },
    {"name": "until", "in": "query", "description": "end, local time (default: now)", "schema": _TEXT},
]
_SELECT_PARAMS: list[dict[str, Any]] = [
    {"name": "view", "in": "query", "description": '"" or "ALL" (sar -u ALL, -r ALL)', "schema": _TEXT},
    {
        "name": "item",
        "in": "query",
        "description": "CPUs, devices or interfaces to include (repeat, or comma lists); ALL or none: every item",
        "schema": {"type": "array", "items": {"type": "string", "maxLength": 64}},
        "style": "form",
        "explode": True,
    },
]
_ACTIVITY = {
    "name": "activity",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": [a.name for a in PAGE_ACTIVITIES]},
}
_SERIES = {
    "type": "object",
    "required": ["activity", "columns", "series", "items", "marks"],
    "properties": {
        "activity": {"type": "string"},
        "source": {"type": "string", "enum": ["recorded", "imported", "none"]},
        "columns": {"type": "array", "items": {"type": "object"}},
        "items": {"type": "array", "items": {"type": "string"}},
        "series": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "item": {"type": "string", "nullable": True},
                    "times": {"type": "array", "items": {"type": "number"}},
                    "values": {
                        "type": "array",
                        "items": {"type": "array", "items": {"type": "number", "nullable": True}},
                    },
                },
            },
        },
        "marks": {"type": "array", "items": {"type": "object"}},
    },
}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _common(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Responses every endpoint can give: not logged in, role too low (the security core answers those)."""
    out: dict[str, Any] = {
        "401": _json(_ERROR, "not logged in"),
        "403": _json(_ERROR, "role too low"),
    }
    out.update(extra or {})
    return out


def _get(
    summary: str, ok: dict[str, Any], params: list[dict[str, Any]] | None = None, bad: bool = False
) -> dict[str, Any]:
    responses = _common({"200": ok})
    if bad:
        responses["400"] = _json(_ERROR, "bad parameter (one line)")
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        op["parameters"] = params
    return {"get": op}


_OBJ = {"type": "object"}
_CACHE = {
    "type": "object",
    "required": ["servers", "page_cache"],
    "properties": {
        "servers": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["server", "error", "version", "hit_ratio", "verdict", "groups"],
                "properties": {
                    "server": {"type": "string"},
                    "error": {"type": "string", "nullable": True},
                    "version": {"type": "string", "nullable": True},
                    "hit_ratio": {"type": "number", "nullable": True},
                    "verdict": {"type": "object", "nullable": True},
                    "groups": {"type": "array", "items": _OBJ},
                },
            },
        },
        "page_cache": {"type": "object", "nullable": True},
    },
}


def document() -> dict[str, Any]:
    window = _WINDOW_PARAMS
    exports = {}
    for fmt, media, schema, what in (
        ("csv", "text/csv", {"type": "string"}, "sadf -d"),
        ("json", "application/json", _OBJ, "sadf -j"),
    ):
        ok = {
            "description": f"{what} of the selection, byte for byte",
            "content": {media: {"schema": schema}},
        }
        op = _get(f"{what} output of an activity", ok, [_ACTIVITY, *window, *_SELECT_PARAMS], bad=True)
        op["get"]["responses"]["404"] = _json(_ERROR, "no recorded samples in the range")
        exports[f"/api/v1/export/{{activity}}.{fmt}"] = op
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "hostward dashboard API",
            "version": "1",
            "description": "Read-only host data: the numbers hostward sar, sadf, oom and ntp print. "
            "Authentication: the dashboard's session cookie.",
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/openapi.json": _get("this document", _json(_OBJ)),
            "/api/v1/activities": _get(
                "the activities (sar reports)", _json({"type": "array", "items": _OBJ})
            ),
            "/api/v1/series/{activity}": _get(
                "an activity's series over a window",
                _json(_SERIES),
                [_ACTIVITY, *window, *_SELECT_PARAMS],
                bad=True,
            ),
            "/api/v1/pressure": _get("PSI stall percentages over a window", _json(_OBJ), window, bad=True),
            **exports,
            "/api/v1/timeline": _get(
                "restarts, comments, clock steps, guard actions and OOM kills", _json(_OBJ), window, bad=True
            ),
            "/api/v1/oom/top": _get("oom top: processes by OOM badness", _json(_OBJ)),
            "/api/v1/oom/kills": _get("oom report: kernel OOM kills with root cause", _json(_OBJ)),
            "/api/v1/oom/guard": _get("the OOM guard's actions of the last 7 days", _json(_OBJ)),
            "/api/v1/oom/protection": _get("protection rules and the processes they cover", _json(_OBJ)),
            "/api/v1/time/status": _get("ntp status: kernel clock and daemons", _json(_OBJ)),
            "/api/v1/time/sources": _get("ntp query of the configured servers", _json(_OBJ)),
            "/api/v1/cache": _get(
                "cache stats of the [cache] servers with their verdicts, and the page cache's own counters",
                _json(_CACHE),
            ),
            "/api/v1/live": {
                "get": {
                    "summary": "Server-Sent Events: one 'sample' event per interval",
                    "parameters": [
                        {
                            "name": "every",
                            "in": "query",
                            "schema": {"type": "number", "minimum": 1, "maximum": 60},
                        }
                    ],
                    "responses": _common(
                        {
                            "200": {
                                "description": "event stream",
                                "content": {"text/event-stream": {"schema": {"type": "string"}}},
                            },
                            "400": _json(_ERROR, "bad parameter"),
                        }
                    ),
                }
            },
        },
    }
