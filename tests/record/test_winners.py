"""The recorder's top processes read again without /proc/PID/stat: the start time kept with the serial of the
status descriptor, dropped whenever that descriptor changes (recorder/sampler.py _read_process)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import require_root
from tests.record.conftest import sleeping_child

from hostward.collect.procs import ProcessInfo, read_process
from hostward.errors import ProcessGone
from hostward.procfs import ProcFS
from hostward.recorder.pidfiles import PidFiles
from hostward.recorder.sampler import CachingSampler

NOBODY = 65534

MOVING = ("state", "rss_bytes", "swap_bytes", "pgtables_bytes", "vm_size_bytes", "oom_score")


def _settled(info: ProcessInfo, like: ProcessInfo) -> ProcessInfo:
    """``info`` with the figures that move between two reads taken from ``like``."""
    return dataclasses.replace(info, **{k: getattr(like, k) for k in MOVING})


class _Counting(PidFiles):
    def __init__(self, procfs: ProcFS) -> None:
        super().__init__(procfs)
        self.reads: list[tuple[int, str]] = []

    def read_pid_bytes(self, pid: int, name: str) -> bytes:
        self.reads.append((pid, name))
        return super().read_pid_bytes(pid, name)


def test_the_second_sample_reads_no_stat_of_the_same_top_processes() -> None:
    sampler = CachingSampler(ProcFS(), top_processes=5)
    files = sampler._pid_files = _Counting(sampler.procfs)
    try:
        first = {p.pid: p for p in sampler._top(0)}
        assert len(first) == 5
        assert {pid for pid, name in files.reads if name == "stat"} >= first.keys()
        files.reads.clear()
        second = sampler._top(0)
        stat_reads = {pid for pid, name in files.reads if name == "stat"}
        for info in second:
            if info.pid in first:  # the same process as before: status stood in for stat
                assert info.pid not in stat_reads
                assert _settled(info, first[info.pid]) == first[info.pid]
            fresh = read_process(ProcFS(), info.pid)
            assert _settled(info, fresh) == fresh  # what a full read gives, moving figures aside
    finally:
        sampler.close()


def test_a_new_status_descriptor_drops_the_kept_start_time() -> None:
    child = sleeping_child("winner")
    sampler = CachingSampler(ProcFS(), top_processes=1)
    try:
        full = sampler._read_process(child.pid)
        serial = sampler._pid_files.kept(child.pid, "status")
        assert serial is not None and sampler._seen[child.pid] == (serial, full.start_ticks)
        assert _settled(sampler._read_process(child.pid), full) == full  # read without stat now
        assert sampler._seen[child.pid] == (serial, full.start_ticks)
        # Not listed any more: its descriptors are closed, and with them goes what was known of it.
        sampler._pid_files.retain([])
        assert sampler._pid_files.kept(child.pid, "status") is None
        sampler._top(0)
        assert child.pid not in sampler._seen
        again = sampler._read_process(child.pid)  # read in full through new descriptors, kept anew
        new_serial = sampler._pid_files.kept(child.pid, "status")
        assert new_serial is not None and new_serial != serial and again.start_ticks == full.start_ticks
        child.kill()
        child.wait()
        with pytest.raises(ProcessGone):
            sampler._read_process(child.pid)
        assert sampler._pid_files.kept(child.pid, "status") is None
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        sampler.close()


def test_a_status_that_cannot_stand_in_for_stat_is_read_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a kernel without the Kthread line: process_again says no, and the process is read in full
    (stat included) while its descriptor lasts, without asking again; each full read proven of one process by
    the ranking's statm read again after it."""
    from hostward.recorder import sampler as sampler_module

    asked: list[int] = []

    def never(pid: int, start_ticks: int, status: bytes, **_: object) -> None:
        asked.append(pid)

    monkeypatch.setattr(sampler_module, "process_again", never)
    child = sleeping_child("winner")
    sampler = CachingSampler(ProcFS(), top_processes=1)
    files = sampler._pid_files = _Counting(sampler.procfs)
    try:
        files.read_pid_bytes(child.pid, "statm")  # as the ranking does
        first = sampler._read_process(child.pid)
        second = sampler._read_process(child.pid)
        third = sampler._read_process(child.pid)
        assert asked == [child.pid]  # asked once, then read in full
        names = [name for _, name in files.reads]
        assert (
            names.count("stat") == 3 and names.count("statm") == 1 + 3
        )  # the ranking's, then each read's check
        assert sampler._seen[child.pid] == (files.kept(child.pid, "status"), -1)
        assert _settled(second, first) == first and _settled(third, first) == first
    finally:
        child.kill()
        child.wait()
        sampler.close()


