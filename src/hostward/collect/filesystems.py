"""Mounted filesystems for sar -F: which mounts sadc 12.6 lists and their statvfs figures (rd_stats.c
read_filesystem).

sadc reads the mount table (/etc/mtab, a link to /proc/self/mounts on every current system) with
``fgets`` into a 512-byte buffer and keeps a line when:
- it starts with ``/`` (a device path: tmpfs, proc, cgroup and other virtual filesystems are left out),
- it has a second and a third field, and the third (the type) is not ``autofs``,
- ``statvfs`` on its mount point succeeds and reports a non-zero size,
- no earlier kept line has the same device (a device mounted twice, e.g. a bind mount, counts once).
A line longer than the buffer is read in pieces: only its first 511 bytes are looked at, the rest skipped.
The device is the first 127 bytes of the first field, the mount point the first 255 bytes of the second with
the kernel's octal escapes (``\\040`` for a space) decoded, kept to 127 bytes for display (MAX_FS_LEN).
Sizes are bytes (blocks times the fragment size), as sadc stores them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from hostward.frozen import frozen

_LINE = 511  # fgets(line, 512, fp)
_NAME = 127  # MAX_FS_LEN - 1
_MOUNT = 255  # sscanf("%255s")


TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Protocol

    class StatvfsResult(Protocol):
        """The fields of os.statvfs_result used here (tests pass their own)."""

        @property
        def f_blocks(self) -> int: ...
        @property
        def f_frsize(self) -> int: ...
        @property
        def f_bfree(self) -> int: ...
        @property
        def f_bavail(self) -> int: ...
        @property
        def f_files(self) -> int: ...
        @property
        def f_ffree(self) -> int: ...

    StatvfsFn = Callable[[bytes], StatvfsResult]


@frozen
class Mount:
    """A line of the mount table sadc would look at: device, mount point to statvfs, display mount point."""

    name: str
    path: bytes
    mountpoint: str


@frozen
class Filesystem:
    """rd_stats.h stats_filesystem: sizes in bytes, inode counts, device and mount point names."""

    name: str  # fs_name: the device as the mount table names it, e.g. /dev/vda
    mountpoint: str
    size_bytes: int = 0  # f_blocks * f_frsize
    free_bytes: int = 0  # f_bfree * f_frsize
    avail_bytes: int = 0  # f_bavail * f_frsize: free for unprivileged users
    inodes: int = 0  # f_files
    inodes_free: int = 0  # f_ffree


def _token(data: bytes, limit: int) -> bytes:
    """sscanf("%<limit>s"): leading white space skipped, then at most ``limit`` non-space bytes."""
    words = data.split(None, 1)
    return words[0][:limit] if words else b""


def unescape(data: bytes) -> bytes:
    """rd_stats.c oct2chr: ``\\ooo`` (first digit 0-3) becomes that byte."""
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i : i + 4]
        if (
            len(code) == 4
            and code[0] == 0x5C
            and 0x30 <= code[1] <= 0x33
            and 0x30 <= code[2] <= 0x37
            and 0x30 <= code[3] <= 0x37
        ):
            out.append((code[1] - 48) * 64 + (code[2] - 48) * 8 + code[3] - 48)
            i += 4
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def parse_mounts(text: str | None) -> tuple[Mount, ...]:
    """The mount table lines sadc considers, in file order (before statvfs and the duplicate check)."""
    out: list[Mount] = []
    for raw in (text or "").encode("utf-8", "surrogateescape").splitlines(keepends=True):
        line = raw[:_LINE]  # fgets: the first piece of a long line; the next pieces are skipped
        if not line.startswith(b"/"):
            continue
        first = line.find(b" ")
        second = line.find(b" ", first + 1) if first >= 0 else -1
        if second < 0 or _token(line[second + 1 :], 127) == b"autofs":
            continue
        path = unescape(_token(line[first + 1 :], _MOUNT))
        name = _token(line, _NAME)
        out.append(Mount(_text(name), path, _text(path[:_NAME])))
    return tuple(out)


def filesystems(mounts: tuple[Mount, ...], statvfs: StatvfsFn) -> tuple[Filesystem, ...]:
    """statvfs each mount point; keep sized ones, each device once (the first line naming it)."""
    out: list[Filesystem] = []
    seen: set[str] = set()
    for mount in mounts:
        try:
            st = statvfs(mount.path)
        except (OSError, ValueError):  # gone since the table was read, no permission, NUL in the name
            continue
        if not st.f_blocks or mount.name in seen:
            continue
        seen.add(mount.name)
        frsize = st.f_frsize
        out.append(
            Filesystem(
                name=mount.name,
                mountpoint=mount.mountpoint,
                size_bytes=st.f_blocks * frsize,
                free_bytes=st.f_bfree * frsize,
                avail_bytes=st.f_bavail * frsize,
                inodes=st.f_files,
                inodes_free=st.f_ffree,
            )
        )
    return tuple(out)


def read_filesystems(
    read_optional: Callable[[str], str | None], statvfs: StatvfsFn = os.statvfs
) -> tuple[Filesystem, ...] | None:
    """``read_optional`` is ProcFS.read_optional (the table is /proc/self/mounts, what /etc/mtab links to);
    None without a mount table (a /proc tree of fixtures), as nothing was measured."""
    table = read_optional("self/mounts")
    return None if table is None else filesystems(parse_mounts(table), statvfs)
