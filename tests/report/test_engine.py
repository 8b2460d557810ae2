"""The walk over recorded entries (report.engine) and the text renderer on synthetic samples: segments at
restarts, -s/-e, -i resampling (sa_common.c next_slice), counts, sar's header-repetition rule, averages."""

from __future__ import annotations

import calendar
import dataclasses
import time
from collections.abc import Iterator

import pytest

from hostward.activities import BY_NAME
from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.host import HostInfo
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.sample import SystemSample
from hostward.report.engine import Average, Header, Rows, Slicer, Tail, block, segments
from hostward.report.formatting import C_FORMAT
from hostward.report.sar_text import LiveReport, render_file
from hostward.report.selection import ReportOptions, Selected, TimeOfDay
from hostward.store.model import CommentMark, DayData, RestartMark

T0 = calendar.timegm((2026, 11, 27, 8, 0, 0))
HOST = HostInfo("Linux", "6.1.0", "h", "x86_64", 1)
QUEUE = Selected(BY_NAME["queue"])
TASKS = Selected(BY_NAME["tasks"])


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def sample(seconds: float, *, forks: int = 0, running: int = 1, load1: float = 0.0) -> SystemSample:
    """A sample ``seconds`` after T0 (uptime 100 + seconds); forks is the cumulative fork counter."""
    cpu = CpuTimes(user=int(seconds * 100))
    return SystemSample(
        timestamp=T0 + seconds,
        uptime_seconds=100.0 + seconds,
        cpu=CpuStat(cpu, (cpu,), 0, forks, running, 0, 0, 0),
        load=LoadAvg(load1, 0.0, 0.0, running, 100, 1),
        memory=MemInfo(mem_total_kb=1000),
        vmstat=VmStat(),
        disks=(),
        nets=(),
        pressure=None,
    )


def rows_of(events: list[object]) -> list[tuple[float, tuple[float, ...]]]:
    return [(e.span.curr.timestamp - T0, e.rows[0].values) for e in events if isinstance(e, Rows)]


def test_restart_splits_segments_and_no_rate_crosses_it() -> None:
    entries = (
        sample(0, forks=0),
        sample(10, forks=100),
        RestartMark(T0 + 15, 1.0, HOST),
        sample(20, forks=5),  # counters restarted: this is the new reference
        sample(30, forks=35),
    )
    parts = segments(entries, ReportOptions((TASKS,)))
    assert len(parts) == 2
    first, second = parts
    assert not isinstance(first, Tail) and not isinstance(second, Tail)
    assert first.restart is entries[2] and second.reference is entries[3]
    assert rows_of(list(block(first, TASKS, ReportOptions((TASKS,))))) == [(10, (10.0, 0.0))]
    assert rows_of(list(block(second, TASKS, ReportOptions((TASKS,))))) == [(30, (3.0, 0.0))]


def test_start_and_end_choose_reference_and_last_row() -> None:
    entries = tuple(sample(s, forks=s * 2) for s in range(0, 60, 10))  # 08:00:00 .. 08:00:50
    opts = ReportOptions((TASKS,), start=TimeOfDay(8, 0, 15), end=TimeOfDay(8, 0, 40))
    (part,) = segments(entries, opts)
    assert not isinstance(part, Tail)
    assert part.reference.timestamp == T0 + 20  # first sample at or after -s
    events = list(block(part, TASKS, opts))
    assert [t for t, _ in rows_of(events)] == [30, 40]  # -e is inclusive for rows
    average = next(e for e in events if isinstance(e, Average))
    assert average.rows[0].values == (2.0, 0.0)


def test_slicer_keeps_records_near_multiples_of_the_interval() -> None:
    # 1 s samples resampled at 3 s keep every third one, counted from the reference (next_slice).
    slicer = Slicer(3, 10_000)
    kept = [s for s in range(1, 10) if slicer.keep(10_000 + s * 100)]
    assert kept == [3, 6, 9]
    # 10 s samples at -i 60: the record within half an interval of each minute.
    slicer = Slicer(60, 0)
    assert [s for s in range(10, 130, 10) if slicer.keep(s * 100)] == [60, 120]


def test_resampled_rates_span_the_kept_records() -> None:
    entries = tuple(sample(s, forks=s * s) for s in range(7))
    opts = ReportOptions((TASKS,), interval=3)
    (part,) = segments(entries, opts)
    assert not isinstance(part, Tail)
    assert rows_of(list(block(part, TASKS, opts))) == [(3, (3.0, 0.0)), (6, (9.0, 0.0))]


def test_count_limits_rows_per_segment() -> None:
    entries = tuple(sample(s) for s in range(6))
    opts = ReportOptions((TASKS,), count=2)
    (part,) = segments(entries, opts)
    assert not isinstance(part, Tail)
    assert [t for t, _ in rows_of(list(block(part, TASKS, opts)))] == [1, 2]


