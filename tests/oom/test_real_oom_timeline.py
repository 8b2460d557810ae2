"""A real kernel OOM kill inside a 64 MiB memory cgroup reaches `hostward sar -C` of the daemon's recording:
the daemon follows the real /dev/kmsg, writes the kill to events.jsonl once, and sar shows it once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tests.oom.oomkit_helpers import ALLOCATOR, memcg_64m, spawn_in  # noqa: F401 - fixture
from tests.record.conftest import SRC, wait_for
from tests.test_daemon import samples, start_daemon

from hostward.oom.guard.cgroup import MemoryCgroup

pytestmark = [pytest.mark.root, pytest.mark.slow]


def _kernel_kills(data_dir: Path) -> list[dict[str, object]]:
    path = data_dir / "events.jsonl"
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [e for e in lines if e["kind"] == "kernel-kill"]


def test_real_kill_reaches_sar_C_once(tmp_path: Path, memcg_64m: MemoryCgroup) -> None:  # noqa: F811
    log_file = tmp_path / "daemon.log"
    data = tmp_path / "data"
    proc = start_daemon(tmp_path, "", "--interval", "1", "--no-guard", log_file=log_file)
    try:
        wait_for(
            lambda: "kernel-log: following" in log_file.read_text(), timeout=30, what="the kernel-log part"
        )
        wait_for(lambda: any(data.glob("hw*")), timeout=30, what="the daemon's first data file")
        victim = spawn_in(memcg_64m, ALLOCATOR)
        assert victim.wait(timeout=60) == -signal.SIGKILL, "the allocator was not OOM-killed"
        wait_for(
            lambda: any(k["pid"] == victim.pid for k in _kernel_kills(data)),
            timeout=30,
            what="the kill in events.jsonl",
        )
        wait_for(lambda: "kernel OOM kill" in log_file.read_text(), timeout=5, what="the daemon's log line")
        killed_at = float(next(k["time"] for k in _kernel_kills(data) if k["pid"] == victim.pid))  # type: ignore[arg-type]
        # sar -C places comments between recorded samples: wait for two samples after the kill.
        wait_for(
            lambda: sum(s.timestamp > killed_at for s in samples(data)) >= 2,
            timeout=30,
            what="samples recorded after the kill",
        )
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log_file.read_text()
    (kill,) = [k for k in _kernel_kills(data) if k["pid"] == victim.pid]
    assert str(kill["comm"]).startswith("python")
    assert kill["scope"] == f"memcg {memcg_64m.path}"
    assert "reached its limit of 64.0 MiB" in str(kill["reason"])

    env = {**os.environ, "PYTHONPATH": str(SRC)}
    sar = subprocess.run(
        [sys.executable, "-m", "hostward", "sar", "-C", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert sar.returncode == 0, sar.stderr
    lines = [line for line in sar.stdout.splitlines() if f"killed pid {victim.pid} " in line]
    assert len(lines) == 1, sar.stdout
    assert "COM kernel OOM killer: killed pid" in lines[0] and memcg_64m.path in lines[0]

    # Restarted, the daemon does not write the same kill again (it resumes after the saved record).
    proc = start_daemon(tmp_path, "", "--interval", "1", "--count", "2", "--no-guard", log_file=log_file)
    proc.communicate(timeout=60)
    assert [k["pid"] for k in _kernel_kills(data)].count(victim.pid) == 1


def test_record_alone_follows_the_kernel_log_too(tmp_path: Path, memcg_64m: MemoryCgroup) -> None:  # noqa: F811
    """`hostward record` (the recorder service without the daemon) puts kernel kills on the timeline as well,
    when it may read /dev/kmsg (root here)."""
    data = tmp_path / "data"
    log_file = tmp_path / "record.log"
    env = {**os.environ, "PYTHONPATH": str(SRC), "HOSTWARD_CONFIG": "/dev/null"}
    with log_file.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hostward", "record", "-i", "1", "-d", str(data), "-v"],
            stderr=log,
            stdout=subprocess.DEVNULL,
            env=env,
        )
    try:
        wait_for(lambda: "kernel-log: following" in log_file.read_text(), timeout=30, what="the follower")
        victim = spawn_in(memcg_64m, ALLOCATOR)
        assert victim.wait(timeout=60) == -signal.SIGKILL, "the allocator was not OOM-killed"
        wait_for(
            lambda: any(k["pid"] == victim.pid for k in _kernel_kills(data)),
            timeout=30,
            what="the kill in events.jsonl",
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log_file.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert [k["pid"] for k in _kernel_kills(data)].count(victim.pid) == 1
