"""Live points for the dashboard (Server-Sent Events): what ``hostward sar INTERVAL`` prints, as JSON.

Each tick samples the system once (collect.sample_system, the sampler `sar` live mode uses) and computes every
activity's rows between this sample and the previous one with the activities' own ``rows`` functions.
A stream lives at most ``MAX_STREAM_SECONDS``: the browser's EventSource reconnects by itself, and the
reconnection passes through authentication and authorisation again, so an ended session stops the stream.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

from hostward.activities.base import Interval, uptime_cs
from hostward.collect.sample import SystemSample, sample_system
from hostward.errors import HostwardError
from hostward.procfs import ProcFS
from hostward.web.data import PAGE_ACTIVITIES

MAX_STREAM_SECONDS = 900.0
MIN_EVERY, MAX_EVERY = 1.0, 60.0


def rows_between(prev: SystemSample, cur: SystemSample) -> dict[str, dict[str, dict[str, float | None]]]:
    """{activity: {item ("" for none): {column name: value}}} for every activity with rows."""
    span = Interval(prev, cur, uptime_cs(cur) - uptime_cs(prev))
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    if span.itv_cs <= 0:
        return out
    for activity in PAGE_ACTIVITIES:
        try:
            rows = activity.rows(span)
        except (HostwardError, AttributeError, TypeError, ValueError, ZeroDivisionError):
            continue  # a source this sample lacks (e.g. the clock state outside the recorder)
        if not rows:
            continue
        out[activity.name] = {
            row.item or "": {
                c.name: (None if math.isnan(v) or math.isinf(v) else round(v, 4))
                for c, v in zip(activity.columns, row.values, strict=True)
            }
            for row in rows
        }
    return out


def event(name: str, payload: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n"


async def stream(
    every: float,
    sampler: Callable[[], SystemSample] | None = None,
    max_seconds: float = MAX_STREAM_SECONDS,
) -> AsyncIterator[str]:
    """SSE text: a ``retry`` hint, then one ``sample`` event per ``every`` seconds."""
    procfs = ProcFS()
    take = sampler or (lambda: sample_system(procfs))
    every = min(max(every, MIN_EVERY), MAX_EVERY)
    yield f"retry: {int(every * 1000)}\n\n"
    prev = await anyio.to_thread.run_sync(take)
    elapsed = 0.0
    while elapsed < max_seconds:
        await anyio.sleep(every)
        elapsed += every
        cur = await anyio.to_thread.run_sync(take)
        yield event("sample", {"time": round(cur.timestamp, 3), "activities": rows_between(prev, cur)})
        prev = cur
