"""Real OOM drills (root): a 512 MiB cgroup, the guard well below the limit, a hog at 200 MiB/s, 1 GiB/s and as
fast as it can. The guard must kill the hog before the kernel does, every time, touching nothing else.

"Before the kernel" is read from the kernel's own counters: the drill cgroup's memory.oom_control ``oom_kill``
and /proc/vmstat ``oom_kill``. The vmstat counter is host-wide: a test elsewhere on the host causing a real OOM
kill in its own cgroup at the same moment moves it too, so each host-wide kill in the window must be accounted
for in the kernel log as another cgroup's memcg OOM kill (never one of the drill's, never a global one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.oom.test_guard_support import (
    ENV,
    SignalAudit,
    drill_cgroup,
    go_and_wait_allocated,
    start_hog,
    stop,
)

from hostward.errors import UsageError
from hostward.oom.drill import drill as drill_module
from hostward.oom.drill.drill import DrillSpec, run_drill
from hostward.oom.drill.drill_timeline import DrillResult, render_text
from hostward.oom.guard.cgroup import MemoryCgroup
from hostward.oom.guard.triggers import MIB, parse_size

pytestmark = [pytest.mark.root, pytest.mark.slow]

LIMIT = 512 * MIB


@pytest.fixture
def stranger() -> Iterator[subprocess.Popen[bytes]]:
    """A process outside the drill, bigger than anything in it, in its own limited sibling cgroup."""
    with drill_cgroup(640 * MIB) as cgroup:
        proc = start_hog(cgroup, ["--bystander", "--size", "400M"])
        try:
            go_and_wait_allocated(proc)
            yield proc
        finally:
            stop(proc)


def check_guard_first(result: DrillResult, audit: SignalAudit) -> None:
    text = render_text(result)
    assert result.kernel_oom_kills_cgroup == 0, text
    # /proc/vmstat oom_kill is host-wide: other tests on a shared host OOM their own cgroups. Every host-wide kill
    # in the window must be such a kill (from the kernel log), none of the drill's, none global.
    assert result.kills_other_cgroups is not None, "cannot read /dev/kmsg to attribute host-wide OOM kills"
    assert result.kills_in_drill == 0 and result.kills_global == 0, text
    assert result.kernel_oom_kills_host == result.kills_other_cgroups, (
        "unexplained host-wide OOM kill\n" + text
    )
    assert result.acted_by == "guard" and result.guard_first, text
    assert result.hog_returncode is not None and result.hog_returncode < 0, text
    assert audit.pids == {result.hog_pid}, f"signalled {audit.sent}, hog {result.hog_pid}"
    assert result.peak_bytes is not None and result.peak_bytes < LIMIT, text
    # Order of events, not their timing.
    assert result.crossed_s is not None and result.detected_s is not None, text
    assert result.signalled_s is not None and result.exited_s is not None, text
    assert result.detected_s <= result.signalled_s <= result.exited_s, text


@pytest.mark.parametrize("run", range(3))
@pytest.mark.parametrize("rate", ["200M", "1G", "max"])
def test_guard_kills_the_hog_before_the_kernel(
    rate: str, run: int, stranger: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = SignalAudit(monkeypatch)
    created: list[MemoryCgroup] = []
    spec = DrillSpec(limit_bytes=LIMIT, rate_bps=0 if rate == "max" else parse_size(rate), bystander=True)
    result = run_drill(spec, on_cgroup=created.append)
    check_guard_first(result, audit)
    assert result.bystander_survived is True, render_text(result)
    assert result.bystander_pid not in audit.pids
    assert stranger.poll() is None, "a process outside the drill died"
    assert result.threshold_bytes <= LIMIT - LIMIT // 10  # "well below the limit": at least 10% headroom
    assert not created[0].directory.exists(), "drill cgroup left behind"
    for pid in (result.hog_pid, result.bystander_pid):
        assert not Path(f"/proc/{pid}").exists(), f"drill process {pid} still exists"


def test_kernel_drill_shows_the_kernel_acting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The counters the guard tests rely on do move: with --kernel the kernel's memcg OOM killer acts."""
    audit = SignalAudit(monkeypatch)
    result = run_drill(DrillSpec(limit_bytes=256 * MIB, rate_bps=0, kernel=True))
    assert result.kernel_oom_kills_cgroup == 1, render_text(result)
    assert result.kills_in_drill == 1 and result.kills_global == 0, render_text(result)
    assert result.acted_by == "kernel" and not result.guard_first
    assert result.hog_returncode == -9
    assert result.detected_s is None and audit.sent == []
    assert result.headroom_left_bytes is not None and result.headroom_left_bytes < 8 * MIB
    assert "kernel OOM kill" in render_text(result)


