"""The time activity's formulas on hand-made samples: offset source, units, sync, steps and the Average row."""

from __future__ import annotations

import dataclasses
import math

import pytest

from hostward.activities import ACTIVITIES, BY_NAME, HOSTWARD_ACTIVITIES
from hostward.activities.base import AverageInput, Interval
from hostward.activities.time import TIME, clock_step_seconds, time_rows
from hostward.cli.sar_args import parse_sar_args
from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.sample import ClockSample, SystemSample

T0 = 1795773600.0
COLUMNS = ("offset", "koffset", "maxerr", "esterr", "freq", "sync", "steps", "agreeing")

# A chrony-disciplined kernel: 250 us still to slew in, maxerror 12.5 ms, esterror 0.75 ms, -7.5 ppm.
SYNCED = ClockSample(
    synchronised=True,
    clock_state=0,
    kernel_offset_ns=250_000,
    frequency_scaled_ppm=-491_520,  # -7.5 * 65536
    maxerror_us=12_500,
    esterror_us=750,
)


def sample(wall: float, uptime: float, clock: ClockSample | None = SYNCED) -> SystemSample:
    return SystemSample(
        timestamp=wall,
        uptime_seconds=uptime,
        cpu=CpuStat(CpuTimes(), (CpuTimes(),), 0, 0, 1, 0, 0, 0),
        load=LoadAvg(0.0, 0.0, 0.0, 1, 100, 1),
        memory=MemInfo(mem_total_kb=1024),
        vmstat=VmStat(),
        disks=(),
        nets=(),
        pressure=None,
        time=clock,
    )


def row(prev: SystemSample, curr: SystemSample) -> dict[str, float]:
    rows = time_rows(Interval(prev, curr, round((curr.uptime_seconds - prev.uptime_seconds) * 100)))
    assert len(rows) == 1 and rows[0].item is None
    return dict(zip(COLUMNS, rows[0].values, strict=True))


def test_kernel_values_in_ms_and_ppm_when_no_server_was_measured() -> None:
    values = row(sample(T0, 100.0), sample(T0 + 10, 110.0))
    assert math.isnan(values.pop("offset"))  # no server measured: empty, never the kernel's offset
    assert values == {
        "koffset": pytest.approx(0.25),  # the kernel's remaining offset, ms
        "maxerr": pytest.approx(12.5),
        "esterr": pytest.approx(0.75),
        "freq": -7.5,
        "sync": 1.0,
        "steps": 0.0,
        "agreeing": 0.0,  # 0: offset is the kernel's
    }


def test_server_offset_wins_over_the_kernels_when_known() -> None:
    measured = dataclasses.replace(
        SYNCED,
        server_offset_known=True,
        server_offset_ns=-2_500_000_000,
        server_error_ns=30_000_000,
        servers_queried=3,
        servers_agreeing=2,
    )
    values = row(sample(T0, 100.0), sample(T0 + 10, 110.0, measured))
    assert values["offset"] == pytest.approx(-2500.0)
    assert values["agreeing"] == 2.0
    assert values["koffset"] == pytest.approx(0.25)
    # Queried but no answer: the stored offset is not valid, and the kernel's does not stand in for it.
    silent = dataclasses.replace(SYNCED, server_offset_ns=123, servers_queried=3)
    assert math.isnan(row(sample(T0, 100.0), sample(T0 + 10, 110.0, silent))["offset"])


def test_unsynchronised_kernel() -> None:
    unsync = ClockSample(False, 5, 0, 0, 16_000_000, 16_000_000)
    values = row(sample(T0, 100.0), sample(T0 + 10, 110.0, unsync))
    assert (values["sync"], values["maxerr"], values["freq"]) == (0.0, 16000.0, 0.0)


