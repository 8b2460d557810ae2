"""PidFiles: /proc/PID files kept open across samples, never another process's figures after pid reuse."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from tests.record.conftest import sleeping_child

from hostward.collect.procs import read_process
from hostward.errors import CollectError, ProcessGone
from hostward.procfs import ProcFS
from hostward.recorder.pidfiles import PidFiles
from hostward.recorder.sampler import CachingSampler


def test_reads_what_a_fresh_open_reads_and_keeps_the_descriptor() -> None:
    files = PidFiles(ProcFS())
    child = sleeping_child()
    try:
        first = files.read_pid(child.pid, "cmdline")
        assert first == Path(f"/proc/{child.pid}/cmdline").read_text()
        assert files.open_count() == 1
        assert files.read_pid(child.pid, "cmdline") == first  # the kept descriptor, read again from 0
        kept, fresh = read_process(files, child.pid), read_process(ProcFS(), child.pid)
        # (the state may flip between R and S while the child goes to sleep: everything else is settled)
        assert dataclasses.replace(kept, state="") == dataclasses.replace(fresh, state="")
        assert files.open_count() == 5  # cmdline, then stat, status, oom_score_adj and oom_score
    finally:
        child.kill()
        child.wait()
        files.close()
    assert files.open_count() == 0


def test_a_descriptor_of_an_exited_process_is_never_read_as_the_new_one() -> None:
    """After the process a descriptor was opened on exits, its reads fail (ESRCH): whatever process has the
    pid now is reached by opening the path again, or the process is reported gone."""
    files = PidFiles(ProcFS())
    child = sleeping_child()
    pid = child.pid
    try:
        files.read_pid_bytes(pid, "statm")
        kept = files.descriptors()
        child.kill()
        child.wait()  # reaped: /proc/PID is gone, the kept descriptor now refers to a dead process
        fd = kept[(pid, "statm")]
        with pytest.raises(OSError):
            os.pread(fd, 100, 0)
        if not os.path.exists(f"/proc/{pid}"):  # (unless the pid was reused at once: then it reads that one)
            with pytest.raises(ProcessGone):
                files.read_pid_bytes(pid, "statm")
        assert (pid, "statm") not in files.descriptors()  # the stale descriptor was closed
    finally:
        files.close()


def test_descriptors_of_unlisted_pids_are_closed_and_the_limit_holds() -> None:
    procfs = ProcFS()
    pids = procfs.pids()[:20]
    files = PidFiles(procfs, limit=5)
    try:
        for pid in pids:
            try:
                files.read_pid_bytes(pid, "statm")
            except CollectError:
                continue
        assert files.open_count() == 5  # beyond the limit: opened, read and closed each time
        files.retain(pids[10:])
        assert all(pid in pids[10:] for pid, _ in files.descriptors())
        files.retain([])
        assert files.open_count() == 0
    finally:
        files.close()


def test_unreadable_and_missing_files_are_collect_errors(tmp_path: Path) -> None:
    (tmp_path / "proc" / "42").mkdir(parents=True)
    (tmp_path / "proc" / "42" / "status").mkdir()  # a directory cannot be read: EISDIR
    files = PidFiles(ProcFS(proc=tmp_path / "proc"))
    with pytest.raises(ProcessGone):
        files.read_pid(43, "status")
    with pytest.raises(CollectError, match="cannot read"):
        files.read_pid(42, "status")
    assert files.open_count() == 0


def test_the_recorder_keeps_its_ranking_descriptors_across_samples() -> None:
    sampler = CachingSampler(ProcFS(), top_processes=3)
    try:
        first = sampler().top_processes
        kept = sampler._pid_files.open_count()
        assert kept >= len(first) and len(first) == 3
        second = sampler().top_processes
        assert len(second) == 3
        assert sampler._pid_files.open_count() <= kept + 50  # only new processes were added
    finally:
        sampler.close()
    assert sampler._pid_files.open_count() == 0
