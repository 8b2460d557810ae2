"""The record loop in-process: midnight rotation, a full disk (real tmpfs and an injected failing writer),
housekeeping with an injected clock."""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import require_root
from tests.record.conftest import wait_for

from hostward.collect.host import HostInfo
from hostward.collect.sample import SystemSample
from hostward.config import RecordConfig
from hostward.errors import StoreError
from hostward.recorder import Recorder
from hostward.recorder.schedule import Schedule
from hostward.store import DataFileWriter, RestartMark, day_path, read_day, read_file
from hostward.store.writer import store_error


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def fast_clock(start: dt.datetime, speed: float) -> tuple[object, object]:
    """A wall clock starting at ``start`` running ``speed`` times faster than real time."""
    base, m0 = start.replace(tzinfo=dt.UTC).timestamp(), time.monotonic()
    return (lambda: base + (time.monotonic() - m0) * speed), time.monotonic


def test_midnight_carries_the_last_sample_into_the_new_day(tmp_path: Path, utc: None) -> None:
    clock, _ = fast_clock(dt.datetime(2026, 11, 27, 23, 59, 52), speed=20.0)
    config = RecordConfig(interval_seconds=0.1, data_dir=tmp_path)
    summary = Recorder(config, clock=clock, housekeeping=False).run(count=10)  # type: ignore[arg-type]
    assert summary.written == 10 and summary.lost == 0
    old = read_day(tmp_path, dt.date(2026, 11, 27))
    new = read_day(tmp_path, dt.date(2026, 11, 28))
    assert isinstance(old.entries[0], RestartMark)
    old_samples = [e for e in old.entries if isinstance(e, SystemSample)]
    assert old_samples and all(dt.datetime.fromtimestamp(s.timestamp).day == 27 for s in old_samples)
    assert new.previous == old_samples[-1]  # the predecessor of the new day's first sample
    assert all(isinstance(e, SystemSample) for e in new.entries)  # no restart at midnight
    assert len(old_samples) + len(new.entries) == 10
    assert summary.files == [
        day_path(tmp_path, dt.date(2026, 11, 27)),
        day_path(tmp_path, dt.date(2026, 11, 28)),
    ]


def test_housekeeping_runs_with_the_recorders_date(tmp_path: Path, utc: None) -> None:
    clock, _ = fast_clock(dt.datetime(2026, 11, 27, 12, 0, 0), speed=1.0)
    host = HostInfo("Linux", "x", "h", "x86_64", 2)
    for age in (5, 12, 40):
        day = dt.date(2026, 11, 27) - dt.timedelta(days=age)
        with DataFileWriter.open(day_path(tmp_path, day), day, host):
            pass
    config = RecordConfig(interval_seconds=0.05, data_dir=tmp_path, retention_days=28, compress_after_days=10)
    Recorder(config, clock=clock).run(count=1)  # type: ignore[arg-type]
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert names == ["hw20261115.xz", "hw20261122", "hw20261127"]


class FlakyWriter(DataFileWriter):
    """A real writer whose appends fail with ENOSPC while ``full`` is set."""

    full = threading.Event()

    def _append(self, data: bytes) -> None:
        if self.full.is_set():
            self._encoder.reset()
            raise store_error(OSError(errno.ENOSPC, "No space left on device"), "write to", self.path)
        super()._append(data)