def test_wall_delta_unlike_uptime_delta_is_a_step() -> None:
    prev = sample(T0, 100.0)
    # The wall clock moved 11.5 s while uptime moved 10 s: stepped forward 1.5 s.
    stepped = sample(T0 + 11.5, 110.0)
    assert clock_step_seconds(prev, stepped) == pytest.approx(1.5)
    assert row(prev, stepped)["steps"] == 1.0
    back = sample(T0 + 8.0, 110.0)
    assert clock_step_seconds(prev, back) == pytest.approx(-2.0)
    # Read noise (uptime has 10 ms resolution) and slewing are not steps.
    assert clock_step_seconds(prev, sample(T0 + 10.02, 110.0)) is None
    assert row(prev, sample(T0 + 10.02, 110.0))["steps"] == 0.0
    # The allowance grows with the interval: 500 ppm of an hour is 1.8 s of legitimate slew at most.
    assert clock_step_seconds(prev, sample(T0 + 3602.0, 3700.0)) is None
    assert clock_step_seconds(prev, sample(T0 + 3603.0, 3700.0)) == pytest.approx(3.0)
    # A reboot between the samples (uptime went back) measures nothing.
    assert clock_step_seconds(prev, sample(T0 + 60, 5.0)) is None


def test_no_row_for_samples_recorded_without_time_health() -> None:
    prev = sample(T0, 100.0, None)
    assert time_rows(Interval(prev, sample(T0 + 10, 110.0, None), 1000)) == []
    # Only the current sample matters: the first sample of a recording with time health after an old one.
    assert len(time_rows(Interval(prev, sample(T0 + 10, 110.0), 1000))) == 1


def test_average_means_gauges_takes_the_worst_sync_and_totals_steps() -> None:
    half = dataclasses.replace(SYNCED, kernel_offset_ns=750_000, maxerror_us=13_500)
    unsync = dataclasses.replace(SYNCED, synchronised=False, clock_state=5)
    reference = sample(T0, 100.0)
    shown = (
        sample(T0 + 10, 110.0),
        sample(T0 + 22, 120.0, half),  # stepped +2 s
        sample(T0 + 32, 130.0, unsync),
        sample(T0 + 39, 140.0),  # stepped -3 s
    )
    span = Interval(reference, shown[-1], 4000)
    (average,) = TIME.averages(AverageInput(span, shown))
    values = dict(zip(COLUMNS, average.values, strict=True))
    assert math.isnan(values["offset"])
    assert values["koffset"] == pytest.approx((0.25 + 0.75 + 0.25 + 0.25) / 4)
    assert values["maxerr"] == pytest.approx((12.5 + 13.5 + 12.5 + 12.5) / 4)
    assert values["freq"] == pytest.approx(-7.5)
    assert values["sync"] == 0.0
    assert values["steps"] == 2.0


def test_definition_is_hostward_only_and_selected_by_its_own_flag() -> None:
    assert TIME in HOSTWARD_ACTIVITIES and TIME not in ACTIVITIES and BY_NAME["time"] is TIME
    assert [c.name for c in TIME.columns] == list(COLUMNS)
    keys = [c.json_key for c in TIME.columns]
    assert len(keys) == len(set(keys))
    assert all(c.decimals in (0, 2) and c.parity.why for c in TIME.columns)
    exporter = {c.name: c.node_exporter for c in TIME.columns}
    assert exporter["sync"] == "node_timex_sync_status"
    assert exporter["maxerr"] is not None and "node_timex_maxerror_seconds" in exporter["maxerr"]
    assert exporter["esterr"] is not None and "node_timex_estimated_error_seconds" in exporter["esterr"]
    assert exporter["freq"] is not None and "node_timex_frequency_adjustment_ratio" in exporter["freq"]
    assert exporter["koffset"] is not None and "node_timex_offset_seconds" in exporter["koffset"]
    assert exporter["offset"] is None  # θ against servers: node_exporter has no such series

    assert [s.activity.name for s in parse_sar_args(["--time"]).selection(2)] == ["time"]
    assert [s.activity.name for s in parse_sar_args(["-q", "--time"]).selection(2)] == ["queue", "time"]
    # -A stays sysstat's -A (parity tests compare it with sar -A); --time adds the clock report.
    everything = {s.activity.name for s in parse_sar_args(["-A"]).selection(2)}
    assert "time" not in everything and everything == {a.name for a in ACTIVITIES}
    assert "time" in {s.activity.name for s in parse_sar_args(["-A", "--time"]).selection(2)}
    sadf = parse_sar_args(["-d", "-q", "--time"], sadf=True)  # sadf: -d is the CSV output, not disks
    assert sadf.flags == {"queue", "time"} and sadf.rest == ["-d"]
