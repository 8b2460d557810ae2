"""PID reuse (issue 9 §6): writes to /proc/PID/* and signals aimed at a process chosen earlier reach that process
or nobody — never a later process that got the same PID. Real processes; the reuse itself is forced with
/proc/sys/kernel/ns_last_pid (the next fork takes the number after it) where the host allows it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import require_root, unavailable
from tests.oom.oomkit_helpers import make_memcg

from hostward.errors import ProcessGone, ProcessReplaced
from hostward.oom.pidsafe import PinnedProcess
from hostward.procfs import ProcFS

SLEEP = ["sleep", "3600"]
NS_LAST_PID = Path("/proc/sys/kernel/ns_last_pid")


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for p in started:
            if p.poll() is None:
                p.kill()
            p.wait()


def _adj(pid: int) -> int:
    return int(Path(f"/proc/{pid}/oom_score_adj").read_text())


def _start_ticks(pid: int) -> int:
    text = Path(f"/proc/{pid}/stat").read_text()
    return int(text[text.rfind(")") + 2 :].split()[19])


def _wait_started(proc: subprocess.Popen[bytes]) -> None:
    """Until the child has exec'd (its stat no longer shows the parent's name)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{proc.pid}/comm").read_text().strip() == "sleep":
                return
        except OSError:
            pass
        time.sleep(0.005)
    raise AssertionError(f"pid {proc.pid} did not start sleep")


def test_start_time_mismatch_is_refused_before_any_write_or_signal(
    procs: list[subprocess.Popen[bytes]],
) -> None:
    require_root()
    procs.append(subprocess.Popen(SLEEP))
    _wait_started(procs[0])
    time.sleep(0.02)  # at least two clock ticks later
    procs.append(subprocess.Popen(SLEEP))
    _wait_started(procs[1])
    earlier, later = procs
    assert _start_ticks(earlier.pid) != _start_ticks(later.pid)
    # "later" sits at the number chosen while it held "earlier"'s start time: it is somebody else.
    with pytest.raises(ProcessReplaced, match=f"pid {later.pid} now belongs to another process"):
        PinnedProcess(ProcFS(), later.pid, start_ticks=_start_ticks(earlier.pid))
    assert _adj(later.pid) == 0 and later.poll() is None
    with PinnedProcess(ProcFS(), later.pid, start_ticks=_start_ticks(later.pid)) as proc:
        proc.write("oom_score_adj", "123")
    assert _adj(later.pid) == 123


def test_a_handle_outliving_its_process_reaches_nobody(procs: list[subprocess.Popen[bytes]]) -> None:
    require_root()
    procs.append(subprocess.Popen(SLEEP))
    _wait_started(procs[0])
    proc = PinnedProcess(ProcFS(), procs[0].pid)
    try:
        procs[0].kill()
        procs[0].wait()  # reaped: the number is free for the next fork
        with pytest.raises(ProcessGone):
            proc.write("oom_score_adj", "500")
        with pytest.raises(ProcessGone):
            proc.send_signal(signal.SIGKILL)
    finally:
        proc.close()


def _fork_at(pid: int) -> subprocess.Popen[bytes] | None:
    """Start sleep so that it gets ``pid`` (ns_last_pid = pid - 1); None when another fork took it first."""
    NS_LAST_PID.write_text(str(pid - 1))
    proc = subprocess.Popen(SLEEP)
    if proc.pid == pid:
        return proc
    proc.kill()
    proc.wait()
    return None


def test_a_really_reused_pid_is_neither_written_nor_signalled(procs: list[subprocess.Popen[bytes]]) -> None:
    require_root()
    if not os.access(NS_LAST_PID, os.W_OK):
        unavailable("ns_last_pid is not writable here (needs CAP_SYS_ADMIN over the pid namespace)")
    reused = None
    for _ in range(50):  # other processes on a busy host may fork in between: try again
        first = subprocess.Popen(SLEEP)
        _wait_started(first)
        chosen = (first.pid, _start_ticks(first.pid))
        stale = PinnedProcess(ProcFS(), first.pid)
        first.kill()
        first.wait()
        time.sleep(0.02)  # a different start time for the newcomer
        reused = _fork_at(chosen[0])
        if reused is not None:
            break
        stale.close()
    assert reused is not None, "could not get a pid reused in 50 tries"
    procs.append(reused)
    _wait_started(reused)
    try:
        assert reused.pid == chosen[0] and _start_ticks(reused.pid) != chosen[1]
        with pytest.raises(ProcessGone):
            stale.write("oom_score_adj", "-1000")
        with pytest.raises(ProcessGone):
            stale.send_signal(signal.SIGKILL)
    finally:
        stale.close()
    with pytest.raises(ProcessReplaced):
        PinnedProcess(ProcFS(), chosen[0], start_ticks=chosen[1])
    assert _adj(reused.pid) == 0 and reused.poll() is None  # the newcomer was left alone


def test_cgroup_cleanup_kills_members_only(procs: list[subprocess.Popen[bytes]]) -> None:
    """The drill's cleanup kills what cgroup.procs listed, through a /proc/PID handle whose cgroup is checked: a
    pid that left (or was reused by a process outside) is not signalled."""
    cg = make_memcg(256 << 20)
    try:
        inside = subprocess.Popen(SLEEP)
        procs.append(inside)
        cg.add_process(inside.pid)
        outside = subprocess.Popen(SLEEP)
        procs.append(outside)
        assert not cg.kill_member(outside.pid)
        assert cg.kill_member(inside.pid)
        inside.wait(timeout=5)
        assert inside.returncode == -signal.SIGKILL and outside.poll() is None
        assert not cg.kill_member(inside.pid)  # gone (and reaped): nothing to do
    finally:
        cg.destroy()
