"""JSON of ``hostward cache``: the same figures, rows and verdicts as the text, plus the raw replies."""

from __future__ import annotations

import dataclasses
from typing import Any

from hostward.cache.counters import Interval
from hostward.cache.explain import explain_settings, explain_stats
from hostward.cache.health import EXIT_CODES, CacheHealth


def verdict_json(health: CacheHealth | None) -> dict[str, Any]:
    if health is None or health.verdict is None:
        return {
            "level": "error",
            "exit_status": EXIT_CODES["error"],
            "summary": health.error if health else None,
        }
    v = health.verdict
    return {
        "level": v.level,
        "exit_status": EXIT_CODES[v.level],
        "summary": v.summary,
        "window": v.window,
        "findings": [dataclasses.asdict(f) for f in v.findings],
    }


def health_json(health: CacheHealth, command: str) -> dict[str, Any]:
    """One server: ``figures`` (stats), ``slabs`` or ``settings`` by command, ``raw`` replies, ``verdict``."""
    body: dict[str, Any] = {"server": health.server, "error": health.error}
    if health.stats is None:
        return body | {"verdict": verdict_json(health)}
    body["fetched_at"] = health.stats.fetched_at
    if command == "stats":
        body["figures"] = {
            fig.key: fig.value for group in explain_stats(health.stats.fields) for fig in group.figures
        }
        body["raw"] = health.stats.fields
    elif command == "slabs" and health.slabs is not None:
        body["slabs"] = [dataclasses.asdict(c) | {"full": c.full} for c in health.slabs.classes]
        body["active_slabs"] = health.slabs.active_slabs
        body["total_malloced_bytes"] = health.slabs.total_malloced_bytes
        body["raw"] = health.slabs_raw
    elif command == "settings" and health.settings is not None:
        body["settings"] = {fig.key: fig.value for fig in explain_settings(health.settings)}
    body["verdict"] = verdict_json(health)
    return body


def interval_json(stamp: float, health: CacheHealth | None, step: Interval | None) -> dict[str, Any]:
    """One --interval row: rates per second (None: unknown or reset) and the gauges at that moment."""
    if health is None or step is None or health.stats is None:
        return {"time": stamp, "server": health.server if health else None, "error": health and health.error}
    f = health.stats.fields
    return {
        "time": stamp,
        "server": health.server,
        "seconds": step.seconds,
        "since_start": step.since_start,
        "restart": step.restart,
        "resets": list(step.resets),
        "rates": {name: rate.per_second for name, rate in step.rates.items()},
        "hit_ratio": step.hit_ratio,
        "curr_items": f.get("curr_items"),
        "bytes": f.get("bytes"),
        "limit_maxbytes": f.get("limit_maxbytes"),
        "curr_connections": f.get("curr_connections"),
        "pid": f.get("pid"),
    }
