"""The Fibre Channel figure (sar -n FC) drawn from recorded counters: one figure per adapter, frames and words
at the rates sar reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from tests.plot.conftest import HOST, T10, day_entries, drawn

from hostward.collect.fchost import FcHost
from hostward.collect.sample import SystemSample
from hostward.plot.figures import build_figures
from hostward.plot.series import series_from_day
from hostward.store.model import DayData

WINDOW = (T10 - 10 * 3600, T10 + 14 * 3600)


def test_each_adapter_gets_a_figure_with_its_rates() -> None:
    # host0 moves 10 frames and 40 words in, 20 frames and 80 words out per second; host1 3/1/12/4.
    def hosts(up: int) -> tuple[FcHost, ...]:
        return (
            FcHost("host0", 10 * up, 20 * up, 40 * up, 80 * up),
            FcHost("host1", 3 * up, up, 12 * up, 4 * up),
        )

    entries = [
        dataclasses.replace(e, fchosts=hosts(round(e.uptime_seconds))) if isinstance(e, SystemSample) else e
        for e in day_entries()
    ]
    sset = series_from_day(DayData(HOST, tuple(entries)))
    figs = {f.key: f for f in drawn(build_figures(sset, window=WINDOW, host_label="plothost", tz=dt.UTC))}
    keys = list(figs)
    assert keys.index("fc-host0") + 1 == keys.index("fc-host1"), keys
    assert "Fibre Channel adapter host0" in figs["fc-host0"].figure.get_suptitle()
    frames, words = figs["fc-host1"].figure.axes[:2]
    assert [line.get_label() for line in frames.get_lines()][:2] == ["received", "transmitted"]
    rates = [
        {y for y in line.get_ydata() if not math.isnan(y)}
        for line in (*frames.get_lines()[:2], *words.get_lines()[:2])
    ]
    assert rates == [{3.0}, {1.0}, {12.0}, {4.0}]
