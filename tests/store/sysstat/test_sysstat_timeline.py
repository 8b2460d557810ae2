"""Days crossing midnight and files of several days merge into one timeline; re-imports add nothing."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import FIXTURES
from tests.store.conftest import HOST, series

from hostward.collect.sample import SystemSample
from hostward.store import read_day, read_range
from hostward.store.model import Entry, RestartMark
from hostward.store.sysstat import import_files, read_imported
from hostward.store.sysstat.day_merge import merge_entries


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_text_crossing_midnight_lands_on_two_days(tmp_path: Path) -> None:
    done = import_files([FIXTURES / "import" / "midnight-C.txt"], tmp_path)
    assert done[0].days == (dt.date(2026, 11, 26), dt.date(2026, 11, 27))
    assert "queue: columns newcol kept" in done[0].skipped
    first = read_imported(tmp_path, dt.date(2026, 11, 26))
    second = read_imported(tmp_path, dt.date(2026, 11, 27))
    assert first is not None and second is not None
    assert [r.timestamp % 86400 for r in first.rows if r.activity == "cpu"] == [86380.0, 86390.0]
    cpu = [r for r in second.rows if r.activity == "cpu" and not r.average]
    assert [r.timestamp % 86400 for r in cpu] == [0.0, 10.0, 40.0, 50.0]
    assert [t % 86400 for t in second.restarts] == [20.0]
    assert dict(next(r for r in second.rows if r.activity == "queue").values)["newcol"] == 7.0


def test_samples_of_several_files_merge_in_time_order(tmp_path: Path) -> None:
    # 20 samples 10 s apart ending after midnight, imported as two overlapping "files" in reverse order.
    samples = series(20, step=10.0)
    shift = dt.datetime(2026, 11, 28).timestamp() - 100 - samples[0].timestamp
    moved = [
        s.__class__(**{**{f: getattr(s, f) for f in s.__slots__}, "timestamp": s.timestamp + shift})
        for s in samples
    ]  # type: ignore[attr-defined]
    late: list[Entry] = list(moved[8:])
    early: list[Entry] = [*moved[:12], RestartMark(moved[0].timestamp - 1, 1.0, HOST)]
    first = merge_entries(tmp_path, HOST, late)
    second = merge_entries(tmp_path, HOST, early)
    assert (first.added, second.added, second.skipped) == (12, 9, 4)
    assert second.days == (dt.date(2026, 11, 27), dt.date(2026, 11, 28))
    day1 = read_day(tmp_path, dt.date(2026, 11, 27))
    stamps = [e.timestamp for e in day1.entries]
    assert stamps == sorted(stamps) and isinstance(day1.entries[0], RestartMark)
    whole = read_range(tmp_path, dt.datetime(2026, 11, 27, 23, 0), dt.datetime(2026, 11, 28, 1, 0))
    got = [e.timestamp for e in whole.entries if isinstance(e, SystemSample)]
    assert got == [s.timestamp for s in moved]
    assert merge_entries(tmp_path, HOST, [*early, *late]).added == 0
