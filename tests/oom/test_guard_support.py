"""Shared helpers for the guard, trigger and drill tests (no tests here).

Every cgroup is created under this process's own memory cgroup with a limit, and removed in a ``finally`` with
everything inside it; every helper process dies with its parent (the hog sets PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import itertools
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.conftest import require_root, unavailable

from hostward.oom.guard.cgroup import MemoryCgroup, memory_cgroup_of

SRC = str(Path(__file__).resolve().parents[2] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC}
_names = itertools.count()


@contextmanager
def drill_cgroup(limit_bytes: int) -> Iterator[MemoryCgroup]:
    """A temporary memory cgroup with a limit; removed (processes SIGKILLed) whatever happens."""
    require_root()
    parent = memory_cgroup_of("self")
    if parent is None:
        unavailable("no memory cgroup controller")
        raise AssertionError("unreachable")
    cgroup = parent.child(f"hostward-test-{os.getpid()}-{next(_names)}")
    cgroup.create()
    try:
        cgroup.set_limit(limit_bytes)
        yield cgroup
    finally:
        cgroup.destroy()
    assert not cgroup.directory.exists()


def _ready(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, f"helper {proc.pid} did not start"
    assert proc.stdout.readline().strip() == b"ready"


def start_hog(cgroup: MemoryCgroup, args: list[str]) -> subprocess.Popen[bytes]:
    """python -m hostward.oom.drill.hog ARGS, moved into ``cgroup`` and waiting for its go byte."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "hostward.oom.drill.hog", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=ENV,
        start_new_session=True,
    )
    try:
        cgroup.add_process(proc.pid)
        _ready(proc)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc


def go_and_wait_allocated(proc: subprocess.Popen[bytes]) -> None:
    """Send the go byte and wait for the first progress line (the memory is touched)."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"g")
    proc.stdin.flush()
    ready, _, _ = select.select([proc.stdout], [], [], 15.0)
    assert ready and proc.stdout.readline(), "helper did not allocate"


def start_sleeper(cgroup: MemoryCgroup | None, code: str = "") -> subprocess.Popen[bytes]:
    """A python process that runs ``code`` and then sleeps; moved into ``cgroup`` when given."""
    script = (
        "import ctypes, signal, sys, time\n"
        "ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)\n"
        f"{code}\n"
        "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
        "while True: time.sleep(3600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, env=ENV, start_new_session=True
    )
    try:
        if cgroup is not None:
            cgroup.add_process(proc.pid)
        _ready(proc)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


class SignalAudit:
    """Records the pid behind every pidfd the guard signals (via /proc/self/fdinfo), for scope assertions.

    With ``allowed``, a signal to any other pid is *not sent*: it is recorded in ``refused`` and fails with EPERM,
    so a bug can never reach a real process outside the test's own helpers.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, allowed: set[int] | None = None) -> None:
        self.sent: list[tuple[int, int]] = []  # (pid, signal)
        self.refused: list[tuple[int, int]] = []
        real = signal.pidfd_send_signal

        def spy(pidfd: int, sig: int, *args: object) -> None:
            pid = pidfd_pid(pidfd)
            if allowed is not None and pid not in allowed:
                self.refused.append((pid, int(sig)))
                raise PermissionError(1, "refused by the test's signal audit")
            self.sent.append((pid, int(sig)))
            real(pidfd, sig, *args)  # type: ignore[arg-type]

        monkeypatch.setattr(signal, "pidfd_send_signal", spy)

    @property
    def pids(self) -> set[int]:
        return {pid for pid, _ in self.sent}


def pidfd_pid(pidfd: int) -> int:
    for line in Path(f"/proc/self/fdinfo/{pidfd}").read_text().splitlines():
        if line.startswith("Pid:"):
            return int(line.split()[1])
    raise AssertionError(f"fd {pidfd} is not a pidfd")
