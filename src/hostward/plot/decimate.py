"""Fewer points than pixels: a day at 1 s is 86400 points per line, drawn across ~1400 pixels.

For every pixel column of the time axis only the lowest and the highest point are kept (in time order), so
the drawn envelope is the same (a one-second spike stays as tall as it was) while Agg, SVG and PDF draw a
few thousand vertices instead of tens of thousands. NaN points (gaps where the recorder was not running)
are always kept, so a break in a line stays a break. A series that already fits is returned unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

COLUMNS = 1400  # pixel columns across a page at the PNG resolution (A4 at 120 dpi is 1403 pixels wide)

Floats = npt.NDArray[np.float64]
Indices = npt.NDArray[np.intp]
Values = Sequence[float] | Floats


def envelope_indices(x: Floats, y: Floats, window: tuple[float, float], columns: int = COLUMNS) -> Indices:
    """Indices of the points to draw: per column of ``window`` (in ``x`` units), the lowest and highest
    non-NaN ``y``, and every NaN; all indices when there are no more points than two per column."""
    n = len(y)
    if n <= 2 * columns:
        return np.arange(n)
    lo, hi = window
    width = (hi - lo) / columns if hi > lo else 1.0
    bins = np.floor((x - lo) / width).astype(np.int64)
    nan = np.isnan(y)
    valid = np.flatnonzero(~nan)
    if len(valid) == 0:
        return np.arange(n)
    order = valid[np.lexsort((y[valid], bins[valid]))]  # by column, lowest value first within a column
    ranked = bins[order]
    first = np.flatnonzero(np.concatenate(([True], ranked[1:] != ranked[:-1])))
    last = np.concatenate((first[1:] - 1, [len(order) - 1]))
    return np.unique(np.concatenate((order[first], order[last], np.flatnonzero(nan))))


def decimate(
    x: Values, ys: Sequence[Values], window: tuple[float, float], *, shared: bool
) -> tuple[list[Floats], list[Floats]]:
    """(x per series, y per series) with the envelope of each series kept. ``shared``: one set of points for
    all series (a stack, whose layers must stay on the same x), chosen from their sum."""
    xs = np.asarray(x, dtype=np.float64)
    arrays = [np.asarray(y, dtype=np.float64) for y in ys]
    if shared:
        keep = envelope_indices(xs, np.sum(arrays, axis=0), window) if arrays else np.arange(len(xs))
        return [xs[keep] for _ in arrays], [y[keep] for y in arrays]
    kept = [envelope_indices(xs, y, window) for y in arrays]
    return [xs[k] for k in kept], [y[k] for y, k in zip(arrays, kept, strict=True)]