def test_the_same_texts_give_the_record_again_without_reducing_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four texts read exactly as at the last sample: the record built then, status_for_again not computed
    (it would give what it gave then); a status that moved gives it its say again."""
    from hostward.recorder import sampler as sampler_module

    child = sleeping_child("same texts")
    sampler = CachingSampler(ProcFS(), top_processes=1)
    reduced: list[bytes] = []
    real = sampler_module.status_for_again

    def counted(status: bytes) -> bytes:
        reduced.append(status)
        return real(status)

    monkeypatch.setattr(sampler_module, "status_for_again", counted)
    try:
        sampler._read_process(child.pid)  # in full, start time kept
        built = sampler._read_process(child.pid)  # built from status
        raw, inputs, info = sampler._again[child.pid]
        assert info is built and raw[1] in reduced
        reduced.clear()
        sampler._again[child.pid] = (raw, inputs, info)
        files = sampler._pid_files
        real_read_kept = files.read_kept
        monkeypatch.setattr(files, "read_kept", lambda pid, names: (raw[0], list(raw[1:])))  # the same texts
        assert sampler._read_process(child.pid) is built and reduced == []
        moved = raw[1].replace(b"\nvoluntary_ctxt_switches:", b"\nvoluntary_ctxt_switches:\t9\n#", 1)
        monkeypatch.setattr(files, "read_kept", lambda pid, names: (raw[0], [moved, *raw[2:]]))
        again = sampler._read_process(child.pid)
        assert reduced == [moved] and again.rss_bytes == built.rss_bytes
        monkeypatch.setattr(files, "read_kept", real_read_kept)
    finally:
        child.kill()
        child.wait()
        sampler.close()


def _steady(sampler: CachingSampler, pid: int) -> ProcessInfo:
    """The process's record once two reads in a row give the same object: the record given again while its
    texts read the same. A process that just printed may still be on its way to sleep (its state, its RSS),
    so the first reads after it can differ; a cache that never gives a record again fails here."""
    last = sampler._read_process(pid)
    for _ in range(300):
        again = sampler._read_process(pid)
        if again is last:
            return again
        last = again
        time.sleep(0.01)
    raise AssertionError(f"pid {pid}: a new record at each of 300 reads")


def test_an_idle_process_gives_its_record_again_and_a_moving_one_a_new_one() -> None:
    """Read again with the same four texts (status but for its context-switch counts), a process's record is
    the one built before; once its memory moved, a new record with the new figures."""
    code = (
        "import sys\nblocks = []\nprint('ready', flush=True)\n"
        "for line in sys.stdin:\n    blocks.append(b'\\x01' * (8 << 20))\n    print('grew', flush=True)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    sampler = CachingSampler(ProcFS(), top_processes=1)
    try:
        assert child.stdout.readline() == b"ready\n"
        sampler._read_process(child.pid)  # in full, start time kept
        second = _steady(sampler, child.pid)  # built from status, then given again: nothing it reads moved
        raw = sampler._again[child.pid][0]
        assert raw[1] == sampler._pid_files.read_pid_bytes(child.pid, "status")  # the whole text kept
        child.stdin.write(b"grow\n")
        child.stdin.flush()
        assert child.stdout.readline() == b"grew\n"
        fourth = _steady(sampler, child.pid)
        assert fourth is not second and fourth.rss_bytes >= second.rss_bytes + (8 << 20)
        fresh = read_process(ProcFS(), child.pid)
        assert _settled(fourth, fresh) == fresh and fourth.rss_bytes == fresh.rss_bytes
    finally:
        child.kill()
        child.wait()
        child.stdin.close()
        child.stdout.close()
        sampler.close()


def test_the_last_listing_serves_while_no_task_was_created() -> None:
    """With /proc/stat's fork count unchanged since the sample that listed /proc, no process can have been
    created: the listing is taken again (a child started meanwhile "without a fork" is not seen, which only
    a test can arrange); a new count, or REFRESH_SECONDS later, lists again. Exited processes are skipped."""
    from hostward.recorder import sampler as sampler_module

    now = [0.0]
    sampler = CachingSampler(ProcFS(), monotonic=lambda: now[0], top_processes=100_000)
    child = sleeping_child("listed")
    late = None
    try:
        assert child.pid in {p.pid for p in sampler._top(1000)}
        late = sleeping_child("late")
        child.kill()
        child.wait()
        served = {p.pid for p in sampler._top(1000)}
        assert late.pid not in served and child.pid not in served  # the old listing; the exited one skipped
        assert late.pid in {p.pid for p in sampler._top(1001)}  # a task was created: listed again
        late.kill()
        late.wait()
        again = sleeping_child("again")
        try:
            assert again.pid not in {p.pid for p in sampler._top(1001)}
            now[0] += sampler_module.REFRESH_SECONDS
            assert again.pid in {p.pid for p in sampler._top(1001)}  # listed at least every minute
        finally:
            again.kill()
            again.wait()
    finally:
        for process in (child, late):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        sampler.close()


def test_an_unprivileged_recorder_lists_proc_at_every_sample() -> None:
    """Under hidepid=, a process can come into an unprivileged reader's view without a fork (a root daemon
    taking the reader's uid): only root keeps a listing while the fork count stands still."""
    require_root()
    os.seteuid(NOBODY)
    try:
        sampler = CachingSampler(ProcFS(), top_processes=3)
    finally:
        os.seteuid(0)
    child = sleeping_child("unprivileged")
    try:
        sampler._listing(1000)
        late = sleeping_child("late")
        try:
            assert late.pid in sampler._listing(1000)  # same count, listed again all the same
        finally:
            late.kill()
            late.wait()
    finally:
        child.kill()
        child.wait()
        sampler.close()


