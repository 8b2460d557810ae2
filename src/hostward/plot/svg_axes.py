"""Ticks of the SVG renderer (plot/svg.py), chosen as matplotlib chooses them for the PDF/PNG of the same figure;
the value ticks and their labels are the PDF/PNG's too (plot/mpl.py sets them), so both read alike.

* Values: at most ``Y_BINS`` intervals at multiples of 1, 2, 2.5 or 5 x 10^n, the smallest such step that
  leaves at least two ticks inside the axis (matplotlib's MaxNLocator with those steps); labels with as few
  decimals as the step needs, a minus sign (U+2212) as matplotlib writes it, and an SI prefix (k, M, G ... or
  m, µ, n) for very large or very small values.
* Time: in the host's time zone; a day's window gets a tick every 2 hours (as plot/mpl.py's HourLocator),
  any other window matplotlib's AutoDateLocator rule: the coarsest unit (months, days, hours, minutes, seconds)
  of which the window holds at least 4, at the smallest of that unit's usual intervals that gives at most
  ``most`` ticks, aligned on the clock (every 15 minutes: :00, :15, :30, :45). Units are counted on the local
  clock, as matplotlib counts them (the difference of two datetimes in one zone): the 25 hours of an autumn DST
  day are 24 of them, and get a tick every 3 hours as in the PDF, not every 4.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

from hostward.plot.figures import SECONDS_PER_DAY, Y_BINS, time_rule

STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
MIN_TICKS = 4  # AutoDateLocator's minticks
# (unit in seconds, its usual intervals), coarsest first: AutoDateLocator's intervald for days .. seconds, with
# its interval_multiples (the default) days of 1, 2, 4, 7, 14: 4 rather than 3, so a 31-day month gets no 31, 1
UNITS = (
    (86400, (1, 2, 4, 7, 14)),
    (3600, (1, 2, 3, 4, 6, 12)),
    (60, (1, 5, 10, 15, 30)),
    (1, (1, 5, 10, 15, 30)),
)
MINUS = "\u2212"  # matplotlib's tick labels (axes.unicode_minus): as wide as a digit, not a hyphen
PREFIXES = {-9: "n", -6: "µ", -3: "m", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}


def value_ticks(lo: float, hi: float, bins: int = Y_BINS) -> list[float]:
    """Tick values inside [lo, hi], strictly increasing, at most ``bins + 1`` of them."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo or not math.isfinite(hi - lo):
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / bins
    if not 1e-300 < raw < 1e300:  # at the ends of the floats: the range's own ends
        return [lo, hi]
    decade = 10.0 ** math.floor(math.log10(raw))
    for power in (decade, decade * 10, decade * 100):
        for m in STEPS:
            step = m * power
            if step < raw * (1 - 1e-9):
                continue
            near = 1e-10 * (hi - lo)  # matplotlib's axis shows a tick this close outside its range
            first, last = math.ceil((lo - near) / step), math.floor((hi + near) / step)
            ticks = [k * step for k in range(first, last + 1)]
            ticks = [min(max(t, lo), hi) for t in ticks if lo - near <= t <= hi + near]
            if len(ticks) >= 2:
                return ticks
    return [lo, hi]


def value_labels(ticks: list[float]) -> list[str]:
    """Labels of ``ticks``: the same number of decimals for all, the fewest that tell them apart."""
    if not ticks:
        return []
    biggest = max(abs(t) for t in ticks)
    exponent = 0
    if biggest >= 1e6 or 0 < biggest < 1e-3:
        exponent = max(-9, min(18, 3 * math.floor(math.log10(biggest) / 3)))
    scaled = [t / 10.0**exponent for t in ticks]
    step = min((b - a for a, b in itertools.pairwise(scaled)), default=abs(scaled[0]) or 1.0)
    decimals = 0
    while decimals < 15 and any(abs(round(v, decimals) - v) > step * 1e-3 for v in scaled):
        decimals += 1
    suffix = PREFIXES.get(exponent, "")
    out = []
    for v in scaled:
        text = f"{v:.{decimals}f}"
        if text.lstrip("-").strip("0.") == "":
            text = text.lstrip("-")  # "-0.0" is "0.0"
        out.append(text.replace("-", MINUS) + suffix)
    return out


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
