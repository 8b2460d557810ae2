"""A_FS of a sysstat sa file (rd_stats.h stats_filesystem): sizes already in bytes, inode counts, and the
device and mount point names as NUL-padded 128-byte fields; stored as hostward's Filesystem records."""

from __future__ import annotations

from hostward.collect.filesystems import Filesystem

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


def _name(field: bytes) -> str:
    return field.split(b"\0", 1)[0].decode("utf-8", "replace")


def decode_filesystems(items: list[tuple[Any, ...]] | None) -> tuple[Filesystem, ...] | None:
    """None when the file does not hold A_FS (sadc ran without -S XDISK); () when it found none."""
    if items is None:
        return None
    return tuple(
        Filesystem(
            _name(name), _name(mountpoint), int(blocks), int(bfree), int(bavail), int(files), int(ffree)
        )
        for blocks, bfree, bavail, files, ffree, name, mountpoint in items
    )
