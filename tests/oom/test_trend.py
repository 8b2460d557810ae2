"""The trend before an OOM kill (oom.trend) on hand-built recordings: exact numbers for the memory trend and the
growing processes, the notes when nothing covers the event, the event's time from every log stamp format, and
the report/JSON/CLI wiring on a real data file."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import io
import json
import time
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from hostward.cli.oom import run
from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.host import HostInfo
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.procs import ProcessInfo
from hostward.collect.sample import SystemSample
from hostward.oom.kernlog.oomevent import OomEvent, Victim
from hostward.oom.kernlog.report import event_json, render_event
from hostward.oom.kernlog.trend import (
    EventTime,
    EventTrend,
    NoTrend,
    TrendLoader,
    compute_trend,
    event_time,
    parse_wall_time,
)
from hostward.oom.kernlog.trendtext import render_trend
from hostward.store import CommentMark, DataFileWriter, DayData, RestartMark, day_path, paths

FIXTURES = Path(__file__).parent.parent / "fixtures" / "oom"
HOST = HostInfo("Linux", "6.18.0-test", "h", "x86_64", 2)
MIB = 1 << 20
KILL = calendar.timegm((2026, 11, 27, 8, 10, 0))  # the OOM kill, 08:10:00 UTC
AT = EventTime(KILL, False, "log")


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def proc(pid: int, comm: str, rss_mib: float, start_ticks: int = 1000) -> ProcessInfo:
    return ProcessInfo(
        pid=pid,
        ppid=1,
        comm=comm,
        state="S",
        cmdline=(f"/usr/bin/{comm}", "--serve"),
        uid=0,
        user="root",
        kernel_thread=False,
        has_mm=True,
        rss_bytes=int(rss_mib * MIB),
        swap_bytes=0,
        pgtables_bytes=4096,
        vm_size_bytes=int(rss_mib * MIB) * 2,
        oom_score_adj=0,
        oom_score=667,
        start_ticks=start_ticks,
        cap_sys_admin=True,
        cap_sys_resource=False,
    )


def sample(
    seconds: float,
    procs: tuple[ProcessInfo, ...] = (),
    *,
    mem_available_kb: int = 0,
    mem_free_kb: int = 0,
    cached_kb: int = 0,
    anon_pages_kb: int = 0,
    swap_total_kb: int = 0,
    swap_free_kb: int = 0,
) -> SystemSample:
    """A sample ``seconds`` after 08:00:00 UTC; uptime 5000 + seconds."""
    cpu = CpuTimes()
    return SystemSample(
        timestamp=KILL - 600 + seconds,
        uptime_seconds=5000.0 + seconds,
        cpu=CpuStat(cpu, (cpu,), 0, 0, 1, 0, 0, 0),
        load=LoadAvg(0.0, 0.0, 0.0, 1, 100, 1),
        memory=MemInfo(
            mem_total_kb=8_000_000,
            mem_available_kb=mem_available_kb,
            mem_free_kb=mem_free_kb,
            cached_kb=cached_kb,
            anon_pages_kb=anon_pages_kb,
            swap_total_kb=swap_total_kb,
            swap_free_kb=swap_free_kb,
        ),
        vmstat=VmStat(),
        disks=(),
        nets=(),
        pressure=None,
        top_processes=procs,
    )


def half_minute(k: int) -> SystemSample:
    """The k-th sample of a recording every 30 s from 08:00:00: "leaky" (pid 100) grows 50 MiB/min, "steady"
    (pid 200) holds 300 MiB, "newcomer" (pid 300) enters at 08:05:00 with 20 MiB and grows 10 MiB/min;
    MemAvailable falls 50 MiB/min, swap use rises 1 MiB/min."""
    procs = [proc(100, "leaky", 100 + 25 * k), proc(200, "steady", 300)]
    if k >= 10:
        procs.append(proc(300, "newcomer", 20 + 5 * (k - 10), start_ticks=9000))
    return sample(
        30 * k,
        tuple(procs),
        mem_available_kb=2_000_000 - 25_600 * k,
        mem_free_kb=1_000_000 - 5_120 * k,
        cached_kb=500_000 - 10_240 * k,
        anon_pages_kb=400_000 + 25_600 * k,
        swap_total_kb=1_048_576,
        swap_free_kb=1_048_576 - 512 * k,
    )


def recording() -> DayData:
    """08:00:00 to 08:09:00 every 30 s, plus one sample before the window, one after the kill (the leaky process
    gone, memory back) and marks that are not samples."""
    entries: list[Any] = [sample(-60, (proc(100, "leaky", 1),), mem_available_kb=1)]  # 07:59, outside
    entries += [half_minute(k) for k in range(19)]
    entries.insert(5, CommentMark(KILL - 480, "deployed"))
    entries.append(sample(630, (proc(200, "steady", 300),), mem_available_kb=2_500_000, cached_kb=300_000))
    entries.append(RestartMark(KILL + 45, 5700.0, HOST))
    return DayData(HOST, tuple(entries))


def trend_of(data: DayData, victim: int | None = 100) -> EventTrend:
    result = compute_trend(data, AT, victim)
    assert isinstance(result, EventTrend), result
    return result


# -- pure functions ----------------------------------------------------------------------------------------------
def test_memory_trend_exact() -> None:
    t = trend_of(recording())
    assert (t.samples_before, t.samples_after) == (19, 1)
    assert (t.window_start, t.window_end) == (KILL - 600, KILL + 60)
    mem = t.memory
    assert mem.first.timestamp == KILL - 600 and mem.first.available_kb == 2_000_000
    assert mem.last.seconds_to_event == -60 and mem.last.available_kb == 2_000_000 - 25_600 * 18
    assert mem.last.swap_used_kb == 512 * 18 and mem.last.page_cache_kb == 500_000 - 10_240 * 18
    assert mem.lowest_available == mem.last
    assert mem.after is not None and mem.after.available_kb == 2_500_000 and mem.after.seconds_to_event == 30
    r = mem.rates
    assert r is not None
    # 18 half-minutes = 9 minutes on the uptime clock
    assert r.available_kb_per_minute == pytest.approx(-51_200)
    assert r.free_kb_per_minute == pytest.approx(-10_240)
    assert r.page_cache_kb_per_minute == pytest.approx(-20_480)
    assert r.anon_kb_per_minute == pytest.approx(51_200)
    assert r.swap_used_kb_per_minute == pytest.approx(1_024)
    # The first sample, then the last of each minute before the kill: 08:00:30 is not shown, 08:01:00 is.
    assert [p.seconds_to_event for p in mem.per_minute] == [-600 + 60 * m for m in range(10)]


def test_processes_that_grew_exact() -> None:
    t = trend_of(recording())
    assert [(g.pid, g.comm) for g in t.processes] == [(100, "leaky"), (300, "newcomer"), (200, "steady")]
    leaky, newcomer, steady = t.processes
    assert (leaky.rss_first_bytes, leaky.rss_last_bytes) == (100 * MIB, 550 * MIB)
    assert leaky.growth_mib == 450 and leaky.growth_mib_per_minute == pytest.approx(50)
    assert (leaky.samples, leaky.span_seconds, leaky.appeared) == (19, 540, False)
    assert newcomer.appeared and newcomer.first_seen == KILL - 300 and newcomer.samples == 9
    assert newcomer.growth_mib == 40 and newcomer.growth_mib_per_minute == pytest.approx(10)
    assert steady.growth_bytes == 0 and steady.growth_mib_per_minute == 0 and not steady.appeared
    assert t.victim is leaky and t.victim_pid == 100
    assert t.top_processes_recorded == 3
    assert t.notes == ()


def test_a_reused_pid_is_another_process() -> None:
    first = sample(0, (proc(100, "worker", 50, start_ticks=1),), mem_available_kb=9)
    again = sample(300, (proc(100, "worker", 10, start_ticks=777),), mem_available_kb=9)
    t = trend_of(DayData(HOST, (first, again)))
    assert sorted((g.rss_first_bytes // MIB, g.appeared, g.samples) for g in t.processes) == [
        (10, True, 1),
        (50, False, 1),
    ]
    assert t.victim is not None and t.victim.last_seen == KILL - 300  # the latest process with that pid
    assert all(g.growth_mib_per_minute is None for g in t.processes)  # seen once: no rate


def test_victim_missing_and_single_sample_are_noted() -> None:
    t = trend_of(DayData(HOST, (half_minute(18),)), victim=4242)
    assert t.victim is None and t.memory.rates is None
    assert t.notes == (
        "only one sample before the kill: no rates of change",
        "the victim (pid 4242) was not among the 3 largest processes recorded: smaller than those (a kill "
        "inside a small memory cgroup), or it lived between two samples",
    )


def test_no_process_list_is_noted() -> None:
    t = trend_of(DayData(HOST, (sample(0, mem_available_kb=5), sample(60, mem_available_kb=4))))
    assert t.processes == () and t.victim is None
    assert t.notes == ("the recorder kept no process list (top_processes = 0)",)


def test_no_recording_is_a_note_not_an_error() -> None:
    outside = DayData(HOST, (sample(-3600, mem_available_kb=1), sample(700, mem_available_kb=1)))
    assert compute_trend(outside, AT, 100, data_dir=Path("/srv/hw"), now=NOW) == NoTrend(
        "no hostward recording covers 08:00–08:11 (looked in /srv/hw); "
        "run `hostward record` to get trends next time"
    )
    assert compute_trend(outside, AT, 100, now=NOW + 86400) == NoTrend(  # not today: with the date
        "no hostward recording covers 2026-11-27 08:00–08:11; run `hostward record` to get trends next time"
    )
    after_only = DayData(HOST, (sample(605, mem_available_kb=1),))
    assert compute_trend(after_only, AT, 100, now=NOW + 86400) == NoTrend(
        "hostward recorded 2026-11-27 08:00–08:11 only after the kill (from 08:10:05): nothing to compare"
    )


# -- the event's time --------------------------------------------------------------------------------------------
NOW = calendar.timegm((2026, 11, 27, 12, 0, 0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27T08:10:00.250000+00:00", (KILL + 0.25, False, "log")),  # journal json, syslog iso
        ("2026-11-27T09:10:00+0100", (KILL, False, "log")),
        ("2026-11-27 08:10:00,5", (KILL + 0.5, False, "log")),  # no zone: local time (UTC here)
        ("Nov 27 08:10:00", (KILL, False, "log")),  # BSD syslog: the year is the current one
        ("Nov  7 08:10:00.125", (KILL - 20 * 86400 + 0.125, False, "log")),
        ("Dec 31 23:59:59", (calendar.timegm((2025, 12, 31, 23, 59, 59)), False, "log")),  # not in the future
        ("Nov 27 08:10:00 2026", (KILL, True, "dmesg -T")),  # dmesg -T is computed from the boot time
        ("2026-11-27 08:10:00 UTC", (KILL, False, "log")),  # journalctl -o short-full
    ],
)
def test_wall_time_formats(text: str, expected: tuple[float, bool, str]) -> None:
    got = parse_wall_time(text, now=NOW)
    assert got is not None and (got.epoch, got.approximate, got.origin) == expected


@pytest.mark.parametrize("text", ["Feb 29 10:00:00 2026", "Foo 27 08:10:00", "yesterday", "Nov 31 01:00:00"])
def test_wall_times_that_are_not(text: str) -> None:
    assert parse_wall_time(text, now=NOW) is None


def _event(wall: str | None, mono: float | None, victim: int = 100) -> OomEvent:
    return OomEvent(
        index=1,
        first_line=1,
        last_line=2,
        monotonic_seconds=mono,
        wall_time=wall,
        trigger=None,
        constraint="CONSTRAINT_NONE",
        oom_memcg=None,
        task_memcg=None,
        cpuset=None,
        memcg=None,
        meminfo=None,
        tasks=(),
        tasks_truncated=0,
        victims=(Victim(victim, "leaky"),),
        oom_group=None,
        panic=None,
        notes=(),
    )


def test_event_time_prefers_the_logs_own_stamp() -> None:
    assert event_time(_event("Nov 27 08:10:00", 100.0), KILL - 5000, now=NOW) == EventTime(KILL, False, "log")
    assert event_time(_event(None, 100.5), KILL - 100, now=NOW) == EventTime(KILL + 0.5, True, "boot")
    assert event_time(_event("garbled", 100.0), None, now=NOW) is None
    assert event_time(_event(None, 100.0), None, now=NOW) is None


# -- the loader on real data files, the report and the CLI -------------------------------------------------------
def write_day(data_dir: Path, samples: list[SystemSample]) -> None:
    day = dt.datetime.fromtimestamp(samples[0].timestamp).date()
    with DataFileWriter.open(day_path(data_dir, day), day, HOST) as writer:
        for s in samples:
            writer.write_sample(s)


def test_loader_reads_data_files(tmp_path: Path) -> None:
    write_day(tmp_path, [half_minute(k) for k in range(19)])
    loader = TrendLoader(tmp_path, clock=lambda: NOW)
    t = loader.trend(_event("2026-11-27T08:10:00+00:00", None), None)
    assert isinstance(t, EventTrend)
    assert t.victim is not None and t.victim.growth_mib == 450 and t.samples_before == 19
    assert t.memory.rates is not None and t.memory.rates.available_kb_per_minute == pytest.approx(-51_200)
    later = loader.trend(_event("2026-11-28T08:10:00+00:00", None), None)
    assert later == NoTrend(
        f"no hostward recording covers 2026-11-28 08:00–08:11 (looked in {tmp_path}); "
        "run `hostward record` to get trends next time"
    )
    assert isinstance(loader.trend(_event(None, 99.0), None), NoTrend)  # no wall clock: a note


def test_loader_lists_a_days_files_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader's listing (is the day recorded?) is the one read_day reads the parts of: not listed again."""
    from hostward.oom.kernlog import trend
    from hostward.store import reader

    write_day(tmp_path, [half_minute(k) for k in range(19)])
    listed: list[dt.date] = []

    def counted(data_dir: Path, day: dt.date) -> list[Path]:
        listed.append(day)
        return paths.day_parts(data_dir, day)

    monkeypatch.setattr(trend, "day_parts", counted)
    monkeypatch.setattr(reader, "day_parts", counted)
    t = TrendLoader(tmp_path, clock=lambda: NOW).trend(_event("2026-11-27T08:10:00+00:00", None), None)
    assert isinstance(t, EventTrend) and t.samples_before == 19
    assert listed == [dt.date(2026, 11, 27)]


