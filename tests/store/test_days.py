"""Day files, ranges over several days, and retention/compression with an injected date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.store.conftest import HOST, series

from hostward.collect.sample import SystemSample
from hostward.errors import StoreError
from hostward.store import DataFileWriter, RestartMark, day_path, housekeep, read_day, read_file, read_range
from hostward.store.paths import day_parts


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def at(sample: SystemSample, when: dt.datetime) -> SystemSample:
    return dataclasses.replace(sample, timestamp=when.replace(tzinfo=dt.UTC).timestamp())


def write_day(
    data_dir: Path, day: dt.date, samples: list[SystemSample], carried: SystemSample | None = None
) -> Path:
    path = day_path(data_dir, day)
    with DataFileWriter.open(path, day, HOST) as writer:
        if carried is not None:
            writer.write_sample(carried, carried=True)
        for sample in samples:
            writer.write_sample(sample)
    return path


def test_day_path_and_missing_day(tmp_path: Path) -> None:
    assert day_path(tmp_path, dt.date(2026, 1, 2)) == tmp_path / "hw20260102"
    with pytest.raises(StoreError, match=f"no data recorded for 2026-01-02 in {tmp_path}"):
        read_day(tmp_path, dt.date(2026, 1, 2))


def test_read_range_merges_days_and_keeps_a_predecessor(tmp_path: Path) -> None:
    s = series(6)
    d1, d2 = dt.date(2026, 11, 26), dt.date(2026, 11, 27)
    day1 = [at(s[0], dt.datetime(2026, 11, 26, 23, 59, 40)), at(s[1], dt.datetime(2026, 11, 26, 23, 59, 50))]
    day2 = [
        at(x, dt.datetime(2026, 11, 27, 0, 0, 0) + dt.timedelta(seconds=10 * i)) for i, x in enumerate(s[2:])
    ]
    write_day(tmp_path, d1, day1)
    write_day(tmp_path, d2, day2, carried=day1[-1])
    assert read_day(tmp_path, d2).previous == day1[-1]

    whole = read_range(tmp_path, dt.datetime(2026, 11, 26, 0, 0), dt.datetime(2026, 11, 27, 23, 59))
    assert whole.entries == (*day1, *day2)  # the carried copy is not repeated
    assert whole.previous is None and whole.host == HOST

    window = read_range(tmp_path, dt.datetime(2026, 11, 26, 23, 59, 45), dt.datetime(2026, 11, 27, 0, 0, 15))
    assert window.entries == (day1[1], day2[0], day2[1])
    assert window.previous == day1[0]  # the sample just before `since`, for the first rate

    aware = read_range(
        tmp_path,
        dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        dt.datetime(2026, 11, 27, 0, 0, 25, tzinfo=dt.UTC),
    )
    assert aware.entries == (day2[0], day2[1], day2[2])

    with pytest.raises(StoreError, match="no data recorded between"):
        read_range(tmp_path, dt.datetime(2026, 12, 1), dt.datetime(2026, 12, 2))
    with pytest.raises(StoreError, match="empty time range"):
        read_range(tmp_path, dt.datetime(2026, 12, 2), dt.datetime(2026, 12, 1))


def test_restart_before_since_drops_the_predecessor(tmp_path: Path) -> None:
    s = series(3)
    day = dt.date(2026, 11, 27)
    path = day_path(tmp_path, day)
    with DataFileWriter.open(path, day, HOST) as writer:
        writer.write_sample(at(s[0], dt.datetime(2026, 11, 27, 8, 0)))
        writer.write_restart(RestartMark(at(s[1], dt.datetime(2026, 11, 27, 8, 5)).timestamp, 3.0, HOST))
        writer.write_sample(at(s[2], dt.datetime(2026, 11, 27, 9, 0)))
    data = read_range(tmp_path, dt.datetime(2026, 11, 27, 8, 30), dt.datetime(2026, 11, 27, 10, 0))
    assert data.previous is None and len(data.entries) == 1


def test_moved_aside_parts_are_read_first(tmp_path: Path) -> None:
    s = series(4)
    day = dt.date(2026, 11, 27)
    path = write_day(tmp_path, day, s[:2])
    path.rename(path.with_name(path.name + ".1"))
    write_day(tmp_path, day, s[2:])
    assert [p.name for p in day_parts(tmp_path, day)] == ["hw20261127.1", "hw20261127"]
    assert read_day(tmp_path, day).entries == tuple(s)


def test_housekeeping_compresses_and_removes_by_file_date(tmp_path: Path) -> None:
    today = dt.date(2026, 11, 27)
    s = series(3)
    paths = {
        age: write_day(tmp_path, today - dt.timedelta(days=age), s) for age in (0, 1, 10, 11, 28, 29, 40)
    }
    (tmp_path / "unrelated.txt").write_text("keep me")
    expected = {age: read_file(p) for age, p in paths.items()}

    result = housekeep(tmp_path, today, retention_days=28, compress_after_days=10)

    assert sorted(p.name for p in result.removed) == ["hw20261018", "hw20261029"]
    assert sorted(p.name for p in result.compressed) == ["hw20261030.xz", "hw20261116.xz"]
    assert result.errors == []
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "hw20261030.xz",
        "hw20261116.xz",
        "hw20261117",
        "hw20261126",
        "hw20261127",
        "unrelated.txt",
    ]
    for age in (0, 1, 10, 11, 28):
        assert read_day(tmp_path, today - dt.timedelta(days=age)) == expected[age]
    compressed = (tmp_path / "hw20261116.xz").stat().st_size
    assert compressed < paths[0].stat().st_size

    # idempotent, and 0 disables both steps
    assert housekeep(tmp_path, today, 28, 10).compressed == []
    assert housekeep(tmp_path, today + dt.timedelta(days=400), 0, 0).removed == []


def test_housekeeping_of_missing_directory_is_a_no_op(tmp_path: Path) -> None:
    assert housekeep(tmp_path / "nope", dt.date(2026, 1, 1), 28, 10).removed == []


def test_file_from_different_collectors_is_continued_in_a_new_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an upgrade that changed the collectors mid-day, the day goes on in a new file; both are read."""
    from hostward.store import CommentMark
    from hostward.store import writer as writer_module
    from hostward.store.schema import SCHEMA

    day = dt.date(2026, 11, 27)
    path = day_path(tmp_path, day)
    older = {**SCHEMA, "vmstat": (*SCHEMA["vmstat"], "counter_of_the_past")}
    with monkeypatch.context() as patch:
        patch.setattr(writer_module, "current_schema", lambda: older)
        with DataFileWriter.open(path, day, HOST) as old_writer:
            old_writer.write_comment(CommentMark(1.0, "before the upgrade"))
    sample = series(1)[0]
    with DataFileWriter.open(path, day, HOST) as writer:
        writer.write_sample(sample)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hw20261127", "hw20261127.1"]
    assert read_day(tmp_path, day).entries == (CommentMark(1.0, "before the upgrade"), sample)
