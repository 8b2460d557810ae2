"""The value axis's ticks (plot/ticks.py): inside the axis, strictly increasing, at nice steps, no more than
the matplotlib figures have, the ticks matplotlib's MaxNLocator draws; labels as matplotlib's, with SI prefixes."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hostward.plot.ticks import Y_BINS, value_labels, value_ticks

NICE = (1.0, 2.0, 2.5, 5.0)


def _nice(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (*NICE, 10.0))


@settings(max_examples=400, deadline=None)
@given(st.floats(-1e15, 1e15), st.floats(1e-6, 1e15))
def test_value_ticks_are_inside_increasing_nice_and_few(lo: float, span: float) -> None:
    hi = lo + span
    if hi <= lo or span < abs(lo) * 1e-9:
        return  # a span below the floats' resolution at lo: the figures widen such ranges first
    ticks = value_ticks(lo, hi)
    assert 2 <= len(ticks) <= Y_BINS + 1
    assert all(lo <= t <= hi for t in ticks)
    assert all(a < b for a, b in itertools.pairwise(ticks))
    assert _nice((ticks[-1] - ticks[0]) / (len(ticks) - 1))
    labels = value_labels(ticks)
    assert len(set(labels)) == len(labels)  # every tick tells itself apart


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([0.0, -1.0, 1e6]), st.floats(-1e6, 1e6), st.floats(-4, 12))
def test_value_ticks_are_those_matplotlib_draws(base: float, shift: float, decades: float) -> None:
    """The oracle: matplotlib's MaxNLocator as plot/mpl.py sets it, its ticks inside the axis."""
    from matplotlib.ticker import MaxNLocator

    lo = base if base != -1.0 else shift
    span = 10**decades
    hi = lo + span
    # A span this narrow against its values (matplotlib then ticks from an offset) never comes from the figures:
    # their axes start at 0, or span signed data with a margin of 5 % of its size.
    assume(span >= 1e-3 * abs(lo))
    near = 1e-9 * span + 1e-13 * max(abs(lo), abs(hi))  # float noise at these magnitudes
    expected = [float(t) for t in MaxNLocator(nbins=Y_BINS, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)]
    expected = [t for t in expected if lo - 1e-10 * span <= t <= hi + 1e-10 * span]  # as the axis shows them
    assert value_ticks(lo, hi) == pytest.approx(expected, rel=1e-9, abs=near)


@pytest.mark.parametrize(
    ("lo", "hi", "labels"),
    [
        (0.0, 100.0, ["0", "20", "40", "60", "80", "100"]),
        (0.0, 0.81, ["0.0", "0.2", "0.4", "0.6", "0.8"]),
        (0.0, 16.2, ["0", "5", "10", "15"]),
        (0.0, 7.0, ["0", "2", "4", "6"]),
        (0.0, 14.0, ["0.0", "2.5", "5.0", "7.5", "10.0", "12.5"]),
        (-1.1, 1.1, ["\u22121.0", "\u22120.5", "0.0", "0.5", "1.0"]),  # a minus sign, as matplotlib's labels
        (-3.2e9, -1e9, ["\u22123.0G", "\u22122.5G", "\u22122.0G", "\u22121.5G", "\u22121.0G"]),
        (0.0, 3.2e9, ["0G", "1G", "2G", "3G"]),
        (0.0, 1.62e7, ["0M", "5M", "10M", "15M"]),
        (0.0, 1.4e7, ["0.0M", "2.5M", "5.0M", "7.5M", "10.0M", "12.5M"]),
        (0.0, 4e-5, ["0µ", "10µ", "20µ", "30µ", "40µ"]),
    ],
)
def test_value_labels(lo: float, hi: float, labels: list[str]) -> None:
    assert value_labels(value_ticks(lo, hi)) == labels
