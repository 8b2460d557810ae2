"""hostward_recorder_write_errors_total: writes that really fail (a tiny tmpfs filled up) are counted, and the
count reaches the exporter through the recorder's lock file, as it would from another process."""

from __future__ import annotations

import errno
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import require_root, unavailable
from tests.record.conftest import wait_for

from hostward.config import Config, MetricsConfig, RecordConfig
from hostward.export.exposition import render
from hostward.export.registry import build_exporter
from hostward.recorder import Recorder
from hostward.recorder.loop import local_day
from hostward.recorder.status import LOCK_NAME, note_write_errors, parse_status, read_status, start_status
from hostward.store import day_path


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    require_root()
    mount = tmp_path / "tiny"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=128k,mode=0750", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        unavailable(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(mount: Path) -> Path:
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


def _scrape(data_dir: Path) -> str:
    exporter = build_exporter(
        Config(record=RecordConfig(data_dir=data_dir), metrics=MetricsConfig()), node=False
    )
    for poller in exporter.pollers:
        if poller.name == "recorder":
            poller.poll_once()
    return render(exporter.registry).decode()


@pytest.mark.root
def test_failed_writes_on_a_full_disk_are_counted(tiny_tmpfs: Path) -> None:
    recorder = Recorder(RecordConfig(interval_seconds=0.05, data_dir=tiny_tmpfs), housekeeping=False)
    thread = threading.Thread(target=recorder.run)
    thread.start()
    try:
        wait_for(lambda: recorder.summary.written >= 2, what="the first samples stored")
        assert "hostward_recorder_write_errors_total 0\n" in _scrape(tiny_tmpfs)
        filler = _fill(tiny_tmpfs)
        # the count is in place in the lock file while the disk is full
        wait_for(lambda: (s := read_status(tiny_tmpfs)) is not None and s.write_errors >= 3, what="3 errors")
        text = _scrape(tiny_tmpfs)
        status = read_status(tiny_tmpfs)
        assert status is not None and status.pid == os.getpid() and status.last_error_time > 0
        published = int(text.split("\nhostward_recorder_write_errors_total ")[1].split()[0])
        assert 3 <= published <= status.write_errors  # the recorder may have failed again since the scrape
        assert "# TYPE hostward_recorder_write_errors_total counter" in text
        assert f"hostward_recorder_last_write_error_timestamp_seconds {status.last_error_time}\n" in text
        filler.unlink()
        written = recorder.summary.written
        wait_for(lambda: recorder.summary.written >= written + 2, what="writing again after space returned")
    finally:
        recorder.stop()
        thread.join(10)
    final = read_status(tiny_tmpfs)
    assert final is not None
    assert final.write_errors == recorder.summary.write_errors == recorder.summary.lost  # one per lost sample
    assert f"hostward_recorder_write_errors_total {final.write_errors}\n" in _scrape(tiny_tmpfs)


def test_the_count_is_overwritten_in_place_and_keeps_the_pid_first(tmp_path: Path) -> None:
    fd = os.open(tmp_path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        start_status(fd)
        size = os.fstat(fd).st_size
        note_write_errors(fd, 12, 1_800_000_000.7)
        assert os.fstat(fd).st_size == size  # no growth: nothing to allocate on a full filesystem
    finally:
        os.close(fd)
    text = (tmp_path / LOCK_NAME).read_text()
    assert text.split("\n")[0] == str(os.getpid())
    assert read_status(tmp_path) == parse_status(text)
    status = read_status(tmp_path)
    assert status is not None and (status.write_errors, status.last_error_time) == (12, 1_800_000_000)


def test_no_lock_file_or_an_old_one_publishes_no_count(tmp_path: Path) -> None:
    assert read_status(tmp_path) is None
    assert "hostward_recorder_write_errors_total" not in _scrape(tmp_path)
    (tmp_path / LOCK_NAME).write_text("4242\n")  # an older recorder's lock file: the pid alone
    assert read_status(tmp_path) is None
    (tmp_path / "elsewhere").write_text(
        "1\nwrite_errors 00000000000000000009 last_error 00000000000000000001\n"
    )
    (tmp_path / LOCK_NAME).unlink()
    (tmp_path / LOCK_NAME).symlink_to(tmp_path / "elsewhere")
    assert read_status(tmp_path) is None  # never read through a planted link


@given(st.text(max_size=200))
def test_any_lock_file_text_is_a_status_or_none(text: str) -> None:
    status = parse_status(text)
    assert status is None or (status.write_errors >= 0 and status.last_error_time >= 0)


def test_an_unwritable_day_file_is_counted(tmp_path: Path) -> None:
    """Today's day file cannot be opened (a directory stands in its place): every write fails, for real."""
    data = tmp_path / "data"
    data.mkdir(mode=0o750)
    day_path(data, local_day(time.time())).mkdir()
    summary = Recorder(RecordConfig(interval_seconds=0.05, data_dir=data), housekeeping=False).run(count=3)
    assert (summary.written, summary.write_errors) == (0, 3)
    status = read_status(data)
    assert status is not None and status.write_errors == 3
    text = _scrape(data)
    assert "hostward_recorder_write_errors_total 3\n" in text
    assert f"hostward_recorder_last_write_error_timestamp_seconds {status.last_error_time}\n" in text
