"""sar -b: I/O and transfer rates summed over physical whole disks (rd_stats.c read_diskstats_io keeps only
devices for which is_device(IGNORE_VIRTUAL_DEVICES) holds: /sys/block/NAME/device exists, so no loop, dm, md,
zram, and no partitions). Sectors are 512 bytes (pr_stats.c print_io_stats)."""

from __future__ import annotations

from hostward.activities.base import Activity, Column, Interval, Kind, Row, Tolerance, sar_itv
from hostward.collect.sample import SystemSample

_TPS = Tolerance("I/O completing between the reads (ms apart)", abs=20.0, rel=0.1)
_SEC = Tolerance("sectors of the requests completing between the reads", abs=2048.0, rel=0.1)


def _totals(sample: SystemSample) -> tuple[int, ...]:
    tot = [0] * 7
    for d in sample.disks:
        if d.whole_device and d.physical:
            tot[0] += d.read_ios + d.write_ios + d.discard_ios
            tot[1] += d.read_ios
            tot[2] += d.write_ios
            tot[3] += d.discard_ios
            tot[4] += d.read_sectors
            tot[5] += d.write_sectors
            tot[6] += d.discard_sectors
    return tuple(tot)


def io_rows(span: Interval) -> list[Row]:
    p, c, itv = _totals(span.prev), _totals(span.curr), sar_itv(span.itv_cs)
    # A sum that went back (a disk disappeared) prints 0.0, as sysstat does, rather than a reset estimate.
    return [
        Row(
            None,
            tuple(0.0 if cv < pv or itv < 0 else (cv - pv) / itv * 100 for pv, cv in zip(p, c, strict=True)),
        )
    ]


IO = Activity(
    name="io",
    flag="-b",
    order=5,
    title="I/O and transfer rates of physical disks",
    kind=Kind.COUNTER,
    columns=(
        Column("tps", "tps", "per_second", parity=_TPS),
        Column(
            "rtps",
            "io-reads/rtps",
            "per_second",
            node_exporter="node_disk_reads_completed_total",
            parity=_TPS,
        ),
        Column(
            "wtps",
            "io-writes/wtps",
            "per_second",
            node_exporter="node_disk_writes_completed_total",
            parity=_TPS,
        ),
        Column(
            "dtps",
            "io-discard/dtps",
            "per_second",
            node_exporter="node_disk_discards_completed_total",
            parity=_TPS,
        ),
        Column(
            "bread/s", "io-reads/bread", "per_second", node_exporter="node_disk_read_bytes_total", parity=_SEC
        ),
        Column(
            "bwrtn/s",
            "io-writes/bwrtn",
            "per_second",
            node_exporter="node_disk_written_bytes_total",
            parity=_SEC,
        ),
        Column(
            "bdscd/s",
            "io-discard/bdscd",
            "per_second",
            node_exporter="node_disk_discarded_sectors_total",
            parity=_SEC,
        ),
    ),
    rows=io_rows,
    json_section="io",
)
