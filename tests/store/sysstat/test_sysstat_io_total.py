"""An sa file whose per-disk counters and A_IO totals disagree (by one request in one record is enough) keeps
the totals for `sar -b`, but never as a device: no `io-total` in `sar -d`, `sadf` or the disk graphs."""

from __future__ import annotations

import dataclasses

from tests.plot.conftest import sample

from hostward.activities import BY_NAME
from hostward.activities.base import Interval, uptime_cs
from hostward.collect.disk import is_io_total
from hostward.store.sysstat.sa_decode_disk import decode_disks as _disks


def _classify(name: str) -> tuple[bool, bool]:
    return True, True  # vda: a whole physical disk


def _decoded(n: int, extra_request: int) -> tuple:  # type: ignore[type-arg]
    # stats_disk: nr_ios, rd_sect, wr_sect, dc_sect, rd_ticks, wr_ticks, tot_ticks, rq_ticks, major, minor, dc_ticks
    disks = [(30 * n, 800 * n, 400 * n, 0, 50 * n, 20 * n, 200 * n, 300 * n, 254, 0, 0, 0)]
    # A_IO: total, rio, wio, rblk, wblk, dio, dblk — one request more than the disks account for
    io = [(30 * n + extra_request, 20 * n + extra_request, 10 * n, 800 * n, 400 * n, 0, 0)]
    return _disks(disks, io, lambda major, minor: "vda", _classify)


def test_disagreeing_totals_feed_sar_b_but_are_no_device() -> None:
    prev_disks, cur_disks = _decoded(1, 0), _decoded(2, 1)
    assert any(is_io_total(d) for d in cur_disks)  # kept, for -b
    prev = dataclasses.replace(sample(1000.0, 1, 100.0), disks=prev_disks)
    cur = dataclasses.replace(sample(1010.0, 2, 100.0), disks=cur_disks)
    span = Interval(prev, cur, uptime_cs(cur) - uptime_cs(prev))
    devices = [row.item for row in BY_NAME["disk"].rows(span)]
    assert devices == ["vda"]  # the device itself, never "io-total"
    (io_row,) = BY_NAME["io"].rows(span)
    tps = io_row.values[[c.name for c in BY_NAME["io"].columns].index("tps")]
    assert tps == (30 + 1) / 10  # A_IO's requests over the 10 s: the extra one counted once, no double count


def test_agreeing_totals_are_spread_over_the_disks_without_an_extra_entry() -> None:
    assert not any(is_io_total(d) for d in _decoded(2, 0))
