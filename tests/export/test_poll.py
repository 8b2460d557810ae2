"""Slow sources are served from their last poll: a scrape never waits on them."""

from __future__ import annotations

import threading
from pathlib import Path

from prometheus_client import CollectorRegistry

from hostward.errors import ProbeTimeout
from hostward.export.exposition import render
from hostward.export.hostward import HostwardCollector, OomKills, RecorderState
from hostward.export.poll import Poller


def test_a_hung_source_does_not_hold_up_the_scrape(tmp_path: Path) -> None:
    release = threading.Event()
    calls: list[int] = []

    def hung() -> RecorderState:
        calls.append(1)
        release.wait(30)  # a source that hangs (dead NFS, peer that never answers)
        return RecorderState(5, 1000.0)

    def failing() -> OomKills:
        raise ProbeTimeout("kernel log: timed out")

    recorder: Poller[RecorderState] = Poller("recorder", hung, 3600, clock=lambda: 2000.0)
    oom: Poller[OomKills] = Poller("kernel_log", failing, 3600)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HostwardCollector(tmp_path, oom=oom, recorder=recorder))
    recorder.start()
    oom.poll_once()
    try:
        text = render(registry).decode()  # the poll is still hanging: served at once, marked as never polled
        assert 'hostward_source_last_poll_timestamp_seconds{source="recorder"} 0' in text
        assert 'hostward_source_up{source="kernel_log"} 0' in text
        assert "hostward_recorder_samples_today" not in text
        assert "# TYPE hostward_oom_kills_total counter" in text  # the family is there, with no series yet
    finally:
        release.set()
        recorder.stop()
    for _ in range(200):
        if recorder.latest().timestamp:
            break
        threading.Event().wait(0.05)
    text = render(registry).decode()
    assert 'hostward_source_last_poll_timestamp_seconds{source="recorder"} 2000' in text
    assert "hostward_recorder_samples_today 5" in text
    assert calls == [1]


def test_polling_pauses_while_nobody_scrapes_and_resumes() -> None:
    polls: list[int] = []
    poller: Poller[int] = Poller("x", lambda: polls.append(1) or len(polls), 0.01)
    poller._last_read -= 1000  # as if the last scrape was long ago
    poller.start()
    try:
        for _ in range(400):
            if polls:
                break
            threading.Event().wait(0.01)
        threading.Event().wait(0.2)  # twenty intervals, all idle
        assert len(polls) == 1  # the first poll only
        poller.latest()  # a scrape
        for _ in range(400):
            if len(polls) > 1:
                break
            threading.Event().wait(0.01)
        assert len(polls) > 1
    finally:
        poller.stop()
