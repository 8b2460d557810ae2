"""Mounted filesystems as sadc 12.6 lists them (rd_stats.c read_filesystem): the mount table rules on fixture
text, statvfs figures through an injected statvfs, and the live kernel with a loop filesystem the test mounts
and fills."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.report.sidebyside import loop_filesystem

from hostward.collect.filesystems import (
    Filesystem,
    Mount,
    filesystems,
    parse_mounts,
    read_filesystems,
    unescape,
)
from hostward.procfs import ProcFS

TABLE = """\
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /run tmpfs rw,nosuid,nodev,size=1638400k,mode=755 0 0
/dev/vda1 / ext4 rw,relatime,errors=remount-ro 0 0
systemd-1 /mnt/auto autofs rw,relatime,fd=33 0 0
/etc/auto.misc /misc autofs rw,relatime 0 0
/dev/vdb /srv/my\\040data xfs rw,relatime 0 0
/dev/vda1 /var/lib/bind ext4 rw,relatime 0 0
/dev/incomplete /only-two-fields
//server/share /mnt/smb cifs rw,relatime,vers=3.1.1 0 0
"""


def test_mount_table_rules_are_sadcs() -> None:
    mounts = parse_mounts(TABLE)
    # Lines not starting with '/', autofs and a line without a type are left out; duplicates are kept here
    # (the duplicate check follows statvfs, as in sadc); \\040 is a space.
    assert [(m.name, m.mountpoint) for m in mounts] == [
        ("/dev/vda1", "/"),
        ("/dev/vdb", "/srv/my data"),
        ("/dev/vda1", "/var/lib/bind"),
        ("//server/share", "/mnt/smb"),
    ]
    assert mounts[1].path == b"/srv/my data"
    assert parse_mounts(None) == () and parse_mounts("") == ()


def test_long_lines_are_read_as_fgets_reads_them() -> None:
    """sadc reads 511 bytes at a time: only the first piece of a long line counts, the rest is skipped (a
    piece that happens to start with '/' is not taken for a line); names are cut to 127 bytes."""
    head = "/dev/sda1 /data ext4 "
    long_line = head + "o" * (511 - len(head)) + "/dev/evil /evil ext4 rw 0 0\n"  # piece 2 starts with '/'
    device = "/dev/" + "d" * 200
    mounts = parse_mounts(f"{long_line}{device} /big ext4 rw 0 0\n")
    assert [m.mountpoint for m in mounts] == ["/data", "/big"]
    assert mounts[1].name == device[:127]
    cut = f"/dev/sdb1 /{'m' * 300} ext4 rw 0 0\n"
    (only,) = parse_mounts(cut)
    assert only.path == b"/" + b"m" * 254 and only.mountpoint == "/" + "m" * 126


def test_octal_escapes() -> None:
    assert unescape(b"/a\\040b\\011c\\134d\\012") == b"/a b\tc\\d\n"
    assert unescape(b"/x\\400y\\08z\\04") == b"/x\\400y\\08z\\04"  # not an escape the kernel writes


@dataclass(frozen=True)
class FakeStat:
    f_blocks: int
    f_frsize: int = 4096
    f_bfree: int = 0
    f_bavail: int = 0
    f_files: int = 0
    f_ffree: int = 0


def test_statvfs_sizes_in_bytes_sized_ones_each_device_once() -> None:
    table = {
        b"/": FakeStat(1000, 4096, 400, 350, 64, 10),
        b"/srv/my data": FakeStat(0),  # no size: left out, as sadc does
        b"/var/lib/bind": FakeStat(1000, 4096, 1, 1, 1, 1),  # same device as /: the first line wins
    }

    def statvfs(path: bytes) -> FakeStat:
        if path not in table:
            raise FileNotFoundError(path)
        return table[path]

    found = filesystems(parse_mounts(TABLE), statvfs)
    assert found == (Filesystem("/dev/vda1", "/", 4096 * 1000, 4096 * 400, 4096 * 350, 64, 10),)


def test_a_failing_statvfs_is_skipped() -> None:
    def statvfs(path: bytes) -> FakeStat:
        raise PermissionError(13, "denied")

    assert filesystems((Mount("/dev/x", b"/x", "/x"),), statvfs) == ()


@settings(deadline=None)
@given(st.text(max_size=600))
def test_mount_table_parser_never_raises(text: str) -> None:
    for mount in parse_mounts(text):
        assert mount.name.startswith("/") and len(mount.path) <= 255 and len(mount.mountpoint) <= 127


@pytest.mark.root
def test_live_loop_filesystem_figures_move_when_filled(tmp_path: Path) -> None:
    with loop_filesystem(tmp_path) as mnt:
        before = {f.mountpoint: f for f in read_filesystems(ProcFS().read_optional) or ()}
        (mnt / "blob").write_bytes(os.urandom(8 << 20))
        for i in range(50):
            (mnt / f"f{i}").touch()
        os.sync()
        after = {f.mountpoint: f for f in read_filesystems(ProcFS().read_optional) or ()}
        st = os.statvfs(mnt)
    ours_before, ours = before[str(mnt)], after[str(mnt)]
    assert ours.name.startswith("/dev/loop")
    assert ours.size_bytes == st.f_blocks * st.f_frsize and ours.inodes == st.f_files
    assert ours.free_bytes <= ours_before.free_bytes - (8 << 20)
    assert ours.inodes_free == ours_before.inodes_free - 51
    assert ours.avail_bytes < ours.free_bytes  # ext4 reserves 5 % for root
    assert str(mnt) not in {f.mountpoint for f in read_filesystems(ProcFS().read_optional) or ()}  # unmounted