def test_drill_refuses_without_a_limit() -> None:
    with pytest.raises(UsageError, match="memory limit"):
        run_drill(DrillSpec(limit_bytes=0, rate_bps=MIB))
    proc = subprocess.run(
        [sys.executable, "-m", "hostward.cli.oom_guard", "drill", "--rate", "1G"],
        capture_output=True,
        env=ENV,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert b"refuses to run without a memory limit" in proc.stderr


def _processes_in(cgroup: MemoryCgroup) -> list[int]:
    return cgroup.pids() if cgroup.directory.exists() else []


def test_cleanup_on_error(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[MemoryCgroup] = []
    started: list[int] = []
    real_start = drill_module._start

    def start(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        proc = real_start(*args, **kwargs)  # type: ignore[arg-type]
        started.append(proc.pid)
        return proc

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("simulated failure while arming the guard")

    monkeypatch.setattr(drill_module, "_start", start)
    monkeypatch.setattr(drill_module, "cgroup_trigger", broken)
    with pytest.raises(RuntimeError, match="simulated"):
        run_drill(DrillSpec(limit_bytes=256 * MIB, rate_bps=MIB, bystander=True), on_cgroup=created.append)
    assert created and not created[0].directory.exists()
    assert len(started) == 2
    for pid in started:
        assert not Path(f"/proc/{pid}").exists()


def test_cleanup_on_ctrl_c_while_the_hog_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[MemoryCgroup] = []
    seen_inside: list[list[int]] = []

    def interrupted(pidfd: int, timeout: float) -> float | None:
        seen_inside.append(_processes_in(created[0]))
        raise KeyboardInterrupt

    monkeypatch.setattr(drill_module, "_wait_exit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_drill(DrillSpec(limit_bytes=256 * MIB, rate_bps=100 * MIB), on_cgroup=created.append)
    assert seen_inside and seen_inside[0], "the hog was not running inside the cgroup"
    assert not created[0].directory.exists()
    for pid in seen_inside[0]:
        assert not Path(f"/proc/{pid}").exists()


def test_cli_drill_json() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hostward.cli.oom_guard",
            "drill",
            "--limit",
            "512M",
            "--rate",
            "1G",
            "--bystander",
            "--json",
        ],
        capture_output=True,
        env=ENV,
        timeout=120,
        check=False,
    )
    data = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert data["guard_first"] is True and data["acted_by"] == "guard"
    assert data["kernel_oom_kills_cgroup"] == 0 and data["bystander_survived"] is True
    assert data["timeline"][0]["what"] == "hog started"
    assert {"guard detected", "hog exited", "threshold crossed"} <= {e["what"] for e in data["timeline"]}
    assert data["detect_latency_s"] is not None and data["kill_latency_s"] is not None
    assert not any(name.startswith("hostward-drill-") for name in os.listdir(_own_cgroup_dir()))


def _own_cgroup_dir() -> Path:
    from hostward.oom.guard.cgroup import memory_cgroup_of

    own = memory_cgroup_of("self")
    assert own is not None
    return own.directory