def test_loader_reports_a_damaged_file_and_goes_on(tmp_path: Path) -> None:
    day_path(tmp_path, dt.date(2026, 11, 27)).write_bytes(b"not a hostward data file at all")
    t = TrendLoader(tmp_path, clock=lambda: NOW).trend(_event("2026-11-27T08:10:00+00:00", None), None)
    assert isinstance(t, NoTrend) and t.note.startswith("cannot read hostward's recordings: ")


def test_report_section_and_json() -> None:
    t = trend_of(recording())
    lines = render_trend(t)
    text = "\n".join(lines)
    assert lines[0] == "  Before the kill (recorded by hostward)"
    assert "kill at 08:10:00; 19 samples from 08:00:00 to the kill, 1 after" in text
    # MiB: available, free, page cache, anon, swap used; 2_000_000 kB - 18 * 25_600 kB = 1503.1 MiB
    assert "    08:09:00    -1:00     1503.1      886.6      308.3      840.6        9.0" in lines
    assert "    08:10:30    +0:30     2441.4        0.0      293.0        0.0        0.0  (after)" in lines
    assert "    per min                -50.0      -10.0      -20.0      +50.0       +1.0" in lines
    assert "    lowest MemAvailable 1503.1 MiB at 08:09:00 (1:00 before the kill)" in lines
    leaky = next(line for line in lines if line.endswith("leaky  (victim)"))
    assert leaky.split()[:5] == ["100", "100.0", "550.0", "+450.0", "+50.0"]
    newcomer = next(line for line in lines if line.endswith("newcomer  (new in the window)"))
    assert newcomer.split()[:5] == ["300", "20.0", "60.0", "+40.0", "+10.0"]
    assert not any("steady" in line for line in lines)  # it did not grow
    assert "the victim (pid 100) changed by +450.0 MiB in 9:00 (min:s) to 550.0 MiB" in text
    event = _event("Nov 27 08:10:00", None)
    assert "  Before the kill (recorded by hostward)" in render_event(event, trend=t)
    data = json.loads(json.dumps(event_json(event, trend=t)))
    assert data["trend_note"] is None
    trend = data["trend"]
    assert trend["victim"]["pid"] == 100 and trend["victim"]["growth_mib_per_minute"] == 50.0
    assert [p["pid"] for p in trend["processes"]] == [100, 300, 200]
    assert trend["processes"][1]["appeared"] is True and trend["processes"][1]["growth_mib"] == 40.0
    assert trend["memory"]["lowest_available"]["available_kb"] == 2_000_000 - 25_600 * 18
    assert trend["memory"]["rates"]["available_kb_per_minute"] == pytest.approx(-51_200)
    assert trend["event_time_iso"] == "2026-11-27T08:10:00+00:00" and trend["approximate"] is False
    none = event_json(event, trend=NoTrend("nothing here"))
    assert none["trend"] is None and none["trend_note"] == "nothing here"


