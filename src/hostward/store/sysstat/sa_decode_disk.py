"""sysstat's block devices (A_DISK, A_IO) -> hostward's ``DiskStats``, and the names and kinds of the disks,
which the file does not hold: they come from the importing host, as sar itself resolves them when reporting."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from hostward.collect.disk import IO_TOTAL_NAME, DiskStats
from hostward.frozen import replace

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
    io_t = tuple(int(x) for x in io[0]) if io else None
    out: list[DiskStats] = []
    for nr_ios, rd, wr, dc, rdt, wrt, tot, rq, major, minor, dct, _part in disks or []:
        name = disk_name(int(major), int(minor))
        whole, physical = classify(name)
        out.append(
            DiskStats(
                int(major),
                int(minor),
                name,
                read_ios=int(nr_ios),
                read_merges=0,
                read_sectors=int(rd),
                read_ticks_ms=int(rdt),
                write_ios=0,
                write_merges=0,
                write_sectors=int(wr),
                write_ticks_ms=int(wrt),
                in_flight=0,
                io_ticks_ms=int(tot),
                queue_ticks_ms=int(rq),
                discard_sectors=int(dc),
                discard_ticks_ms=int(dct),
                whole_device=whole,
                physical=physical,
            )
        )
    if io_t is None:
        return tuple(out)
    total, rio, wio, rblk, wblk, dio, dblk = io_t
    phys = [d for d in out if d.whole_device and d.physical]
    sums = (
        sum(d.read_ios for d in phys),
        sum(d.read_sectors for d in phys),
        sum(d.write_sectors for d in phys),
        sum(d.discard_sectors for d in phys),
    )
    if disks and sums == (total, rblk, wblk, dblk) and rio + wio + dio == total:
        left = [rio, wio, dio]
        spread: dict[int, DiskStats] = {}
        for d in phys:
            n = d.read_ios
            r = min(n, left[0])
            w = min(n - r, left[1])
            left[0] -= r
            left[1] -= w
            left[2] -= n - r - w
            spread[id(d)] = _with_ios(d, r, w, n - r - w)
        return tuple(spread.get(id(d), d) for d in out)
    if disks:
        import logging  # noqa: PLC0415  (only a file whose disks do not add up says so)

        logging.getLogger(__name__).info(
            "physical disks do not add up to A_IO; keeping A_IO as %r", IO_TOTAL_NAME
        )
    demoted = [_with_ios(d, d.read_ios, 0, 0, physical=False) for d in out]
    synthetic = DiskStats(
        0, 0, IO_TOTAL_NAME, rio, 0, rblk, 0, wio, 0, wblk, 0, 0, 0, 0, discard_ios=dio, discard_sectors=dblk
    )
    return (*demoted, synthetic)


def _with_ios(d: DiskStats, r: int, w: int, dc: int, *, physical: bool | None = None) -> DiskStats:
    return replace(
        d, read_ios=r, write_ios=w, discard_ios=dc, physical=d.physical if physical is None else physical
    )
