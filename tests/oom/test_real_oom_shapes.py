"""Real kernel OOM kills of the shapes issue 14 names, made in a 64 MiB memory cgroup and read back from the
real kernel log: a process whose name holds a newline, and memory held by a tmpfs file rather than the process.
"""

from __future__ import annotations

import io
import json
import signal
import subprocess
import uuid
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require_binary, unavailable
from tests.oom.oomkit_helpers import ALLOCATOR, HOLDER, memcg_64m, spawn_in  # noqa: F401 - fixture

from hostward.cli.oom import run
from hostward.oom.guard.cgroup import MemoryCgroup

pytestmark = [pytest.mark.root, pytest.mark.slow]


def _report(*argv: str) -> dict[str, Any]:
    out = io.StringIO()
    with redirect_stdout(out):
        assert run(["report", "--json", "--no-trend", *argv]) == 0
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def _event_of(data: dict[str, Any], pid: int) -> dict[str, Any]:
    """The newest kill of ``pid``: pid_max is 32768 here, and earlier tests' kills stay in the kernel's ring
    buffer, so an older victim may have had the same pid."""
    found = [e for e in data["events"] if any(v["pid"] == pid for v in e["victims"])]
    assert found, f"no kill of pid {pid} in the kernel log"
    return found[-1]


def test_a_newline_in_the_victims_name_survives_kmsg_and_dmesg(memcg_64m: MemoryCgroup) -> None:  # noqa: F811
    require_binary("dmesg")
    code = "open('/proc/self/comm', 'w').write('evil\\nname')\n" + ALLOCATOR
    proc = spawn_in(memcg_64m, code)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    for source in ("--kmsg", "--dmesg"):
        event = _event_of(_report(source), proc.pid)
        (victim,) = [v for v in event["victims"] if v["pid"] == proc.pid]
        assert victim["comm"] == "evil\nname", source
    out = io.StringIO()
    with redirect_stdout(out):
        assert run(["report", "--kmsg", "--no-trend"]) == 0
    assert "evil\\nname" in out.getvalue()  # shown escaped, on one line


def test_memory_held_by_a_tmpfs_file_is_named_as_the_cause(memcg_64m: MemoryCgroup) -> None:  # noqa: F811
    shm = Path("/dev/shm")
    if not shm.is_dir():
        unavailable("no /dev/shm tmpfs")
    path = shm / f"hostward-test-{uuid.uuid4().hex[:10]}"
    # 40 MiB written into tmpfs (charged to the cgroup as shmem, not the process's RSS), then allocate until killed.
    code = (
        f"f = open({str(path)!r}, 'wb')\nfor _ in range(40):\n    f.write(b'x' * (1 << 20))\nf.flush()\n"
        + ALLOCATOR
    )
    try:
        proc = spawn_in(memcg_64m, code)
        assert proc.wait(timeout=60) == -signal.SIGKILL
        event = _event_of(_report("--kmsg"), proc.pid)
        findings = "\n".join(event["verdict"]["findings"])
        assert "shmem" in findings and "tmpfs" in findings, event["verdict"]
        assert event["verdict"]["next_steps"][0].startswith("find what holds it: df -h -t tmpfs")
    finally:
        path.unlink(missing_ok=True)


def test_many_small_processes_are_told_apart_from_one_leak(memcg_64m: MemoryCgroup) -> None:  # noqa: F811
    # Processes of 10 MiB each fill the 64 MiB cgroup together: no single one is the leak.
    procs = []
    try:
        killed = None
        for _ in range(12):
            proc = spawn_in(memcg_64m, HOLDER, "10", stdout=subprocess.PIPE)
            procs.append(proc)
            assert proc.stdout is not None
            ready = proc.stdout.readline()
            gone = [p for p in procs if p.poll() is not None]
            if gone or not ready:
                killed = next((p for p in procs if p.poll() == -signal.SIGKILL), None)
                break
        assert killed is not None, "the cgroup never ran out"
        event = _event_of(_report("--kmsg"), killed.pid)
        ours = {p.pid for p in procs}
        assert len([t for t in event["tasks"] if t["pid"] in ours]) >= 3
        findings = "\n".join(event["verdict"]["findings"])
        assert "no single process dominated" in findings, event["verdict"]
        assert "one process dominated" not in findings
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
