"""/proc/diskstats, classified the way sysstat does (whole device, physical device, partition)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from hostward.collect._records import Maker, maker
from hostward.errors import CollectError
from hostward.frozen import field_names, frozen
from hostward.procfs import ProcFS

# An sa file whose per-disk counters do not add up to its A_IO totals keeps the totals as one more entry (see
# store/sysstat/sa_decode.py): it feeds `sar -b` but is no device, so no per-device report ever shows it.
IO_TOTAL_NAME = "io-total"


def is_io_total(d: DiskStats) -> bool:
    """The imported A_IO totals entry (major 0 is no block device's)."""
    return d.major == 0 and d.name == IO_TOTAL_NAME


@frozen
class DiskStats:
    """One line of /proc/diskstats (Documentation/admin-guide/iostats.rst). Sectors are 512 bytes."""

    major: int
    minor: int
    name: str
    read_ios: int
    read_merges: int
    read_sectors: int
    read_ticks_ms: int
    write_ios: int
    write_merges: int
    write_sectors: int
    write_ticks_ms: int
    in_flight: int
    io_ticks_ms: int  # time the device had I/O in flight: %util
    queue_ticks_ms: int  # weighted time in queue: aqu-sz
    discard_ios: int = 0  # fields 15-18 since 4.18
    discard_merges: int = 0
    discard_sectors: int = 0
    discard_ticks_ms: int = 0
    # Classification made by the sampler from /sys/block, as sysstat's is_device():
    whole_device: bool = True  # /sys/block/<name> exists (not a partition)
    physical: bool = True  # /sys/block/<name>/device exists (not loop, dm, md, zram ...)

    @property
    def total_ios(self) -> int:
        return self.read_ios + self.write_ios + self.discard_ios


def parse_diskstats(
    text: str, classify: Callable[[str], tuple[bool, bool]] | None = None
) -> tuple[DiskStats, ...]:
    """Parse /proc/diskstats. ``classify(name) -> (whole_device, physical)``; without it every line is a
    physical whole device (useful for fixtures). Lines with fewer than 14 fields (pre-2.6.25 partition lines)
    are skipped like sysstat skips them."""
    disks: list[DiskStats] = []
    make_disk = _disk_maker()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 14:
            continue
        try:
            numbers = list(map(int, parts[3:18]))
            major, minor = int(parts[0]), int(parts[1])
        except ValueError as exc:
            raise CollectError(f"/proc/diskstats: bad value in line {line.strip()!r}") from exc
        if len(numbers) < 15:
            numbers += _NO_DISCARDS[len(numbers) - 11 :]
        whole, physical = classify(parts[2]) if classify else (True, True)
        # The recorder parses this at every sample: a maker (collect/_records.py) builds the record for about
        # half of what a DiskStats(...) call costs.
        disks.append(make_disk(numbers, 0, major, minor, parts[2], whole, physical))
    return tuple(disks)


_NO_DISCARDS = [0, 0, 0, 0]  # fields 15-18, absent before 4.18
# read_ios ... discard_ticks_ms, in the kernel's order
_COUNTERS = field_names(DiskStats)[3:18]


@functools.cache
def _disk_maker() -> Maker:
    """Compiled on first use: a report of a recording parses no /proc/diskstats (~0.5 ms of its start-up)."""
    return maker(DiskStats, _COUNTERS, ("major", "minor", "name", "whole_device", "physical"))


def read_diskstats(procfs: ProcFS) -> tuple[DiskStats, ...]:
    text = procfs.read_optional("diskstats")
    if text is None:
        return ()

    def classify(name: str) -> tuple[bool, bool]:
        # Some names contain '/' (cciss/c0d0); sysfs spells it '!'.
        sysname = name.replace("/", "!")
        block = procfs.sys_path(f"block/{sysname}")
        whole = block.exists()
        return whole, whole and (block / "device").exists()

    return parse_diskstats(text, classify)
