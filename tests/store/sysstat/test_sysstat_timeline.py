"""Days crossing midnight and files of several days merge into one timeline; re-imports add nothing."""

from __future__ import annotations

import datetime as dt
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
def _utc(utc: None) -> None:
    """Every test here runs in UTC (tests/conftest.py)."""


def test_text_crossing_midnight_lands_on_two_days(tmp_path: Path) -> None:
    done = import_files([FIXTURES / "import" / "midnight-C.txt"], tmp_path)
    assert done[0].days == (dt.date(2026, 11, 26), dt.date(2026, 11, 27))
    assert "kept: queue: columns newcol" in done[0].skipped
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


def test_sar_hook_prints_imported_text_history(tmp_path: Path) -> None:
    from hostward.cli.import_ import imported_report
    from hostward.cli.sar_args import parse_sar_args
    from hostward.report.formatting import ReportFormat

    import_files([FIXTURES / "import" / "midnight-C.txt"], tmp_path)
    args = parse_sar_args(["-q", "--data-dir", str(tmp_path), "--date", "2026-11-26"])
    text = imported_report(args, ReportFormat(), 10000)
    assert text is not None
    lines = "".join(text).splitlines()
    assert lines[0] == "Linux 6.1.0-13-amd64 (db1) \t11/26/26 \t_x86_64_\t(2 CPU)"
    assert lines[2].split() == [
        "23:59:30",
        "runq-sz",
        "plist-sz",
        "ldavg-1",
        "ldavg-5",
        "ldavg-15",
        "blocked",
    ]
    assert lines[3] == "23:59:40            1       200      0.10      0.20      0.30         0"
    nothing = parse_sar_args(["--data-dir", str(tmp_path), "--date", "2026-01-01"])
    assert imported_report(nothing, ReportFormat(), 10000) is None


def test_import_command_reports_what_it_stored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hostward.cli.import_ import run
    from hostward.errors import UsageError

    text = FIXTURES / "import" / "midnight-C.txt"
    assert run(["--data-dir", str(tmp_path), str(text)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{text}: sar-text (13 rows): 13 new, 0 already stored; 2026-11-26, 2026-11-27"
    assert "  kept: queue: columns newcol" in out
    assert run(["--data-dir", str(tmp_path), str(text)]) == 0
    assert ": 0 new, 13 already stored;" in capsys.readouterr().out
    with pytest.raises(UsageError, match="no file to import"):
        run(["--data-dir", str(tmp_path)])
    with pytest.raises(UsageError, match="unknown option '--bogus'"):
        run(["--bogus", str(text)])