def test_a_fixture_tree_is_listed_at_every_sample(tmp_path: Path) -> None:
    sampler = CachingSampler(ProcFS(proc=tmp_path), top_processes=3)
    try:
        assert sampler._top(1000) == ()
        (tmp_path / "12").mkdir()
        assert sampler._listing(1000) == [12]  # not the last listing: the tree's stat counts nothing
    finally:
        sampler.close()


def test_a_ranked_newcomer_is_proven_one_process_by_its_statm_not_a_second_stat() -> None:
    """The ranking's statm descriptor, opened before stat and status are read, read again after them: the
    start time is kept on that proof, and stat is read once."""
    child = sleeping_child("winner")
    sampler = CachingSampler(ProcFS(), top_processes=1)
    files = sampler._pid_files = _Counting(sampler.procfs)
    try:
        files.read_pid_bytes(child.pid, "statm")  # as the ranking does
        statm = files.kept(child.pid, "statm")
        files.reads.clear()
        full = sampler._read_process(child.pid)
        names = [name for _, name in files.reads]
        assert names.count("stat") == 1 and names[-1] == "statm" and files.kept(child.pid, "statm") == statm
        assert sampler._seen[child.pid] == (files.kept(child.pid, "status"), full.start_ticks)
        fresh = read_process(ProcFS(), child.pid)
        assert _settled(full, fresh) == fresh
    finally:
        child.kill()
        child.wait()
        sampler.close()


