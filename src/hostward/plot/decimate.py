"""Fewer points than pixels: a day at 1 s is 86400 points per line, drawn across ~1400 pixels.

For every pixel column of the time axis only the lowest and the highest point are kept (in time order), so
the drawn envelope is the same (a one-second spike stays as tall as it was) while Agg, SVG and PDF draw a
few thousand vertices instead of tens of thousands. NaN points (gaps where the recorder was not running)
are always kept, so a break in a line stays a break. A series that already fits is returned unchanged.

Plain Python over sequences of floats (no numpy): the SVG writer runs without numpy, and one pass over a
day's points is a few milliseconds, next to the ~100 us a sample that decoding and computing them cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

COLUMNS = 1400  # pixel columns across a page at the PNG resolution (A4 at 120 dpi is 1403 pixels wide)

Values = Sequence[float]


def envelope_indices(x: Values, y: Values, window: tuple[float, float], columns: int = COLUMNS) -> list[int]:
    """Indices of the points to draw, in order: per column of ``window`` (in ``x`` units), the lowest and
    highest non-NaN ``y``, and every NaN; all indices when there are no more points than two per column."""
    n = len(y)
    if n <= 2 * columns:
        return list(range(n))
    lo, hi = window
    width = (hi - lo) / columns if hi > lo else 1.0
    lowest: dict[int, int] = {}  # column -> index of its lowest point (the first of equal ones)
    highest: dict[int, int] = {}  # column -> index of its highest point (the last of equal ones)
    keep: list[int] = []
    floor = math.floor
    for i in range(n):
        v = y[i]
        if v != v:  # noqa: PLR0124  (NaN: a gap, always kept; faster than math.isnan here)
            keep.append(i)
            continue
        b = floor((x[i] - lo) / width)
        low = lowest.get(b)
        if low is None:
            lowest[b] = highest[b] = i
            continue
        if v < y[low]:
            lowest[b] = i
        if v >= y[highest[b]]:
            highest[b] = i
    if not lowest:
        return list(range(n))
    keep.extend(lowest.values())
    keep.extend(highest.values())
    return sorted(set(keep))


def decimate(
    x: Values, ys: Sequence[Values], window: tuple[float, float], *, shared: bool
) -> tuple[list[list[float]], list[list[float]]]:
    """(x per series, y per series) with the envelope of each series kept. ``shared``: one set of points for
    all series (a stack, whose layers must stay on the same x), chosen from their sum."""
    if shared:
        total = [math.fsum(column) for column in zip(*ys, strict=True)] if ys else []
        keep = envelope_indices(x, total, window) if ys else list(range(len(x)))
        kept_x = [x[i] for i in keep]
        return [kept_x for _ in ys], [[y[i] for i in keep] for y in ys]
    out_x: list[list[float]] = []
    out_y: list[list[float]] = []
    for y in ys:
        keep = envelope_indices(x, y, window)
        out_x.append([x[i] for i in keep])
        out_y.append([y[i] for i in keep])
    return out_x, out_y
