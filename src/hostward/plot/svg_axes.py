"""Time ticks of the SVG renderer (plot/svg.py), chosen as matplotlib's date locators choose them for the PDF/PNG
of the same figure (the value ticks, the same in both, are plot/ticks.py's).

In the host's time zone, a day's window gets a tick every 2 hours (as plot/mpl.py's HourLocator), any other
window matplotlib's AutoDateLocator rule: the coarsest unit (months, days, hours, minutes, seconds) of which the
window holds at least 4, at the smallest of that unit's usual intervals that gives at most ``most`` ticks,
aligned on the clock (every 15 minutes: :00, :15, :30, :45). Units are counted on the local clock, as matplotlib
counts them (the difference of two datetimes in one zone): the 25 hours of an autumn DST day are 24 of them, and
get a tick every 3 hours as in the PDF, not every 4.
"""

from __future__ import annotations

import datetime as dt
import math

from hostward.plot.figures import SECONDS_PER_DAY, time_rule

MIN_TICKS = 4  # AutoDateLocator's minticks
# (unit in seconds, its usual intervals), coarsest first: AutoDateLocator's intervald for days .. seconds, with
# its interval_multiples (the default) days of 1, 2, 4, 7, 14: 4 rather than 3, so a 31-day month gets no 31, 1
UNITS = (
    (86400, (1, 2, 4, 7, 14)),
    (3600, (1, 2, 3, 4, 6, 12)),
    (60, (1, 5, 10, 15, 30)),
    (1, (1, 5, 10, 15, 30)),
)


def time_ticks(window: tuple[float, float], tz: dt.tzinfo) -> list[float]:
    """Tick times (epoch seconds) inside ``window``, in order."""
    start, end = window
    span = end - start
    if not math.isfinite(span) or span <= 0:
        return []
    rule = time_rule(window)
    if rule.day:
        return _clock_ticks(start, end, tz, 7200)
    most = rule.most
    months = _months(start, end, tz)
    if months >= MIN_TICKS:
        interval = next((n for n in (1, 2, 3, 4, 6) if months <= n * (most - 1)), 12)
        return _month_ticks(start, end, tz, interval)
    wall = _wall_seconds(start, end, tz)
    for unit, intervals in UNITS:
        count = math.floor(wall / unit)
        if count < MIN_TICKS:
            continue
        interval = next((n for n in intervals if count <= n * (most - 1)), intervals[-1])
        if unit == 86400:
            return _day_ticks(start, end, tz, interval)
        return _clock_ticks(start, end, tz, unit * interval)
    return [start, end]


def _wall_seconds(start: float, end: float, tz: dt.tzinfo) -> float:
    """Seconds from ``start`` to ``end`` on the local clock (an hour less across a spring DST change)."""
    a, b = dt.datetime.fromtimestamp(start, tz), dt.datetime.fromtimestamp(end, tz)
    return (b.replace(tzinfo=None) - a.replace(tzinfo=None)).total_seconds()


def _local_days(start: float, end: float, tz: dt.tzinfo) -> list[dt.datetime]:
    """Local midnights from the one on or before ``start`` to the one on or before ``end``."""
    day = dt.datetime.fromtimestamp(start, tz).date()
    last = dt.datetime.fromtimestamp(end, tz).date()
    out = []
    while day <= last:
        out.append(dt.datetime.combine(day, dt.time(), tz))
        day += dt.timedelta(days=1)
    return out


def _clock_ticks(start: float, end: float, tz: dt.tzinfo, step: int) -> list[float]:
    """Every ``step`` seconds of the local clock from each midnight (steps divide a day: 1 s .. 12 h)."""
    out: list[float] = []
    for midnight in _local_days(start, end, tz):
        # The first step at or before ``start`` on the clock: the clock, not the seconds since midnight, which
        # run an hour ahead of it after an autumn DST change (and would skip that hour's ticks).
        k = max(0, math.floor(_wall_seconds(midnight.timestamp(), start, tz) / step))
        while k * step < SECONDS_PER_DAY:
            stamp = (midnight + dt.timedelta(seconds=k * step)).timestamp()
            if stamp > end:
                break
            if stamp >= start and (not out or stamp > out[-1]):
                out.append(stamp)
            k += 1
    return out


def _day_ticks(start: float, end: float, tz: dt.tzinfo, interval: int) -> list[float]:
    """Local midnights of the days of the month matplotlib marks at this interval (1, 3, 5 ... for 2)."""
    days = {7: (1, 8, 15, 22), 14: (1, 15)}.get(interval, tuple(range(1, 32))[::interval])
    return [
        m.timestamp() for m in _local_days(start, end, tz) if m.day in days and start <= m.timestamp() <= end
    ]


def _months(start: float, end: float, tz: dt.tzinfo) -> int:
    a, b = dt.datetime.fromtimestamp(start, tz), dt.datetime.fromtimestamp(end, tz)
    months = (b.year - a.year) * 12 + b.month - a.month
    return months - 1 if (b.day, b.time()) < (a.day, a.time()) else months


def _month_ticks(start: float, end: float, tz: dt.tzinfo, interval: int) -> list[float]:
    out: list[float] = []
    a = dt.datetime.fromtimestamp(start, tz)
    year, month = a.year, a.month
    while True:
        stamp = dt.datetime(year, month, 1, tzinfo=tz).timestamp()
        if stamp > end:
            return out
        if stamp >= start and (month - 1) % interval == 0:
            out.append(stamp)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