def test_a_command_line_past_the_kept_size_is_read_in_one_pread_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past 64 KiB a file keeps its own read size with its descriptor: the winner's four files are read in
    four preads at every sample, not cut, given up and read again the long way."""
    child = sleeping_child("x" * 50_000, "y" * 50_000)
    files = PidFiles(ProcFS())
    names = ("status", "oom_score_adj", "oom_score", "cmdline")
    reads: list[int] = []
    real_pread = os.pread

    def pread(fd: int, size: int, offset: int) -> bytes:
        reads.append(size)
        return real_pread(fd, size, offset)

    try:
        for name in names:
            files.read_pid_bytes(child.pid, name)
        monkeypatch.setattr(os, "pread", pread)
        for _ in range(2):
            reads.clear()
            kept = files.read_kept(child.pid, names)
            assert kept is not None and len(kept[1][3]) > 100_000
            assert len(reads) == 4
    finally:
        child.kill()
        child.wait()
        files.close()


def test_read_kept_reads_through_kept_descriptors_or_says_no() -> None:
    child = sleeping_child("x" * 5000)  # a command line longer than a first read
    files = PidFiles(ProcFS())
    names = ("status", "oom_score_adj", "oom_score", "cmdline")
    try:
        assert files.read_kept(child.pid, names) is None  # nothing kept yet
        texts = [files.read_pid_bytes(child.pid, name) for name in names]
        read = files.read_kept(child.pid, names)
        assert read is not None and read[0] == files.kept(child.pid, "status")
        kept = read[1]
        assert kept[1:] == texts[1:] and len(kept[3]) > 5000
        assert kept[0].split(b"\nState:")[0] == texts[0].split(b"\nState:")[0]
        files._sizes["cmdline"] = 4096  # as if the longer buffer had not been remembered: read again, longer
        again = files.read_kept(child.pid, names)
        assert again is not None and again[1][3] == kept[3] and files._sizes["cmdline"] > 5000
        child.kill()
        child.wait()
        assert files.read_kept(child.pid, names) is None  # gone: its reads fail
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        files.close()


def test_a_pending_signal_gives_the_idle_process_its_record_again() -> None:
    """A blocked signal sent to an idle process changes its status's SigPnd/ShdPnd lines and nothing recorded:
    its record is the one built before (collect.procs.status_for_again)."""
    code = (
        "import signal, time\nsignal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])\n"
        "print('ready', flush=True)\ntime.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    sampler = CachingSampler(ProcFS(), top_processes=1)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        sampler._pid_files.read_pid_bytes(child.pid, "statm")
        sampler._read_process(child.pid)  # in full
        second = _steady(sampler, child.pid)  # from status, once asleep (just after printing, it may run)
        before = Path(f"/proc/{child.pid}/status").read_bytes()
        os.kill(child.pid, signal.SIGUSR1)
        after = Path(f"/proc/{child.pid}/status").read_bytes()
        assert before != after  # the pending-signal lines moved
        assert sampler._read_process(child.pid) is second
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
        sampler.close()


class _Reused(PidFiles):
    """Kept descriptors never all read (as when one is not kept or its process exited); once ``armed``, right
    after its status is read the process exits and its pid names ``other`` (as if reused): /proc/<pid> leads
    there."""

    def __init__(self, procfs: ProcFS, exits: subprocess.Popen[bytes], other: int, tree: Path) -> None:
        super().__init__(procfs)
        self.exits, self.other, self.tree, self.armed = exits, other, tree, False

    def read_kept(self, pid: int, names: tuple[str, ...]) -> tuple[int, list[bytes]] | None:
        return None

    def read_pid_bytes(self, pid: int, name: str) -> bytes:
        data = super().read_pid_bytes(pid, name)
        if self.armed and name == "status":
            self.armed = False
            self.exits.kill()
            self.exits.wait()
            (self.tree / str(pid)).symlink_to(f"/proc/{self.other}")
            self.root = str(self.tree)
        return data


@pytest.mark.parametrize(
    ("stands_in", "ranked"), [(True, False), (True, True), (False, False), (False, True)]
)
def test_a_pid_reused_between_the_reads_gives_one_process_record(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stands_in: bool, ranked: bool
) -> None:
    """The process exits right after its status is read and its pid then names another process: the record
    is the other process's alone (its command line with its own start time), never the first one's start time
    with the other's command line. Whether its four files are read again one by one (status standing in for
    stat), or it is read in full at every sample (process_again says no, as on a kernel without the Kthread
    line); with its statm kept by the ranking or not."""
    from hostward.recorder import sampler as sampler_module

    if not stands_in:
        monkeypatch.setattr(sampler_module, "process_again", lambda *_, **__: None)
    first = sleeping_child("winner-first")
    time.sleep(0.05)  # five clock ticks: the two start times differ
    other = sleeping_child("winner-other")
    sampler = CachingSampler(ProcFS(), top_processes=1)
    files = sampler._pid_files = _Reused(sampler.procfs, first, other.pid, tmp_path)
    try:
        if ranked:
            files.read_pid_bytes(first.pid, "statm")
        before = sampler._read_process(first.pid)  # in full: its start time kept
        assert "winner-first" in before.cmdline
        if not stands_in:
            sampler._read_process(first.pid)  # status cannot stand in: read in full from now on
            assert sampler._seen[first.pid][1] == -1
        files.armed = True
        info = sampler._read_process(first.pid)
        their = read_process(ProcFS(), other.pid)
        assert before.start_ticks != their.start_ticks
        assert info.cmdline == their.cmdline and "winner-other" in info.cmdline
        assert (info.comm, info.start_ticks) == (their.comm, their.start_ticks)
        # kept as the other's, or not at all (the ranking's statm, of the first, cannot prove the fresh read)
        assert sampler._seen.get(first.pid) in (None, (files.kept(first.pid, "status"), their.start_ticks))
    finally:
        for child in (first, other):
            if child.poll() is None:
                child.kill()
                child.wait()
        sampler.close()
