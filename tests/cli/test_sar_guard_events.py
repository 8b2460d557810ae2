"""`hostward sar -C` shows the OOM guard's actions as comments at their time, names escaped."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hostward.cli.sar import with_guard_events
from hostward.collect.host import HostInfo
from hostward.collect.sample import sample_system
from hostward.oom.guard.events import GuardEvent, append_event, events_path
from hostward.procfs import ProcFS
from hostward.store.model import CommentMark, DayData


def day_of_three_samples() -> DayData:
    base = sample_system(ProcFS())
    samples = [dataclasses.replace(base, timestamp=1000.0 + 10 * i) for i in range(3)]
    return DayData(HostInfo("Linux", "6.1", "h", "x86_64", 2), tuple(samples))


def test_signal_events_become_comments_in_time_order(tmp_path: Path) -> None:
    data = day_of_three_samples()
    path = events_path(tmp_path)
    append_event(
        path,
        GuardEvent(
            time=1015.0, kind="signal", reason="low", pid=7, comm="h\x1b[2Jog", badness=9, signal="SIGKILL"
        ),
    )
    append_event(path, GuardEvent(time=1016.0, kind="trigger", reason="not a report line"))
    append_event(path, GuardEvent(time=5000.0, kind="signal", reason="outside the range", pid=8))

    merged = with_guard_events(data, tmp_path)

    comments = [(i, e) for i, e in enumerate(merged.entries) if isinstance(e, CommentMark)]
    assert len(comments) == 1
    index, mark = comments[0]
    assert index == 2  # after the samples at 1000 and 1010, before 1020
    assert mark.text.startswith("hostward oom guard: signal SIGKILL pid 7 (h\\e[2Jog) badness 9: low")
    assert "\x1b" not in mark.text


def test_no_events_file_leaves_the_data_alone(tmp_path: Path) -> None:
    data = day_of_three_samples()
    assert with_guard_events(data, tmp_path) is data
