"""``sar -f`` over a recording read as a stream (report/sar_stream.py, issue 17) prints byte for byte what the
report over the whole day prints: restarts, comments, -s/-e, -i, counts, header repetition, several reports;
and both compute only the columns sar -u prints."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.store.conftest import HOST, series, with_processes

from hostward.activities import BY_NAME
from hostward.activities.base import Activity, RowsOfFn
from hostward.frozen import replace
from hostward.report.formatting import ReportFormat
from hostward.report.sar_stream import render_stream
from hostward.report.sar_text import render_file
from hostward.report.selection import ReportOptions, Selected, TimeOfDay
from hostward.store import DataFileWriter, day_path
from hostward.store.model import CommentMark, DayData, RestartMark
from hostward.store.reader import read_file, stream_file

DAY = dt.date(2026, 11, 27)


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


@pytest.fixture
def day_file(tmp_path: Path) -> Path:
    samples = with_processes(series(40))
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST, keyframe_every=7) as writer:
        writer.write_sample(samples[0], carried=True)
        writer.write_comment(CommentMark(samples[0].timestamp + 1, "before the first sample"))
        for i, sample in enumerate(samples[1:], 1):
            if i in (6, 25):
                writer.write_comment(CommentMark(sample.timestamp - 1, f"note {i}"))
            if i in (15, 16, 30):  # a restart, one right after it (a segment of a single sample)
                writer.write_restart(RestartMark(sample.timestamp - 1, 3.0, HOST))
            writer.write_sample(sample)
        writer.write_restart(RestartMark(samples[-1].timestamp + 5, 3.0, HOST))  # a tail without samples
    return path


def _selected(*names: str) -> tuple[Selected, ...]:
    out = []
    for name in names:
        if name == "cpu-all":
            out.append(Selected(BY_NAME["cpu"], view="ALL", items=None))
        else:
            out.append(Selected(BY_NAME[name], items=frozenset({"all"}) if name == "cpu" else None))
    return tuple(out)


CASES = {
    "-u": ReportOptions(reports=_selected("cpu")),
    "-u ALL -P ALL": ReportOptions(reports=_selected("cpu-all")),
    "several": ReportOptions(reports=_selected("cpu", "queue", "memory", "paging", "disk", "net_dev")),
    "-C": ReportOptions(reports=_selected("cpu", "memory"), comments=True),
    "-s -e": ReportOptions(
        reports=_selected("cpu", "swap"), start=TimeOfDay(10, 1, 0), end=TimeOfDay(10, 5, 30), comments=True
    ),
    "-i 30": ReportOptions(reports=_selected("cpu", "io"), interval=30),
    "count 3": ReportOptions(reports=_selected("cpu", "queue"), count=3),
    # Comments after the last report's count print after it (Block.tail): notes 6 and 25 come after the counts.
    **{
        f"count {n} -C": ReportOptions(reports=_selected("cpu", "queue", "memory"), count=n, comments=True)
        for n in (1, 2, 3)
    },
    "rows 5": ReportOptions(reports=_selected("cpu-all", "memory"), rows=5, comments=True),
    "-p": ReportOptions(reports=_selected("disk", "net_dev"), pretty=True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_streamed_report_is_the_whole_days_report(day_file: Path, case: str) -> None:
    opts = CASES[case]
    whole = read_file(day_file, salvage=True, processes=False)
    with_previous = whole.entries
    if whole.previous is not None and opts.start is None and opts.end is None:
        with_previous = (whole.previous, *whole.entries)
    expected = "".join(render_file(DayData(whole.host, with_previous), opts, ReportFormat()))
    recording = stream_file(day_file, processes=False)
    entries = recording if opts.start or opts.end else itertools.chain((recording.previous,), recording)
    got = "".join(render_stream(recording.host, entries, opts, ReportFormat()))  # type: ignore[arg-type]
    assert got == expected
    assert expected.count("\n") > 10  # the case prints something


def test_nothing_but_marks_prints_them(tmp_path: Path) -> None:
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        writer.write_restart(RestartMark(1795773600.0, 3.0, HOST))
    whole = read_file(path)
    opts = ReportOptions(reports=_selected("cpu"))
    expected = "".join(render_file(whole, opts, ReportFormat()))
    assert "".join(render_stream(whole.host, iter(whole.entries), opts, ReportFormat())) == expected
    assert "LINUX RESTART" in expected
    assert "".join(render_stream(whole.host, iter(()), opts, ReportFormat())) == "".join(
        render_file(DayData(whole.host, ()), opts, ReportFormat())
    )


@pytest.mark.parametrize("items", [frozenset({"all"}), frozenset({"all", "0"}), frozenset({"1"})])
def test_the_whole_days_report_takes_the_view_rows_and_prints_what_all_rows_print(
    day_file: Path, items: frozenset[str]
) -> None:
    """sar -f with -C goes through render_file: like the stream, it computes only the columns the default CPU
    view prints (Activity.rows_of_view), and prints the bytes the thirteen shares of every row print."""
    cpu = BY_NAME["cpu"]
    assert cpu.rows_of_view is not None
    views: list[str] = []

    def spied(view: str) -> RowsOfFn:
        views.append(view)
        assert cpu.rows_of_view is not None
        return cpu.rows_of_view(view)

    whole = read_file(day_file, salvage=True, processes=False)
    data = DayData(whole.host, (whole.previous, *whole.entries) if whole.previous else whole.entries)

    def report(activity: Activity) -> str:
        selected = (Selected(activity, "", items, 1), Selected(BY_NAME["memory"]))
        return "".join(render_file(data, ReportOptions(reports=selected, comments=True), ReportFormat()))

    got = report(replace(cpu, rows_of_view=spied))
    assert views and set(views) == {""}  # each segment's CPU block took the default view's rows
    assert got == report(replace(cpu, rows_of_view=None))
    assert "COM note 6" in got and got.count("%user") == 3  # a header a segment


@pytest.mark.parametrize("restart", [False, True])
def test_comments_after_e_print_after_the_last_block(tmp_path: Path, restart: bool) -> None:
    """-e stops each block at the first sample past it; sar then reads on to the restart for comments, as after
    a count (engine.Block.tail). Past -e, only a comment from a clock set back is in the window: both paths
    print it after the Average: rows. The restart past -e is not printed; a comment set back after it is, as
    sar's search for the next segment's first sample in the window prints it."""
    samples = series(8)
    path = day_path(tmp_path, DAY)
    end = time.gmtime(samples[3].timestamp)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples[:6]:
            writer.write_sample(sample)
        writer.write_comment(CommentMark(samples[5].timestamp + 1, "after, past -e"))
        writer.write_comment(CommentMark(samples[2].timestamp, "clock set back"))
        if restart:
            writer.write_restart(RestartMark(samples[6].timestamp - 1, 3.0, HOST))
            writer.write_comment(CommentMark(samples[1].timestamp, "after the restart"))
        for sample in samples[6:]:
            writer.write_sample(sample)
    opts = ReportOptions(
        reports=_selected("cpu", "queue"), end=TimeOfDay(end.tm_hour, end.tm_min, end.tm_sec), comments=True
    )
    whole = read_file(path)
    expected = "".join(render_file(whole, opts, ReportFormat()))
    got = "".join(render_stream(whole.host, iter(whole.entries), opts, ReportFormat()))
    assert got == expected
    lines = [line for line in expected.splitlines() if line]
    tail = lines[lines.index(next(line for line in lines if "COM clock set back" in line)) - 1 :]
    assert tail[0].startswith("Average:")
    assert [line.split(maxsplit=1)[1] for line in tail[1:]] == ["COM clock set back"] + (
        ["COM after the restart"] if restart else []
    )