def test_injected_full_disk_loses_samples_but_keeps_sampling(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hostward.record")
    FlakyWriter.full.clear()
    config = RecordConfig(interval_seconds=0.02, data_dir=tmp_path)
    recorder = Recorder(config, writer_factory=lambda p, d, h: FlakyWriter.open(p, d, h), housekeeping=False)
    thread = threading.Thread(target=recorder.run)
    thread.start()
    try:
        wait_for(lambda: recorder.summary.written >= 3, what="3 written")
        FlakyWriter.full.set()
        wait_for(lambda: recorder.summary.lost >= 5, what="5 lost")
        FlakyWriter.full.clear()
        written = recorder.summary.written
        wait_for(lambda: recorder.summary.written >= written + 3, what="writing again")
    finally:
        recorder.stop()
        thread.join(10)
    summary = recorder.summary
    assert summary.samples == summary.written + summary.lost
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "file system is full" in errors[0].getMessage()
    assert "will resume writing when space is freed" in errors[0].getMessage()
    assert any(
        "writing to" in r.getMessage() and "could not be stored" in r.getMessage() for r in caplog.records
    )
    data = read_file(summary.files[0], strict=True)
    samples = [e for e in data.entries if isinstance(e, SystemSample)]
    assert len(samples) == summary.written
    assert [s.uptime_seconds for s in samples] == sorted(s.uptime_seconds for s in samples)


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    require_root()
    mount = tmp_path / "tiny"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0750", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(mount: Path) -> Path:
    filler = mount / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


@pytest.mark.root
def test_real_full_disk_on_a_tiny_tmpfs(tiny_tmpfs: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hostward.record")
    fill(tiny_tmpfs)  # full before the first write: even the file cannot be created
    config = RecordConfig(interval_seconds=0.02, data_dir=tiny_tmpfs)
    recorder = Recorder(config, housekeeping=False)
    thread = threading.Thread(target=recorder.run)
    thread.start()
    try:
        wait_for(lambda: recorder.summary.lost >= 3, what="failures on a full disk")
        assert recorder.summary.written == 0
        (tiny_tmpfs / "filler").unlink()
        wait_for(lambda: recorder.summary.written >= 3, what="writing after space returned")
        fill(tiny_tmpfs)  # full again, now in the middle of a file
        lost = recorder.summary.lost
        wait_for(lambda: recorder.summary.lost >= lost + 3, timeout=30, what="failures mid-file")
        (tiny_tmpfs / "filler").unlink()
        written = recorder.summary.written
        wait_for(lambda: recorder.summary.written >= written + 3, what="writing again")
    finally:
        recorder.stop()
        thread.join(10)
    data = read_file(recorder.summary.files[0], strict=True)
    assert isinstance(data.entries[0], RestartMark)  # the restart mark waited for space, it was not lost
    samples = [e for e in data.entries if isinstance(e, SystemSample)]
    assert len(samples) == recorder.summary.written
    messages = [r.getMessage() for r in caplog.records]
    assert sum("file system is full" in m for m in messages) == 2  # once per outage
    assert not list(tiny_tmpfs.glob(".*tmp"))


def test_schedule_aligns_to_the_wall_clock_and_skips_missed_slots() -> None:
    schedule = Schedule(10.0, monotonic_now=100.0, wall_now=1_000_003.0)
    assert schedule.next_due(100.0) == 107.0  # wall 1_000_010
    assert schedule.next_due(107.1) == 117.0
    assert schedule.next_due(150.0) == 157.0  # suspended past two slots: no burst
    tight = Schedule(10.0, monotonic_now=0.0, wall_now=1_000_009.0)
    assert tight.next_due(0.0) == 11.0  # a 1 s first interval would be noisy: next slot instead


def test_store_errors_name_the_file(tmp_path: Path) -> None:
    error = store_error(OSError(errno.EIO, "Input/output error"), "write to", tmp_path / "hw")
    assert (
        isinstance(error, StoreError)
        and str(error) == f"cannot write to {tmp_path / 'hw'}: Input/output error"
    )


def test_caching_sampler_matches_sample_system_on_fixture_trees() -> None:
    from hostward.collect.sample import sample_system
    from hostward.procfs import ProcFS
    from hostward.recorder.sampler import CachingSampler

    trees = Path(__file__).parent.parent / "fixtures" / "proc"
    for name in ("debian12-vm", "old-kernel"):
        procfs = ProcFS(proc=trees / name / "proc", sys=trees / name / "sys")
        sampler = CachingSampler(procfs, clock=lambda: 1.5)
        assert sampler() == sample_system(procfs, clock=lambda: 1.5)
        assert sampler() == sample_system(procfs, clock=lambda: 1.5)  # from the cache, still identical


def test_top_processes_on_the_live_system() -> None:
    from hostward.procfs import ProcFS
    from hostward.recorder.sampler import CachingSampler

    everyone = CachingSampler(ProcFS(), top_processes=100_000)().top_processes
    assert os.getpid() in {p.pid for p in everyone}
    assert not any(p.kernel_thread for p in everyone) and 2 not in {p.pid for p in everyone}
    top3 = CachingSampler(ProcFS(), top_processes=3)().top_processes
    assert len(top3) == 3
    assert [p.rss_bytes for p in top3] == sorted((p.rss_bytes for p in top3), reverse=True)
    assert top3[0].rss_bytes >= max(p.rss_bytes for p in everyone) * 0.5  # memory moves between the two scans


def test_a_second_recorder_on_the_same_directory_is_refused(tmp_path: Path) -> None:
    """Two delta-encoded streams interleaved in one file would decode to garbage: one recorder per directory."""
    from hostward.recorder.loop import acquire_directory_lock

    fd = acquire_directory_lock(tmp_path)
    try:
        with pytest.raises(
            StoreError, match=rf"another hostward record \(pid {os.getpid()}\) is already recording"
        ):
            Recorder(RecordConfig(interval_seconds=0.05, data_dir=tmp_path)).run(count=1)
    finally:
        os.close(fd)
    assert (
        Recorder(RecordConfig(interval_seconds=0.05, data_dir=tmp_path), housekeeping=False)
        .run(count=1)
        .written
        == 1
    )