def _cli(*argv: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert run(list(argv)) == 0
    return out.getvalue()


def test_cli_reads_a_recording_around_a_journal_event(tmp_path: Path) -> None:
    # The fixture's kill: redis-server (pid 4100) at 2023-11-14 22:14:59 UTC.
    kill = calendar.timegm((2023, 11, 14, 22, 14, 59))
    shift = kill - KILL  # move the hand-built recording onto that kill
    samples = [
        dataclasses.replace(
            s,
            timestamp=s.timestamp + shift,
            top_processes=tuple(
                dataclasses.replace(p, pid=4100, comm="redis-server") for p in s.top_processes[:1]
            ),
        )
        for s in (half_minute(k) for k in range(19))
    ]
    write_day(tmp_path, samples)
    log = str(FIXTURES / "debian12-6.1-memcg-v2.journal.json")
    (event,) = json.loads(_cli("report", "--json", "--data-dir", str(tmp_path), log))["events"]
    assert event["trend_note"] is None
    assert (
        event["trend"]["victim"]["comm"] == "redis-server" and event["trend"]["victim"]["growth_mib"] == 450
    )
    assert event["trend"]["samples_before"] == 19
    text = _cli("report", "--data-dir", str(tmp_path), log)
    assert "  Before the kill (recorded by hostward)" in text and "redis-server  (victim)" in text
    (off,) = json.loads(_cli("report", "--json", "--no-trend", log))["events"]
    assert off["trend"] is None and off["trend_note"] is None
    assert "Before the kill" not in _cli("report", "--no-trend", log)
    empty = _cli("report", "--data-dir", str(tmp_path / "none"), log)
    assert (
        "  Before the kill (recorded by hostward): no hostward recording covers 2023-11-14 22:04–22:15 "
        f"(looked in {tmp_path / 'none'}); run `hostward record` to get trends next time"
    ) in empty
