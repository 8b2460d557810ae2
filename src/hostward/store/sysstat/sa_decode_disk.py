"""sysstat's block devices (A_DISK, A_IO) -> hostward's ``DiskStats``, and the names and kinds of the disks,
which the file does not hold: they come from the importing host, as sar itself resolves them when reporting."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from hostward.collect.disk import IO_TOTAL_NAME, DiskStats

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

DiskNamer = Callable[[int, int], str]
DiskClassifier = Callable[[str], tuple[bool, bool]]  # name -> (whole_device, physical)


def sys_disk_name(major: int, minor: int, sys_root: Path = Path("/sys")) -> str:
    """sar's name for a disk: DEVNAME of /sys/dev/block/M:m/uevent, else ``devM-m`` (sa_common.c
    get_devname falls back to the same string)."""
    try:
        for line in (sys_root / f"dev/block/{major}:{minor}/uevent").read_text().splitlines():
            if line.startswith("DEVNAME="):
                return line[8:]
    except OSError:
        pass
    return f"dev{major}-{minor}"


_VIRTUAL = re.compile(r"^(loop|ram|dm-|md|zram|nbd|sr|fd|rbd|drbd|dev\d)")
_PARTITION = re.compile(r"^((sd|vd|xvd|hd)[a-z]+\d+|.+\dp\d+)$")


def sys_classify(name: str, sys_root: Path = Path("/sys")) -> tuple[bool, bool]:
    """(whole device, physical) as sadc's is_device() decides it, from this host's /sys when it has the
    device, else from the name (a foreign file: loop, dm-, md, zram... are virtual; sda1, nvme0n1p1 partitions)."""
    block = sys_root / "block" / name.replace("/", "!")
    if block.exists():
        return True, (block / "device").exists()
    whole = not _PARTITION.match(name)
    return whole, whole and not _VIRTUAL.match(name)


def decode_disks(
    disks: list[tuple[Any, ...]] | None,
    io: list[tuple[Any, ...]] | None,
    disk_name: DiskNamer,
    classify: DiskClassifier,
) -> tuple[DiskStats, ...]:
    """A_DISK items as DiskStats, arranged so that ``sar -b`` (sums over physical whole devices) gives A_IO.

    stats_disk keeps only the total I/O count (nr_ios = reads + writes + discards); A_IO keeps the sums of
    each direction over physical disks. When the physical disks' totals match A_IO (always, for a file
    recorded with ``sadc -S DISK`` on a host we can classify), A_IO's directions are spread over those disks,
    which keeps every per-disk total and every sum exact. Otherwise (no A_DISK: sadc's default; or disks we
    cannot classify), A_IO is kept as one more whole device named ``io-total``.
    """
    # (major, minor, name, nr_ios, read, write, discard sectors, read/write/io/queue/discard ticks, whole, physical)
    rows: list[tuple[Any, ...]] = []
    for nr_ios, rd, wr, dc, rdt, wrt, tot, rq, major, minor, dct, _part in disks or []:
        name = disk_name(major, minor)  # "Q16x3Q8I": ints already
        whole, physical = classify(name)
        rows.append((major, minor, name, nr_ios, rd, wr, dc, rdt, wrt, tot, rq, dct, whole, physical))
    if not io:
        return tuple(_disk(row, row[3], 0, 0, row[13]) for row in rows)
    total, rio, wio, rblk, wblk, dio, dblk = io[0]
    phys = [row for row in rows if row[12] and row[13]]
    sums = (
        sum(r[3] for r in phys),
        sum(r[4] for r in phys),
        sum(r[5] for r in phys),
        sum(r[6] for r in phys),
    )
    if rows and sums == (total, rblk, wblk, dblk) and rio + wio + dio == total:
        left = [rio, wio, dio]
        out: list[DiskStats] = []
        for row in rows:
            if not (row[12] and row[13]):
                out.append(_disk(row, row[3], 0, 0, row[13]))
                continue
            n = row[3]
            r = min(n, left[0])
            w = min(n - r, left[1])
            left[0] -= r
            left[1] -= w
            left[2] -= n - r - w
            out.append(_disk(row, r, w, n - r - w, row[13]))
        return tuple(out)
    if rows:
        import logging  # noqa: PLC0415  (only a file whose disks do not add up says so)

        logging.getLogger(__name__).info(
            "physical disks do not add up to A_IO; keeping A_IO as %r", IO_TOTAL_NAME
        )
    demoted = [_disk(row, row[3], 0, 0, False) for row in rows]
    synthetic = DiskStats(
        0, 0, IO_TOTAL_NAME, rio, 0, rblk, 0, wio, 0, wblk, 0, 0, 0, 0, discard_ios=dio, discard_sectors=dblk
    )
    return (*demoted, synthetic)


def _disk(row: tuple[Any, ...], r: int, w: int, dc: int, physical: bool) -> DiskStats:
    """One disk's record, built once with its I/O counts by direction (reads, writes, discards)."""
    major, minor, name, _n, rd, wr, dcs, rdt, wrt, tot, rq, dct, whole, _physical = row
    return DiskStats(
        major,
        minor,
        name,
        read_ios=r,
        read_merges=0,
        read_sectors=rd,
        read_ticks_ms=rdt,
        write_ios=w,
        write_merges=0,
        write_sectors=wr,
        write_ticks_ms=wrt,
        in_flight=0,
        io_ticks_ms=tot,
        queue_ticks_ms=rq,
        discard_ios=dc,
        discard_sectors=dcs,
        discard_ticks_ms=dct,
        whole_device=whole,
        physical=physical,
    )
