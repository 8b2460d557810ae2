"""Time ticks of the SVG renderer (plot/svg_axes.py): inside the window, increasing, few, on the host's clock as
matplotlib's date locators place them."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.plot.figures import time_rule
from hostward.plot.svg_axes import time_ticks

ZONES = [dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)), zoneinfo.ZoneInfo("Europe/Berlin")]


@settings(max_examples=300, deadline=None)
@given(
    st.floats(1.7e9, 1.9e9),
    st.floats(5.0, 90 * 86400.0),
    st.sampled_from(ZONES),
)
def test_time_ticks_are_inside_the_window_increasing_and_few(
    start: float, span: float, tz: dt.tzinfo
) -> None:
    window = (start, start + span)
    ticks = time_ticks(window, tz)
    assert ticks, window
    assert all(window[0] <= t <= window[1] for t in ticks)
    assert all(a < b for a, b in itertools.pairwise(ticks))
    most = 13 if 43200 <= span <= 86401 else 14 if span <= 86401 else 9
    assert len(ticks) <= most + 1
    labels = [dt.datetime.fromtimestamp(t, tz).strftime(time_rule(window).fmt) for t in ticks]
    assert len(set(labels)) == len(labels)


def _local(tz: dt.tzinfo, *fields: int) -> float:
    return dt.datetime(*fields, tzinfo=tz).timestamp()  # type: ignore[misc]


@pytest.mark.parametrize("tz", ZONES, ids=["UTC", "+05:30", "Berlin"])
def test_time_ticks_sit_on_the_local_clock(tz: dt.tzinfo) -> None:
    day = (_local(tz, 2026, 11, 27), _local(tz, 2026, 11, 28))
    hours = [dt.datetime.fromtimestamp(t, tz).strftime("%H:%M") for t in time_ticks(day, tz)]
    assert hours == [f"{h:02d}:00" for h in range(0, 24, 2)] + ["00:00"]
    twenty_minutes = (_local(tz, 2026, 11, 27, 10, 3), _local(tz, 2026, 11, 27, 10, 23))
    marks = [dt.datetime.fromtimestamp(t, tz).strftime("%H:%M:%S") for t in time_ticks(twenty_minutes, tz)]
    assert marks == [f"10:{m:02d}:00" for m in (5, 10, 15, 20)]  # matplotlib: every 5 minutes
    two_days = (_local(tz, 2026, 11, 26, 10), _local(tz, 2026, 11, 28, 10))
    stamps = [dt.datetime.fromtimestamp(t, tz).strftime("%d %H") for t in time_ticks(two_days, tz)]
    assert stamps == ["26 12", "26 18", "27 00", "27 06", "27 12", "27 18", "28 00", "28 06"]  # every 6 hours
    eight_days = (_local(tz, 2026, 11, 20, 10), _local(tz, 2026, 11, 28, 10))
    days = [dt.datetime.fromtimestamp(t, tz).strftime("%d %H:%M") for t in time_ticks(eight_days, tz)]
    assert days == [f"{d} 00:00" for d in range(21, 29)]


def _matplotlib_time_ticks(window: tuple[float, float], tz: dt.tzinfo) -> list[float]:
    """The oracle: the time ticks plot/mpl.py gives the PDF/PNG axis, inside the window, each instant once (across a
    spring DST change matplotlib puts the missing 02:00 on 03:00 a second time)."""
    from matplotlib.figure import Figure

    from hostward.plot.mpl import _time_axis

    ax = Figure().subplots()
    _time_axis(ax, window, tz)
    stamps = {round(float(d) * 86400.0, 3) for d in ax.xaxis.get_major_locator()()}
    return sorted(t for t in stamps if window[0] <= t <= window[1])


DST = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("day", "hours"),
    [((2026, 3, 29), [0, 3, *range(4, 24, 2)]), ((2026, 10, 25), list(range(0, 24, 3)))],
    ids=["spring, 23 h", "autumn, 25 h"],
)
def test_a_dst_day_has_the_ticks_of_the_pdf(day: tuple[int, int, int], hours: list[int]) -> None:
    """Berlin's DST days: the 23-hour day is a day (every 2 hours; 02:00 does not exist: 03:00, as matplotlib's
    rule puts it, then 04:00); the 25-hour one is
    longer than a day, and matplotlib counts its hours on the clock (24): every 3 hours, not 4."""
    start = dt.datetime(*day, tzinfo=DST)
    end = dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(), DST)
    window = (start.timestamp(), end.timestamp())
    ticks = time_ticks(window, DST)
    assert [round(t, 3) for t in ticks] == _matplotlib_time_ticks(window, DST)
    shown = [dt.datetime.fromtimestamp(t, DST).strftime("%H") for t in ticks]
    assert shown == [f"{h:02d}" for h in hours] + ["00"]


def test_ticks_of_the_hours_after_an_autumn_dst_change() -> None:
    """From 02:00:01 CET, a second after Berlin's clocks went back from 03:00 CEST: the clock's quarter hours
    from 03:00 on, as matplotlib marks them (counting from midnight in seconds, the hour after the change had
    none: 03:15 came first)."""
    window = (1_792_890_001.0, 1_792_900_001.0)
    ticks = time_ticks(window, DST)
    assert [round(t, 3) for t in ticks] == _matplotlib_time_ticks(window, DST)
    assert dt.datetime.fromtimestamp(ticks[0], DST).strftime("%H:%M %Z") == "03:00 CET"


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1_770_000_000, 1_800_000_000),  # 2026 .. 2027, whole seconds: both DST changes of each zone
    st.floats(1.5, 7.5),
    st.sampled_from([*ZONES, DST, zoneinfo.ZoneInfo("America/New_York")]),
)
def test_time_ticks_are_those_matplotlib_draws(start: int, decades: float, tz: dt.tzinfo) -> None:
    """Minutes to months, across DST changes: the SVG's time ticks are the PDF's (matplotlib's locators)."""
    window = (float(start), start + round(10**decades))
    assert [round(t, 3) for t in time_ticks(window, tz)] == _matplotlib_time_ticks(window, tz)
