"""check_private_dir (sshd's StrictModes for data directories) and make_dirs' modes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import require_root

from hostward.errors import UnsafePath
from hostward.recorder.loop import acquire_directory_lock
from hostward.safefs import check_private_dir, check_trusted_file, make_dirs

NOBODY = 65534


def test_private_dir_is_accepted(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    directory.mkdir(mode=0o750)
    check_private_dir(directory)


@pytest.mark.parametrize(
    ("mode", "who"), [(0o770, "its group"), (0o757, "others"), (0o1777, "group and others")]
)
def test_writable_data_dir_is_refused(tmp_path: Path, mode: int, who: str) -> None:
    directory = tmp_path / "data"
    directory.mkdir()
    directory.chmod(mode)
    with pytest.raises(UnsafePath, match=f"refusing data directory {directory}: it is writable by {who}"):
        check_private_dir(directory)


def test_writable_parent_without_sticky_bit_is_refused(tmp_path: Path) -> None:
    parent = tmp_path / "shared"
    parent.mkdir()
    parent.chmod(0o777)
    directory = parent / "data"
    directory.mkdir(mode=0o750)
    with pytest.raises(UnsafePath, match=f"its parent {parent} is writable by group and others"):
        check_private_dir(directory)


def test_sticky_world_writable_parent_is_accepted(tmp_path: Path) -> None:
    parent = tmp_path / "tmp"
    parent.mkdir()
    parent.chmod(0o1777)
    directory = parent / "data"
    directory.mkdir(mode=0o700)
    check_private_dir(directory)


def test_symlinked_data_dir_is_checked_where_it_points(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    real.chmod(0o777)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(UnsafePath, match="writable by group and others"):
        check_private_dir(link)


def test_data_dir_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    require_root()
    directory = tmp_path / "data"
    directory.mkdir(mode=0o750)
    os.chown(directory, NOBODY, -1)
    with pytest.raises(UnsafePath, match=f"owned by uid {NOBODY}, not root"):
        check_private_dir(directory)


def test_recorder_refuses_a_group_writable_data_dir(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    directory.mkdir()
    directory.chmod(0o775)
    with pytest.raises(UnsafePath, match="chmod go-w"):
        acquire_directory_lock(directory)
    assert list(directory.iterdir()) == []


def test_trusted_file_writable_by_group_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hook"
    path.write_text("#!/bin/sh\n")
    path.chmod(0o775)
    with pytest.raises(UnsafePath, match=f"refusing hook {path}: it is writable by its group"):
        check_trusted_file(path, "hook")


@pytest.mark.parametrize("umask", [0o000, 0o077])
def test_make_dirs_modes_ignore_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        make_dirs(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "a" / "b").stat().st_mode & 0o777 == 0o750


def test_make_dirs_leaves_existing_directories_alone(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir(mode=0o755)
    (tmp_path / "a").chmod(0o755)
    make_dirs(tmp_path / "a" / "b", 0o700)
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "a" / "b").stat().st_mode & 0o777 == 0o700


def test_guard_refuses_an_events_directory_others_can_write(tmp_path: Path) -> None:
    from hostward.config import Config
    from hostward.oom.guard.guard_setup import build_guard

    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)
    with pytest.raises(UnsafePath, match=f"refusing guard events directory {data}: it is writable"):
        build_guard(Config(), events_file=data / "events.jsonl")
    assert list(data.iterdir()) == []
