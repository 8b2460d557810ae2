"""sar -d [-p]: block device activity from /proc/diskstats (rd_stats.c read_diskstats_disk,
compute_ext_disk_stats; pr_stats.c print_disk_stats).

Reported devices are those sadc records by default: whole devices, virtual ones included (loop, dm, zram:
is_device(ACCEPT_VIRTUAL_DEVICES)), that have completed at least one I/O since boot; partitions are not
recorded without ``sadc -S XDISK``. A device absent from the previous sample is compared with zeros, like
sysstat's check_disk_reg. Ticks are milliseconds.
"""

from __future__ import annotations

from hostward.activities.base import (
    Activity,
    Column,
    Interval,
    ItemSpec,
    Kind,
    Row,
    Tolerance,
    sar_itv,
    unsigned,
)
from hostward.collect.disk import DiskStats, is_io_total

_ND = "node_disk_{}"
_TOL = {
    "tps": Tolerance("I/O completing between the reads (ms apart)", abs=20.0, rel=0.1),
    "kB": Tolerance("kB of the requests completing between the reads", abs=1024.0, rel=0.1),
    "areq-sz": Tolerance(
        "mean request size: one extra request moves it when few completed", abs=128.0, rel=0.5
    ),
    "aqu-sz": Tolerance("queue time accrued between the reads", abs=0.1, rel=0.5),
    "await": Tolerance("mean wait: one extra request moves it when few completed", abs=5.0, rel=0.5),
    "%util": Tolerance("busy time accrued between the reads (ms of a 1000 ms interval)", abs=3.0),
}
_ZERO = DiskStats(0, 0, "", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
_U32, _U64 = (1 << 32) - 1, (1 << 64) - 1


def reported(d: DiskStats) -> bool:
    return d.whole_device and (d.read_ios or d.write_ios or d.discard_ios) > 0 and not is_io_total(d)


def registered_again(p: DiskStats, c: DiskStats) -> bool:
    """sysstat's check_disk_reg (sa_common.c): requests and every sector count that was not 0 went back: a
    device removed and another inserted, whose rates are then from zero. One or two of them back: wraps."""
    return (
        c.total_ios < p.total_ios
        and (not p.read_sectors or c.read_sectors < p.read_sectors)
        and (not p.write_sectors or c.write_sectors < p.write_sectors)
        and (not p.discard_sectors or c.discard_sectors < p.discard_sectors)
    )


def disk_rows(span: Interval) -> list[Row]:
    """pr_stats.c print_disk_stats and rd_stats.c compute_ext_disk_stats, in C's unsigned arithmetic on
    stats_disk's types: requests and sectors 64 bits, the kernel's millisecond tick counters 32 (they wrap
    after ~49 days of busy time), the three ticks summed as unsigned ints; each integer made a double where C
    converts it."""
    before = {(d.major, d.minor): d for d in span.prev.disks if d.whole_device}
    rows: list[Row] = []
    itv = sar_itv(span.itv_cs)
    if itv < 0:
        return rows
    for c in span.curr.disks:
        if not reported(c):
            continue
        p = before.get((c.major, c.minor), _ZERO)
        if registered_again(p, c):
            p = _ZERO
        d_rd = unsigned(p.read_sectors, c.read_sectors)
        d_wr = unsigned(p.write_sectors, c.write_sectors)
        d_dc = unsigned(p.discard_sectors, c.discard_sectors)
        ios = unsigned(p.total_ios, c.total_ios)
        ticks = (
            unsigned(p.read_ticks_ms, c.read_ticks_ms, 32)
            + unsigned(p.write_ticks_ms, c.write_ticks_ms, 32)
            + unsigned(p.discard_ticks_ms, c.discard_ticks_ms, 32)
        ) & _U32
        arqsz = float((d_rd + d_wr + d_dc) & _U64) / float(ios) if ios else 0.0  # sectors per request
        # S_VALUE(m, n, p) = (n - m) / p * 100, in this order, so that values round as sar's do.
        rd, wr, dc = float(d_rd) / itv * 100, float(d_wr) / itv * 100, float(d_dc) / itv * 100
        aqu = float(unsigned(p.queue_ticks_ms, c.queue_ticks_ms, 32)) / itv * 100 / 1000.0
        values = (
            float(ios) / itv * 100,
            rd,
            wr,
            dc,
            rd / 2,
            wr / 2,
            dc / 2,
            arqsz,
            arqsz / 2,
            aqu,
            aqu,
            ticks / float(ios) if ios else 0.0,
            float(unsigned(p.io_ticks_ms, c.io_ticks_ms, 32)) / itv * 100 / 10.0,
        )
        rows.append(Row(c.name, values))
    return rows


def _c(header: str, key: str, unit: str, ne: str | None = None, text: bool = True) -> Column:
    kind = "kB" if "kB" in header or "sec" in header else "aqu-sz" if "qu-sz" in header else header
    kind = "areq-sz" if kind == "avgrq-sz" else kind
    return Column(
        header, key, unit, node_exporter=_ND.format(ne) if ne else None, parity=_TOL[kind], text=text
    )


DISK = Activity(
    name="disk",
    flag="-d",
    order=11,
    title="block device activity (-p: device name last)",
    kind=Kind.COUNTER,
    columns=(
        _c("tps", "tps", "per_second"),
        _c("rd_sec/s", "rd_sec", "per_second", text=False),
        _c("wr_sec/s", "wr_sec", "per_second", text=False),
        _c("dc_sec/s", "dc_sec", "per_second", text=False),
        _c("rkB/s", "rkB", "kB_per_second", "read_bytes_total"),
        _c("wkB/s", "wkB", "kB_per_second", "written_bytes_total"),
        _c("dkB/s", "dkB", "kB_per_second", "discarded_sectors_total"),
        _c("avgrq-sz", "avgrq-sz", "sectors", text=False),
        _c("areq-sz", "areq-sz", "kB"),
        _c("avgqu-sz", "avgqu-sz", "count", text=False),
        _c("aqu-sz", "aqu-sz", "count", "io_time_weighted_seconds_total"),
        _c("await", "await", "ms"),
        _c("%util", "util-percent", "percent", "io_time_seconds_total"),
    ),
    rows=disk_rows,
    json_section="disk",
    json_list=True,
    item=ItemSpec("DEV", json_key="disk-device"),
)
