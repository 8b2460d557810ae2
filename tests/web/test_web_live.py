"""Live points: the rows `sar INTERVAL` prints, between two real samples, as Server-Sent Events."""

from __future__ import annotations

import json
import time

import anyio

from hostward.activities import BY_NAME
from hostward.activities.base import Interval, uptime_cs
from hostward.collect.sample import SystemSample, sample_system
from hostward.procfs import ProcFS
from hostward.web import live


def _two() -> tuple[SystemSample, SystemSample]:
    procfs = ProcFS()
    first = sample_system(procfs)
    time.sleep(0.3)
    return first, sample_system(procfs)


def test_rows_are_the_activities_rows() -> None:
    prev, cur = _two()
    got = live.rows_between(prev, cur)
    span = Interval(prev, cur, uptime_cs(cur) - uptime_cs(prev))
    want = {r.item: r.values for r in BY_NAME["cpu"].rows(span)}
    assert set(got["cpu"]) == set(want)
    for i, column in enumerate(BY_NAME["cpu"].columns):
        assert got["cpu"]["all"][column.name] == round(want["all"][i], 4)
    assert "" in got["queue"] and got["memory"][""]["%memused"] is not None
    assert live.rows_between(cur, cur) == {}  # no interval, no rate


def test_stream_sends_sample_events() -> None:
    procfs = ProcFS()

    async def collect() -> list[str]:
        out = []
        async for chunk in live.stream(1.0, lambda: sample_system(procfs), max_seconds=2.0):
            out.append(chunk)
        return out

    chunks = anyio.run(collect)
    assert chunks[0] == "retry: 1000\n\n"
    events = [c for c in chunks[1:] if c.startswith("event: sample\n")]
    assert len(events) == 2
    payload = json.loads(events[0].split("data: ", 1)[1])
    assert payload["time"] > 0 and "all" in payload["activities"]["cpu"]
