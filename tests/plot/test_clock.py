"""The Clock figure (offset, error bounds, frequency) and clock steps as marks on every figure."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest
from tests.plot.conftest import HOST, T10, drawn, sample

from hostward.collect.sample import ClockSample, SystemSample
from hostward.plot.figures import SECONDS_PER_DAY, build_figures
from hostward.plot.series import series_from_day
from hostward.store.model import DayData

WINDOW = (T10 - 10 * 3600, T10 + 14 * 3600)


def clock(i: int) -> ClockSample:
    """Offset swinging around zero (-1 ms .. +1 ms), maxerror growing, frequency -12.5 ppm."""
    return ClockSample(
        synchronised=True,
        clock_state=0,
        kernel_offset_ns=(i % 5 - 2) * 500_000,
        frequency_scaled_ppm=-819_200,  # -12.5 ppm
        maxerror_us=10_000 + 500 * i,
        esterror_us=1_000,
    )


def day_with_clock(step_at: int | None = None) -> DayData:
    """Every 10 s from 10:00 for 5 minutes; from sample ``step_at`` on the wall clock is 5 s ahead."""
    entries: list[SystemSample] = []
    for i in range(31):
        s = dataclasses.replace(sample(T10 + 10 * i, i, 5000.0), time=clock(i))
        if step_at is not None and i >= step_at:
            s = dataclasses.replace(s, timestamp=s.timestamp + 5.0)
        entries.append(s)
    return DayData(HOST, tuple(entries))


def lines(fig_axes: object) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for line in fig_axes.get_lines():  # type: ignore[attr-defined]
        label = str(line.get_label())
        if not label.startswith("_"):
            out[label] = [float(v) for v in line.get_ydata()]
    return out


def test_clock_figure_has_offset_error_and_frequency_series() -> None:
    sset = series_from_day(day_with_clock())
    (time_series,) = sset.of("time")
    assert time_series.columns == (
        "offset",
        "koffset",
        "maxerr",
        "esterr",
        "freq",
        "sync",
        "steps",
        "agreeing",
    )
    figs = {f.key: f for f in drawn(build_figures(sset, window=WINDOW, host_label="plothost", tz=dt.UTC))}
    assert "clock" in figs
    fig = figs["clock"].figure
    assert "Clock" in fig.get_suptitle()
    offset_ax, error_ax, freq_ax = fig.axes[:3]
    assert [ax.get_ylabel() for ax in (offset_ax, error_ax, freq_ax)] == ["ms", "ms", "ppm"]

    offset = lines(offset_ax)
    # No server was measured: the θ series has no value, and the kernel's offset is its own series.
    assert all(math.isnan(v) for label, vs in offset.items() if label.startswith("offset") for v in vs)
    values = offset["kernel offset still to slew"]
    assert [v for v in values if not math.isnan(v)] == pytest.approx(
        [(i % 5 - 2) * 0.5 for i in range(1, 31)]
    )
    low, high = offset_ax.get_ylim()
    assert low < -1.0 and high > 1.0  # a signed axis: negative offsets are not cut off at zero

    errors = lines(error_ax)
    assert set(errors) == {"maximum error", "estimated error"}
    assert errors["maximum error"] == pytest.approx([10.0 + 0.5 * i for i in range(1, 31)])
    assert set(errors["estimated error"]) == {1.0}

    freq = lines(freq_ax)
    assert list(freq) == ["frequency correction"]
    assert set(freq["frequency correction"]) == {-12.5}
    assert freq_ax.get_ylim()[0] < -12.5 < freq_ax.get_ylim()[1]


def test_no_clock_figure_without_time_health() -> None:
    plain = DayData(HOST, tuple(sample(T10 + 10 * i, i, 5000.0) for i in range(10)))
    sset = series_from_day(plain)
    assert sset.of("time") == []
    figs = {f.key for f in build_figures(sset, window=WINDOW, host_label="plothost", tz=dt.UTC)}
    assert "clock" not in figs and "cpu" in figs
    assert [m.kind for m in sset.marks] == []


def test_clock_step_is_a_mark_on_every_figure() -> None:
    sset = series_from_day(day_with_clock(step_at=12))
    steps = [m for m in sset.marks if m.kind == "clock-step"]
    assert len(steps) == 1
    assert steps[0].timestamp == T10 + 120 + 5.0 and steps[0].label == "clock step +5.000 s"
    (time_series,) = sset.of("time")
    assert sum(time_series.column("steps")) == 1.0
    figs = drawn(build_figures(sset, window=WINDOW, host_label="plothost", tz=dt.UTC))
    assert {f.key for f in figs} >= {"cpu", "queue", "clock"}
    x = steps[0].timestamp / SECONDS_PER_DAY
    for fig in figs:
        ax = fig.figure.axes[0]
        marked = [ln for ln in ax.get_lines() if list(ln.get_xdata()) == [x, x]]
        assert marked, fig.key
        assert "clock-step" in ax.get_legend_handles_labels()[1]


def test_recordings_without_time_health_still_show_steps() -> None:
    # Steps come from timestamps and uptime, which every recording has.
    entries = [sample(T10 + 10 * i + (3.0 if i >= 4 else 0.0), i, 5000.0) for i in range(8)]
    sset = series_from_day(DayData(HOST, tuple(entries)))
    assert [(m.kind, m.timestamp) for m in sset.marks] == [("clock-step", T10 + 43.0)]
