"""Real OOM kills inside a small memory cgroup, then `hostward oom report` on the real kernel log.

The allocator runs only inside a child memory cgroup limited to 64 MiB; the cgroup is removed afterwards with
everything in it, whatever happens. Nothing here touches /proc/sysrq-trigger.
"""

from __future__ import annotations

import io
import json
import signal
from contextlib import redirect_stdout
from typing import Any

import pytest
from tests.conftest import require_binary
from tests.oom.oomkit_helpers import ALLOCATOR, memcg_64m, spawn_in  # noqa: F401 - fixture

from hostward.cli.oom import run
from hostward.oom.guard.cgroup import MemoryCgroup

pytestmark = [pytest.mark.root, pytest.mark.slow]


def _oom_kill_one(cg: MemoryCgroup) -> int:
    proc = spawn_in(cg, ALLOCATOR)
    code = proc.wait(timeout=60)
    assert code == -signal.SIGKILL, f"allocator ended with {code}, expected a SIGKILL from the OOM killer"
    return proc.pid


def _report(*argv: str) -> dict[str, Any]:
    out = io.StringIO()
    with redirect_stdout(out):
        assert run(["report", "--json", *argv]) == 0
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def _events_for(data: dict[str, Any], pid: int, memcg: str | None = None) -> list[dict[str, Any]]:
    """Kills of ``pid`` (in the test's own cgroup when given: pid_max is 32768 here, and earlier tests' kills stay
    in the ring buffer, so an older victim may have had the same pid)."""
    return [
        e
        for e in data["events"]
        if any(v["pid"] == pid for v in e["victims"]) and (memcg is None or e.get("oom_memcg") == memcg)
    ]


def test_memcg_oom_kill_is_reported_from_dmesg_and_kmsg(memcg_64m) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    require_binary("dmesg")
    kills_before = memcg_64m.oom_kills()
    pid = _oom_kill_one(memcg_64m)
    if kills_before is not None:
        assert memcg_64m.oom_kills() == kills_before + 1  # the kernel's own counter agrees
    for source in ("--dmesg", "--kmsg"):
        events = _events_for(_report(source), pid, memcg_64m.path)
        assert len(events) == 1, source
        event = events[0]
        assert event["constraint"] == "CONSTRAINT_MEMCG"
        assert event["scope"] == "memcg"
        assert event["oom_memcg"] == memcg_64m.path
        assert event["task_memcg"] == memcg_64m.path
        victim = next(v for v in event["victims"] if v["pid"] == pid)
        assert victim["comm"].startswith("python")
        assert victim["anon_rss_kb"] > 40 * 1024  # it held most of the 64 MiB when it died
        assert event["memcg"]["limit_kb"] == 64 * 1024
        assert event["memcg"]["version"] == memcg_64m.version
        if event["trigger"] is not None:  # the header can be rate limited by the kernel (5 s, burst 10)
            assert event["trigger"]["pid"] == pid
            assert event["trigger"]["order"] == 0
        assert any(row["pid"] == pid for row in event["tasks"])
        assert memcg_64m.path in event["verdict"]["summary"]


def test_several_kills_in_a_row_are_separate_events(memcg_64m) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    require_binary("dmesg")
    pids = [_oom_kill_one(memcg_64m) for _ in range(2)]
    data = _report("--dmesg")
    found = [_events_for(data, pid, memcg_64m.path) for pid in pids]
    assert all(len(events) == 1 for events in found)
    assert found[0][0]["index"] < found[1][0]["index"]


def test_text_report_names_victim_and_cgroup(memcg_64m) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    require_binary("dmesg")
    pid = _oom_kill_one(memcg_64m)
    out = io.StringIO()
    with redirect_stdout(out):
        assert run(["report", "--dmesg"]) == 0
    text = out.getvalue()
    assert f"(pid {pid}, uid 0)" in text
    assert memcg_64m.path in text
    assert "verdict" in text and "next steps" in text