def test_header_repeats_every_rows_lines_and_before_average_when_it_wraps() -> None:
    entries = tuple(sample(s) for s in range(5))  # 4 rows
    opts = ReportOptions((TASKS,), rows=2)
    (part,) = segments(entries, opts)
    assert not isinstance(part, Tail)
    kinds = [type(e).__name__ for e in block(part, TASKS, opts)]
    assert kinds == ["Header", "Rows", "Rows", "Header", "Rows", "Rows", "Average"]
    average = next(e for e in block(part, TASKS, opts) if isinstance(e, Average))
    assert average.header  # after 4 rows the count wrapped: sar prints a header before Average:
    assert isinstance(next(iter(block(part, TASKS, opts))), Header)


def test_gauge_average_is_the_mean_of_displayed_rows() -> None:
    entries = (sample(0, running=1), sample(1, running=3, load1=0.5), sample(2, running=4, load1=1.0))
    text = "".join(render_file(DayData(HOST, entries), ReportOptions((QUEUE,)), C_FORMAT))
    # runq-sz excludes the reader: 2 and 3, mean 2.5 printed "%9.0f" (round half to even: 2)
    assert text.splitlines()[-1] == "Average:            2       100      0.75      0.00      0.00         0"


def test_comments_need_dash_c_and_restarts_always_print() -> None:
    entries = (
        sample(0),
        CommentMark(T0 + 1, "hello"),
        sample(2),
        RestartMark(T0 + 3, 1.0, HOST),
        sample(4),
        sample(5),
    )
    plain = "".join(render_file(DayData(HOST, entries), ReportOptions((TASKS,)), C_FORMAT))
    with_c = "".join(render_file(DayData(HOST, entries), ReportOptions((TASKS,), comments=True), C_FORMAT))
    assert "COM" not in plain
    assert "08:00:01     COM hello\n" in with_c
    assert "\n08:00:03     LINUX RESTART\t(1 CPU)\n" in plain


def test_data_without_samples_in_window_prints_only_the_banner() -> None:
    entries = (sample(0), sample(1))
    text = "".join(
        render_file(DayData(HOST, entries), ReportOptions((TASKS,), start=TimeOfDay(9, 0, 0)), C_FORMAT)
    )
    assert text == "Linux 6.1.0 (h) \t11/27/26 \t_x86_64_\t(1 CPU)\n"


def test_live_report_headers_once_for_one_report_and_every_sample_for_two() -> None:
    first = sample(0)
    one = LiveReport(HOST, ReportOptions((TASKS,)), C_FORMAT, first)
    lines = [one.sample(sample(s, forks=s)) for s in (1, 2)]
    assert lines[0].startswith("\n08:00:00       proc/s") and "proc/s" not in lines[1]
    assert one.average() == "Average:         1.00      0.00\n"
    two = LiveReport(HOST, ReportOptions((TASKS, QUEUE)), C_FORMAT, first)
    chunks = [two.sample(sample(s)) for s in (1, 2)]
    assert all(c.count("proc/s") == 1 and c.count("runq-sz") == 1 for c in chunks)
    assert two.average() == (
        "\nAverage:       proc/s   cswch/s\nAverage:         0.00      0.00\n"
        "\nAverage:      runq-sz  plist-sz   ldavg-1   ldavg-5  ldavg-15   blocked\n"
        "Average:            0       100      0.00      0.00      0.00         0\n"
    )


def test_samples_with_nothing_to_report_are_skipped_like_sar() -> None:
    disk = Selected(BY_NAME["disk"])
    entries = (sample(0), sample(1))
    text = "".join(render_file(DayData(HOST, entries), ReportOptions((disk,)), C_FORMAT))
    assert text.count("\n") == 1  # banner only: no device did any I/O


def test_cpu_going_offline_is_hidden_and_counted_as_idle_time_for_nobody() -> None:
    two = (CpuTimes(user=100, idle=100), CpuTimes(user=100, idle=100))
    later = (CpuTimes(user=150, idle=150), None)
    prev = dataclasses.replace(sample(0), cpu=CpuStat(CpuTimes(), two, 0, 0, 1, 0, 0, 0))
    curr = dataclasses.replace(sample(1), cpu=CpuStat(CpuTimes(), later, 0, 0, 1, 0, 0, 0))
    from hostward.activities.base import Interval

    rows = BY_NAME["cpu"].rows(Interval(prev, curr, 100))
    assert [r.item for r in rows] == ["all", "0"]
    assert rows[0].values[0] == 50.0 and rows[0].values[-1] == 50.0
