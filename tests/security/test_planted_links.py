"""Links planted at every name hostward writes (in-process, as the same user): the write never goes through
them. The same attacks by a real unprivileged user are in test_nobody_farm.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from pathlib import Path

import pytest

from hostward.errors import StoreError, UnsafePath
from hostward.oom.guard.events import GuardEvent, append_event
from hostward.recorder.loop import LOCK_NAME, acquire_directory_lock, append_comment, local_day
from hostward.store.housekeeping import compress_file
from hostward.store.paths import day_path

VICTIM_TEXT = b"root:x:0:0:do not touch\n"


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim"
    victim.write_bytes(VICTIM_TEXT)
    return victim


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir(mode=0o750)
    return directory


def test_day_file_temp_at_old_pid_name_is_not_followed(tmp_path: Path, data_dir: Path) -> None:
    victim = _victim(tmp_path)
    path = day_path(data_dir, local_day(time.time()))
    (data_dir / f".{path.name}.{os.getpid()}.tmp").symlink_to(victim)
    written = append_comment(data_dir, "planted")
    assert written == path
    assert victim.read_bytes() == VICTIM_TEXT
    assert path.stat().st_nlink == 1
    assert (path.stat().st_mode & 0o777) == 0o640


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_day_file_itself_planted_is_refused(tmp_path: Path, data_dir: Path, kind: str) -> None:
    victim = _victim(tmp_path)
    path = day_path(data_dir, local_day(time.time()))
    if kind == "symlink":
        path.symlink_to(victim)
    else:
        os.link(victim, path)
    with pytest.raises(UnsafePath, match=str(path)):
        append_comment(data_dir, "planted")
    assert victim.read_bytes() == VICTIM_TEXT


def test_compression_temp_at_old_pid_name_is_not_followed(tmp_path: Path, data_dir: Path) -> None:
    victim = _victim(tmp_path)
    day = day_path(data_dir, dt.date(2026, 1, 2))
    day.write_bytes(b"x" * 4096)
    (data_dir / f".{day.name}.xz.{os.getpid()}.tmp").symlink_to(victim)
    target = compress_file(day)
    assert victim.read_bytes() == VICTIM_TEXT
    assert target.read_bytes().startswith(b"\xfd7zXZ")
    assert (target.stat().st_mode & 0o777) == 0o640


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_lock_file_planted_is_refused(tmp_path: Path, data_dir: Path, kind: str) -> None:
    victim = _victim(tmp_path)
    lock = data_dir / LOCK_NAME
    if kind == "symlink":
        lock.symlink_to(victim)
    else:
        os.link(victim, lock)
    with pytest.raises(UnsafePath, match="refusing to write"):
        acquire_directory_lock(data_dir)
    assert victim.read_bytes() == VICTIM_TEXT


def test_lock_file_is_created_private(data_dir: Path) -> None:
    fd = acquire_directory_lock(data_dir)
    try:
        assert (os.fstat(fd).st_mode & 0o777) == 0o640
    finally:
        os.close(fd)


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "dangling"])
def test_events_file_planted_is_refused(tmp_path: Path, data_dir: Path, kind: str) -> None:
    victim = _victim(tmp_path)
    events = data_dir / "events.jsonl"
    if kind == "symlink":
        events.symlink_to(victim)
    elif kind == "hardlink":
        os.link(victim, events)
    else:
        events.symlink_to(tmp_path / "created-through-link")
    with pytest.raises(StoreError, match="refusing to write"):
        append_event(events, GuardEvent(time=1.0, kind="trigger", reason="planted"))
    assert victim.read_bytes() == VICTIM_TEXT
    assert not (tmp_path / "created-through-link").exists()


def test_events_file_is_created_0640_whatever_the_umask(data_dir: Path) -> None:
    old = os.umask(0)
    try:
        append_event(data_dir / "sub" / "events.jsonl", GuardEvent(time=1.0, kind="trigger", reason="ok"))
    finally:
        os.umask(old)
    assert (data_dir / "sub" / "events.jsonl").stat().st_mode & 0o777 == 0o640
    assert (data_dir / "sub").stat().st_mode & 0o777 == 0o750


def test_day_file_is_born_without_a_temporary_name(tmp_path: Path, data_dir: Path) -> None:
    """O_TMPFILE: no .tmp name appears at any time (none left behind either), and a planted name is never
    replaced by the link that names the new file."""
    from hostward.safefs import create_unnamed, link_unnamed

    fd = create_unnamed(data_dir)
    assert fd is not None, "this file system supports O_TMPFILE"
    try:
        os.write(fd, b"new")
        assert list(data_dir.iterdir()) == []  # filled, and still no name
        victim = _victim(tmp_path)
        (data_dir / "taken").symlink_to(victim)
        with pytest.raises(FileExistsError):
            link_unnamed(fd, data_dir / "taken")
        link_unnamed(fd, data_dir / "free")
    finally:
        os.close(fd)
    assert victim.read_bytes() == VICTIM_TEXT
    assert (data_dir / "free").read_bytes() == b"new" and (data_dir / "free").stat().st_mode & 0o777 == 0o640


def test_a_fifo_planted_at_a_file_we_append_to_is_refused_not_waited_on(data_dir: Path) -> None:
    """Opening a FIFO to write waits for a reader: the day file's and the guard's events file's appends stopped
    there for good (the recorder's loop, the guard's trigger). Opened without blocking, it is an error at once."""
    day = day_path(data_dir, local_day(time.time()))
    events = data_dir / "events.jsonl"
    os.mkfifo(day, 0o640)
    os.mkfifo(events, 0o640)
    with pytest.raises((StoreError, OSError), match=str(day)):
        append_comment(data_dir, "planted")
    with pytest.raises((StoreError, OSError), match=str(events)):
        append_event(events, GuardEvent(time=1.0, kind="trigger", reason="planted"))
