"""The dashboard's OOM, guard and clock data come from the same library calls as the CLI, on the live host."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostward.oom.guard.events import GuardEvent, append_event, events_path
from hostward.plot.series import Mark, SeriesSet
from hostward.web import status

XSS_COMM = '"><img src=x>'


@pytest.fixture
def named_process() -> Iterator[int]:
    """A real process whose name carries markup (a process chooses its own comm)."""
    code = f"open('/proc/self/comm', 'w').write({XSS_COMM!r}); import time; time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        for _ in range(100):
            if Path(f"/proc/{proc.pid}/comm").read_text().strip() == XSS_COMM:
                break
            time.sleep(0.05)
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def test_oom_top_ranks_real_processes(named_process: int) -> None:
    top = status.oom_top(limit=10_000)
    rows = {p["pid"]: p for p in top["processes"]}
    assert rows[named_process]["comm"] == XSS_COMM  # data stays data; the templates escape it
    assert top["victim"] is not None and top["victim"]["pid"] == top["processes"][0]["pid"]
    assert all(p["oom_score"] >= 0 for p in top["processes"])


def test_oom_top_masks_secrets_on_command_lines() -> None:
    secret = "hunter2-web-test"
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", f"--password={secret}"])
    try:
        for _ in range(100):
            if secret in Path(f"/proc/{proc.pid}/cmdline").read_text():
                break
            time.sleep(0.05)
        rows = {p["pid"]: p for p in status.oom_top(limit=10_000)["processes"]}
        assert secret not in rows[proc.pid]["cmdline"] and "--password=***" in rows[proc.pid]["cmdline"]
    finally:
        proc.kill()
        proc.wait()


def test_guard_actions_and_timeline(tmp_path: Path) -> None:
    now = time.time()
    path = events_path(tmp_path)
    append_event(
        path, GuardEvent(now - 5, "signal", "memory available 2% < 5%", 42, "hog\x1b[2J", 900, "SIGTERM")
    )
    append_event(path, GuardEvent(now - 4, "trigger", "memory low", None))
    append_event(path, GuardEvent(now - 99999, "signal", "old", 1, "x", 1, "SIGTERM"))
    actions = status.guard_actions(tmp_path, now - 60, now)
    assert len(actions) == 1 and actions[0]["kind"] == "signal"
    assert "\x1b" not in actions[0]["comm"]  # control characters encoded, as sar -C does
    found = SeriesSet(
        (), (Mark(now - 10, "comment", "deployed"), Mark(now - 1, "restart", "restart (2 CPU)"))
    )
    line = status.timeline(found, tmp_path, now - 60, now)
    assert [i["kind"] for i in line if i["kind"] != "oom-kill"] == ["comment", "guard", "restart"]
    assert [i["time"] for i in line] == sorted(i["time"] for i in line)


def test_clock_state_reads_the_kernel() -> None:
    state = status.clock_state()
    assert state["level"] in ("ok", "warning", "critical") and state["kernel"] is not None


def test_the_clock_record_keeps_the_dashboards_json_shape() -> None:
    """The shared walk (frozen.jsonable) with the dashboard's leaves: an IntEnum stays its number (the CLI's --json
    says its name), text is made safe and cut at 300 characters."""
    from hostward.ntp.adjtimex import ClockState, KernelClock

    clock = KernelClock(
        ClockState.TIME_ERROR, False, ("UNSYNC", "\x1b[31m" + "x" * 400), 0.5, 1.0, 16.0, 16.0, 10000, 37
    )
    plain = status._jsonable(clock)
    assert plain["state"] == 5 and plain["synchronised"] is False and plain["tai_offset_seconds"] == 37
    flags = plain["status_flags"]
    assert flags[0] == "UNSYNC" and "\x1b" not in flags[1] and len(flags[1]) <= 300
