"""The value axis's ticks and labels, the same in every renderer: plot/svg.py writes them and plot/mpl.py sets
them on matplotlib's axes, so the SVG, PDF and PNG of a figure read alike.

* Values: at most ``Y_BINS`` intervals at multiples of 1, 2, 2.5 or 5 x 10^n, the smallest such step that
  leaves at least two ticks inside the axis (matplotlib's MaxNLocator with those steps).
* Labels: as few decimals as the step needs, a minus sign (U+2212) as matplotlib writes it, and an SI prefix
  (k, M, G ... or m, µ, n) for very large or very small values, where matplotlib's formatter would write "1e9"
  above the axis.
"""

from __future__ import annotations

import itertools
import math

# At most this many intervals between y ticks (matplotlib's automatic choice gave up to 10 on a tall panel):
# 0, 20 ... 100 on a percent axis. Every tick is a few artists to build and draw: ~1 ms each, per panel.
Y_BINS = 6
STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
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
