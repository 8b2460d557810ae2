"""sar -F [MOUNT]: space and inodes of mounted filesystems (rd_stats.c read_filesystem, pr_stats.c
stub_print_filesystem_stats). Gauges of the current sample, one row per filesystem, the name last on the line
(the device, or the mount point with ``-F MOUNT``). The last row block is ``Summary:``, not ``Average:``: each
filesystem seen while reporting, in the order first seen, with its last values (sar keeps them in buf[2]).

MBfsfree and MBfsused are ``%9.0f`` of bytes / 1024 / 1024; %fsused is the share of the size not free, %ufsused
the share not available to unprivileged users (root's reserved blocks count as used); Ifree and Iused are
``%9llu``; %Iused is the share of inodes in use. A size or an inode count of 0 gives 0.00 (sar's guard).
"""

from __future__ import annotations

from hostward.activities.base import (
    Activity,
    AverageFn,
    Averager,
    Column,
    Interval,
    ItemSpec,
    Kind,
    Row,
    RowsFn,
    Tolerance,
)
from hostward.collect.filesystems import Filesystem
from hostward.collect.sample import SystemSample

_MB = Tolerance("files written or deleted between the reads, by any process", abs=64.0, rel=0.001)
_PC = Tolerance("files written or deleted between the reads, by any process", abs=0.05)
_IN = Tolerance("files created or deleted between the reads, by any process", abs=500.0, rel=0.001)

_FS = "node_filesystem_"
_COLUMNS = (
    Column("MBfsfree", "MBfsfree", "MB", decimals=0, node_exporter=_FS + "free_bytes", parity=_MB),
    Column("MBfsused", "MBfsused", "MB", decimals=0, node_exporter=_FS + "size_bytes", parity=_MB),
    Column("%fsused", "%fsused", "percent", parity=_PC),
    Column("%ufsused", "%ufsused", "percent", node_exporter=_FS + "avail_bytes", parity=_PC),
    Column("Ifree", "Ifree", "count", decimals=0, node_exporter=_FS + "files_free", parity=_IN),
    Column("Iused", "Iused", "count", decimals=0, node_exporter=_FS + "files", parity=_IN),
    Column("%Iused", "%Iused", "percent", parity=_PC),
)


def values(fs: Filesystem) -> tuple[float, ...]:
    """The seven columns, with sar's operations (SP_VALUE(m, n, p) = (n - m) / p * 100)."""
    size, free, files = fs.size_bytes, fs.free_bytes, fs.inodes
    return (
        float(free) / 1024 / 1024,
        float(size - free) / 1024 / 1024,
        (size - free) / size * 100 if size else 0.0,
        (size - fs.avail_bytes) / size * 100 if size else 0.0,
        float(fs.inodes_free),
        float(files - fs.inodes_free),
        (files - fs.inodes_free) / files * 100 if files else 0.0,
    )


def _rows(mount: bool) -> tuple[RowsFn, AverageFn]:
    def name(fs: Filesystem) -> str:
        return fs.mountpoint if mount else fs.name

    def rows(span: Interval) -> list[Row]:
        return [Row(name(fs), values(fs)) for fs in span.curr.filesystems or ()]

    class Summary(Averager):
        """Each filesystem's last row, in the order first seen (sar matches them by device name)."""

        def __init__(self) -> None:
            self.last: dict[str, Row] = {}

        def add(self, prev: SystemSample, curr: SystemSample) -> None:
            for fs in curr.filesystems or ():
                self.last[fs.name] = Row(name(fs), values(fs))

        def rows(self, span: Interval) -> list[Row]:
            return list(self.last.values())

    return rows, Summary


def _activity(mount: bool) -> Activity:
    rows, summary = _rows(mount)
    item = "MOUNTPOINT" if mount else "FILESYSTEM"
    return Activity(
        name="filesystems_mount" if mount else "filesystems",
        flag="-F MOUNT" if mount else "-F",
        order=39,
        title="filesystems by mount point" if mount else "filesystems: space and inodes",
        kind=Kind.GAUGE,
        columns=_COLUMNS,
        rows=rows,
        average=summary,
        json_section="filesystems",
        json_list=True,
        item=ItemSpec(item, json_key=item.lower(), trailing=True),
        summary=True,
    )


FILESYSTEMS = _activity(mount=False)
FILESYSTEMS_MOUNT = _activity(mount=True)  # -F MOUNT: never part of -A, which prints -F
