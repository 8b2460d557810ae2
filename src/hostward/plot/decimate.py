"""Fewer points than pixels: a day at 1 s is 86400 points per line, drawn across ~1400 pixels.

For every pixel column of the time axis only the lowest and the highest point are kept (in time order), so
the drawn envelope is the same (a one-second spike stays as tall as it was) while Agg, SVG and PDF draw a
few thousand vertices instead of tens of thousands. NaN points (gaps where the recorder was not running)
are always kept, so a break in a line stays a break. A series that already fits is returned unchanged.

Plain Python over sequences of floats (no numpy): the SVG writer runs without numpy, and one pass over a
day's points is a few milliseconds, next to the ~100 us a sample that decoding and computing them cost.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

COLUMNS = 1400  # pixel columns across a page at the PNG resolution (A4 at 120 dpi is 1403 pixels wide)

Values = Sequence[float]


def envelope_indices(x: Values, y: Values, window: tuple[float, float], columns: int = COLUMNS) -> list[int]:
    """Indices of the points to draw, in order: per column of ``window`` (in ``x`` units), the lowest and
    highest non-NaN ``y``, and every NaN; all indices when there are no more points than two per column."""
    # A series that fits is kept whole: its columns are not looked for.
    runs = column_runs(x, window, columns) if len(y) > 2 * columns else None
    return envelope_in_runs(x, y, window, runs, columns)


def envelope_in_runs(
    x: Values, y: Values, window: tuple[float, float], runs: list[range] | None, columns: int = COLUMNS
) -> list[int]:
    """``envelope_indices`` with ``x``'s columns found already, as column_runs gives them (every line of a
    series shares its times): ``runs`` the indices of each column's points, or None when ``x`` is out of
    order."""
    n = len(y)
    if n <= 2 * columns:
        return list(range(n))
    lo, hi = window
    width = (hi - lo) / columns if hi > lo else 1.0
    total = sum(y)  # in C: a number unless some value is NaN (or infinities of both signs)
    nan = [] if total == total else [i for i, v in enumerate(y) if v != v]  # noqa: PLR0124  (gaps: always kept)
    if len(nan) == n:
        return list(range(n))
    if runs is None:
        return _unsorted(x, y, lo, width, nan)
    keep = nan[:]
    at = y.__getitem__
    index = y.index
    for run in runs:
        a, b = run.start, run.stop
        if nan and bisect.bisect_left(nan, b) > bisect.bisect_left(nan, a):
            kept = [i for i in run if not math.isnan(y[i])]
            if kept:
                keep.append(min(kept, key=at))
                keep.append(max(kept, key=at))
            continue
        part = y[a:b]  # min, max and finding them again run in C, with no call per point
        keep.append(index(min(part), a, b))
        keep.append(index(max(part), a, b))
    return sorted(set(keep))


def column_runs(x: Values, window: tuple[float, float], columns: int = COLUMNS) -> list[range] | None:
    """The indices of each pixel column's points as ranges, found by bisection, when ``x`` is in order (the
    times of a series are); None when it is not."""
    if list(x) != sorted(x):
        return None
    lo, hi = window
    width = (hi - lo) / columns if hi > lo else 1.0
    floor = math.floor
    n = len(x)
    runs = []
    start = 0
    while start < n:
        column = floor((x[start] - lo) / width)
        end = max(start + 1, bisect.bisect_left(x, lo + (column + 1) * width, start))
        while end < n and floor((x[end] - lo) / width) == column:  # the edge as floor() rounds it
            end += 1
        while end > start + 1 and floor((x[end - 1] - lo) / width) != column:
            end -= 1
        runs.append(range(start, end))
        start = end
    return runs


def _unsorted(x: Values, y: Values, lo: float, width: float, nan: list[int]) -> list[int]:
    """envelope_in_runs for times out of order: one pass, a column's lowest and highest kept in a dict."""
    lowest: dict[int, int] = {}
    highest: dict[int, int] = {}
    floor = math.floor
    for i, v in enumerate(y):
        if v != v:  # noqa: PLR0124
            continue
        b = floor((x[i] - lo) / width)
        low = lowest.get(b)
        if low is None:
            lowest[b] = highest[b] = i
            continue
        if v < y[low]:
            lowest[b] = i
        if v > y[highest[b]]:
            highest[b] = i
    return sorted({*nan, *lowest.values(), *highest.values()})


Kept = tuple[float, ...]


def decimate(
    x: Values, ys: Sequence[Values], window: tuple[float, float], *, shared: bool
) -> tuple[list[Kept], list[Kept]]:
    """(x per series, y per series) with the envelope of each series kept, as tuples: a sequence that fits is
    the same tuple (or one copy of a list), no point is copied twice. ``shared``: one set of points for all
    series (a stack, whose layers must stay on the same x), chosen from their sum."""
    if shared:
        total = [sum(column) for column in zip(*ys, strict=True)] if ys else []
        keep = envelope_indices(x, total, window) if ys else list(range(len(x)))
        kept_x = _take(x, keep)
        return [kept_x for _ in ys], [_take(y, keep) for y in ys]
    out_x: list[Kept] = []
    out_y: list[Kept] = []
    long = len(x) > 2 * COLUMNS
    runs = column_runs(x, window) if long else None  # sorted or found out of order once, for every line
    for y in ys:
        keep = envelope_in_runs(x, y, window, runs)
        out_x.append(_take(x, keep))
        out_y.append(_take(y, keep))
    return out_x, out_y


def _take(values: Values, keep: list[int]) -> Kept:
    if len(keep) == len(values):  # every point (keep is every index, in order)
        return values if isinstance(values, tuple) else tuple(values)
    return tuple(map(values.__getitem__, keep))
