"""sar -n FC of the two frozen trees (tests/fixtures/report/t0, t1: one second apart, sys/class/fc_host/host0),
worked out by hand, and the adapter's counters kept exactly through a data file (64-bit values included)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from tests.report.test_fixture_reports import BANNER, HOST, fixture_sample, report, utc

from hostward.activities import BY_NAME
from hostward.collect.fchost import FcHost
from hostward.collect.sample import SystemSample
from hostward.report.selection import Selected
from hostward.store import DataFileWriter, read_file
from hostward.store.model import DayData

__all__ = ["utc"]  # the autouse TZ=UTC fixture, used here too


def test_fc_rates_by_hand(fixtures_dir: Path) -> None:
    # host0's counters over the 1.00 s of uptime: rx_frames 0x1000 -> 0x1064 (+100), tx_frames +0xc8 (200),
    # rx_words +0x190 (400), tx_words +0x320 (800). The name last, under FCHOST.
    data = DayData(HOST, (fixture_sample(fixtures_dir, "t0", 0), fixture_sample(fixtures_dir, "t1", 1)))
    assert report(data, Selected(BY_NAME["net_fc"])) == (
        BANNER
        + "\n10:00:00    fch_rxf/s fch_txf/s fch_rxw/s fch_txw/s FCHOST\n"
        + "10:00:01       100.00    200.00    400.00    800.00 host0\n"
        + "Average:       100.00    200.00    400.00    800.00 host0\n"
    )


def test_fc_counters_survive_the_store(fixtures_dir: Path, tmp_path: Path) -> None:
    sample = fixture_sample(fixtures_dir, "t0", 0)
    top = (1 << 64) - 1
    hosts = (FcHost("host0", top, 0, 1 << 63, 12345), FcHost("host12", 1, 2, 3, 4))
    path = tmp_path / "hw20261127"
    with DataFileWriter.open(path, dt.date(2026, 11, 27), HOST) as writer:
        writer.write_sample(dataclasses.replace(sample, fchosts=hosts))
        writer.write_sample(dataclasses.replace(sample, timestamp=sample.timestamp + 1, fchosts=None))
    stored = [e for e in read_file(path).entries if isinstance(e, SystemSample)]
    assert [s.fchosts for s in stored] == [hosts, None]
