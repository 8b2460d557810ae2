"""Decimation to the pixel width keeps what a reader sees: each pixel column's lowest and highest point, every
gap, time order; a series that already fits is untouched."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.plot import decimate as decimate_module
from hostward.plot.decimate import COLUMNS, decimate, envelope_in_runs, envelope_indices

values = st.one_of(st.floats(-1e9, 1e9, allow_nan=False), st.just(math.nan))


@settings(max_examples=300, deadline=None)
@given(st.lists(values, min_size=1, max_size=400), st.integers(1, 40), st.booleans())
def test_each_column_keeps_its_lowest_and_highest_point_and_every_gap(
    ys: list[float], columns: int, backwards: bool
) -> None:
    """Times in order (one run of points per column, by bisection) and, for the other path, backwards; the
    other path on the same points keeps the same."""
    y = np.asarray(ys, dtype=np.float64)
    x = np.arange(len(y), dtype=np.float64)
    if backwards:
        x = x[::-1].copy()
    window = (0.0, float(len(y)))
    keep = np.asarray(envelope_indices(x.tolist(), ys, window, columns), dtype=np.intp)
    # The one-pass path for times out of order keeps the same points, whatever the order.
    assert envelope_in_runs(x.tolist(), ys, window, None, columns) == keep.tolist()
    assert list(keep) == sorted(set(keep.tolist()))  # time order, no point twice
    if len(y) <= 2 * columns:
        assert list(keep) == list(range(len(y)))
        return
    assert set(np.flatnonzero(np.isnan(y)).tolist()) <= set(keep.tolist())
    width = len(y) / columns
    bins = np.floor(x / width).astype(int)
    kept_bins = bins[keep]
    for b in set(bins[~np.isnan(y)].tolist()):
        column = y[(bins == b) & ~np.isnan(y)]
        drawn = y[keep][(kept_bins == b) & ~np.isnan(y[keep])]
        assert drawn.min() == column.min() and drawn.max() == column.max()
        assert len(drawn) <= 2


def test_a_one_second_day_is_drawn_with_at_most_two_points_per_column_and_keeps_a_spike() -> None:
    x = np.arange(86400, dtype=np.float64)
    y = np.sin(x / 3000.0)
    y[43210] = 50.0  # a one-second spike
    y[1000:1100] = math.nan  # the recorder stopped
    kept_x, kept_y = decimate(x.tolist(), [y.tolist()], (0.0, 86400.0), shared=False)
    xs, ys = [np.asarray(v) for v in kept_x], [np.asarray(v) for v in kept_y]
    assert len(ys[0]) <= 2 * COLUMNS + 100
    assert np.nanmax(ys[0]) == 50.0 and xs[0][np.nanargmax(ys[0])] == 43210.0
    assert np.isnan(ys[0]).sum() == 100


def test_a_stack_keeps_one_x_for_all_layers() -> None:
    x = np.arange(10000, dtype=np.float64)
    layers = [np.abs(np.sin(x / 100.0)), np.abs(np.cos(x / 70.0))]
    kept_x, kept_y = decimate(x.tolist(), [y.tolist() for y in layers], (0.0, 10000.0), shared=True)
    xs, ys = [np.asarray(v) for v in kept_x], [np.asarray(v) for v in kept_y]
    assert all(np.array_equal(xs[0], other) for other in xs)
    assert all(len(y) == len(xs[0]) < len(x) for y in ys)
    total = layers[0] + layers[1]
    assert float((ys[0] + ys[1]).max()) == float(total.max())


def test_times_out_of_order_are_found_so_once_for_all_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """column_runs (which sorts a copy of the times to check their order) runs once per decimate call, not
    once more per line when the times are out of order; each line still keeps its envelope."""
    calls: list[int] = []
    real = decimate_module.column_runs

    def counted(*args: Any, **kwargs: Any) -> list[range] | None:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(decimate_module, "column_runs", counted)
    x = [float(v) for v in range(3 * COLUMNS, 0, -1)]  # backwards
    ys = [[math.sin(v / 50.0) * k for v in x] for k in (1, 2, 3)]
    kept_x, kept_y = decimate(x, ys, (0.0, float(3 * COLUMNS)), shared=False)
    assert len(calls) == 1
    for y, kx, ky in zip(ys, kept_x, kept_y, strict=True):
        assert max(ky) == max(y) and min(ky) == min(y) and len(kx) == len(ky) < len(x)


def test_a_series_that_fits_is_the_same_tuple() -> None:
    x, y = (1.0, 2.0, 3.0), (4.0, math.nan, 6.0)
    kept_x, kept_y = decimate(x, [y], (0.0, 4.0), shared=False)
    assert kept_x[0] is x and kept_y[0] is y
