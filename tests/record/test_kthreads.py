"""Kernel threads are recognised once and skipped by the recorder's ranking; an exited one is forgotten at once,
so a pid taken over by a new process is read again (recorder/kthreads.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hostward.errors import CollectError
from hostward.procfs import ProcFS
from hostward.recorder import kthreads
from hostward.recorder.kthreads import KernelThreads
from hostward.recorder.pidfiles import PidFiles


def _flags(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return int(text[text.rfind(b")") + 2 :].split()[6])


def _resident_pages(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None


def test_kernel_threads_are_known_after_one_ranking_and_left_out() -> None:
    procfs = ProcFS()
    files = PidFiles(procfs)
    try:
        pids = procfs.pids()
        first = files.resident_pages(pids)
        known = dict(files.kernel_threads.pids)
        assert 2 in known  # kthreadd
        for pid in known:  # every one of them has the kernel-thread flag (unless it exited meanwhile)
            flags = _flags(pid)
            assert flags is None or flags & kthreads.PF_KTHREAD
        # their statm descriptor is closed
        assert not any((pid, "statm") in files.descriptors() for pid in known)
        assert files.open_count() == len(files.descriptors()) + len(known)
        # The ranking itself: the same processes as reading every statm afresh (user processes only),
        # kernel threads never among them.
        ranked = {pid for _, pid in first}
        assert not ranked & known.keys()
        assert os.getpid() in ranked
        for pid in set(pids) - ranked - known.keys():  # the others: exited since, or zombies (no memory)
            assert _resident_pages(pid) in (None, 0)
        second = files.resident_pages(procfs.pids())
        alive = {pid: fd for pid, fd in known.items() if os.path.exists(f"/proc/{pid}")}
        assert alive.items() <= dict(files.kernel_threads.pids).items()  # the same pidfds, nothing read again
        assert {pid for _, pid in second} & known.keys() == set()
    finally:
        files.close()
    assert files.open_count() == 0


def test_an_exited_kernel_thread_is_forgotten_and_its_pid_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """No kernel thread can be started from here: a child process stands in for one (the flag check is
    made to say yes), with a real pidfd that turns readable when the child exits."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        monkeypatch.setattr(kthreads, "_is_kernel_thread", lambda path: path == f"/proc/{child.pid}/stat")
        threads = KernelThreads("/proc")
        assert threads.check(child.pid)
        assert not threads.check(os.getpid())
        threads.forget_exited()
        assert child.pid in threads.pids  # still running: still known
        child.kill()
        child.wait()
        threads.forget_exited()
        assert child.pid not in threads.pids and len(threads) == 0
        threads.close()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_gone_and_unlisted_pids_and_other_roots(tmp_path: Path) -> None:
    threads = KernelThreads("/proc")
    try:
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()
        assert not threads.check(child.pid)  # gone: pidfd_open fails, nothing kept
        assert threads.check(2)  # kthreadd
        threads.retain([1])
        assert len(threads) == 0  # pid 2 was not in the listing: dropped
    finally:
        threads.close()
    # A fixture tree's pids are not this system's processes: no pidfds there.
    (tmp_path / "2").mkdir()
    (tmp_path / "2" / "stat").write_text("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n")
    (tmp_path / "2" / "statm").write_text("0 0 0 0 0 0 0\n")
    files = PidFiles(ProcFS(proc=tmp_path))
    assert files.resident_pages([2]) == [] and len(files.kernel_threads) == 0
    assert files.resident_pages([2]) == [] and files.open_count() == 1  # read again: its statm is kept
    files.close()


def test_the_descriptor_limit_covers_the_pidfds() -> None:
    procfs = ProcFS()
    files = PidFiles(procfs, limit=10)
    try:
        files.resident_pages(procfs.pids())
        assert files.open_count() <= 10
        assert len(files.kernel_threads) <= 10
    finally:
        files.close()


def test_unreadable_statm_is_left_out(tmp_path: Path) -> None:
    (tmp_path / "7").mkdir()
    (tmp_path / "7" / "statm").write_text("garbage\n")
    (tmp_path / "8").mkdir()
    (tmp_path / "8" / "statm").write_text("100 25 3 1 0 40 0\n")
    files = PidFiles(ProcFS(proc=tmp_path))
    assert files.resident_pages([7, 8, 9]) == [(-25, 8)]
    with pytest.raises(CollectError):
        files.read_pid_bytes(9, "statm")
    files.close()
