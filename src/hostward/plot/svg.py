"""The SVG renderer: a :class:`~hostward.plot.figures.PlotFigure` written as SVG text directly (as sysstat's
``sadf -g`` writes its own), without matplotlib or numpy: importing and driving matplotlib cost ~1 s a run,
whatever the day's length.

The page is what plot/mpl.py draws for PDF/PNG: A4 landscape in points, the same margins, panels, colours,
dash patterns, y ranges and legends (outside the panels, at the right), ticks chosen by the same rules
(plot/ticks.py, plot/svg_axes.py), text as <text> in matplotlib's default font. A line is one <polyline> per
stretch of points without a gap (plot/decimate.py keeps at most two points per pixel column), clipped to its
panel, a lone point a dot; a stacked panel is one <path> per layer and stretch, a stretch of one point a bar
per layer (figures.runs, isolated, bars: plot/mpl.py draws by the same rules). Each panel's <g> carries its
box and data ranges (``data-box``, ``data-t``, ``data-v``) so that a reader (or a test) can map points back to
values. Every text goes through plot/svg_text.py; numbers are written with fixed precision, so the same figure
gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence

from hostward.frozen import frozen
from hostward.plot.figures import (
    DOT_POINTS,
    FONT,
    LEGEND_FONT,
    LEGEND_GAP_POINTS,
    LEGEND_PAD_EM,
    LEGEND_ROW_EM,
    LEGEND_SPACING_EM,
    MARGINS,
    PAGE_INCHES,
    RIGHT_MOST,
    TITLE_FONT,
    LegendEntry,
    Line,
    PanelView,
    PlotFigure,
    Stack,
    bars,
    legend_columns,
    panel_rows,
    runs,
    time_rule,
)
from hostward.plot.svg_axes import time_ticks
from hostward.plot.svg_text import width, xml_text
from hostward.plot.ticks import value_labels, value_ticks

PAGE_W, PAGE_H = PAGE_INCHES[0] * 72, PAGE_INCHES[1] * 72  # points: the SVG's user units
TICK, TICK_PAD, LABEL_PAD = 3.5, 3.5, 4.0
GRID = 'stroke="#b0b0b0" stroke-opacity="0.3" stroke-width="0.8"'
# matplotlib's dash patterns for a line 1 point wide (scaled with the width, as lines.scale_dashes does)
DASHES = {"-": (), "--": (3.7, 1.6), ":": (1.0, 1.65), "-.": (6.4, 1.6, 1.0, 1.6)}
# legend geometry in ems of its font: matplotlib's handlelength, handletextpad, columnspacing (borderpad,
# labelspacing and the row's height: figures.py, which counts the rows that fit)
HANDLE_EM, HANDLE_GAP_EM, COLUMN_GAP_EM = 2.0, 0.8, 2.0
LIMIT = 1e5  # points: farther off the page than this is clipped anyway
FONTS = "'DejaVu Sans','Bitstream Vera Sans',Arial,Helvetica,sans-serif"


def n(value: float) -> str:
    """A coordinate: two decimals (1/60 of a pixel at 120 dpi), never an exponent or "-0.00"."""
    text = f"{min(max(value, -LIMIT), LIMIT):.2f}" if value == value else "0.00"  # noqa: PLR0124  (NaN: none)
    return "0.00" if text == "-0.00" else text


class _Box:
    """A panel: its rectangle on the page (points, y downwards) and the data range it shows."""

    def __init__(self, rect: tuple[float, float, float, float], window: tuple[float, float], view: PanelView):
        self.x0, self.y0, self.x1, self.y1 = x0, y0, x1, y1 = rect
        self.t0, self.t1 = window
        self.v0, self.v1 = view.ylim
        span_t, span_v = self.t1 - self.t0, self.v1 - self.v0
        self.kx = (x1 - x0) / span_t if span_t > 0 else 0.0
        self.ky = (y1 - y0) / span_v if span_v > 0 else 0.0
        self.kx, self.ky = (k if math.isfinite(k) else 0.0 for k in (self.kx, self.ky))

    def px(self, t: float) -> float:
        return self.x0 + (t - self.t0) * self.kx

    def py(self, v: float) -> float:
        return self.y1 - (v - self.v0) * self.ky


@frozen
class Legend:
    """A panel's legend laid out: its entries by column, each column's widest label and the box's width
    (points; 0 without entries)."""

    columns: tuple[tuple[LegendEntry, ...], ...]
    texts: tuple[float, ...]
    width: float


def legend_layout(view: PanelView, top: float) -> Legend:
    """The legend's entries by column, as matplotlib fills them for ``ncols``: top to bottom, then the next
    column; the first ``len % ncols`` columns one entry longer. ``top``: the panel's, in points."""
    entries = view.legend()
    if not entries:
        return Legend((), (), 0.0)
    count = legend_columns(len(entries), top / PAGE_H)
    rows, longer = divmod(len(entries), count)
    out, start = [], 0
    for c in range(count):
        size = rows + (1 if c < longer else 0)
        out.append(tuple(entries[start : start + size]))
        start += size
    columns = tuple(column for column in out if column)
    texts = tuple(max(width(label, LEGEND_FONT) for label, *_ in column) for column in columns)
    each = (HANDLE_EM + HANDLE_GAP_EM) * len(columns) + COLUMN_GAP_EM * (len(columns) - 1)
    return Legend(columns, texts, (2 * LEGEND_PAD_EM + each) * LEGEND_FONT + sum(texts))


def boxes(pf: PlotFigure) -> tuple[list[_Box], list[Legend]]:
    """Each panel's rectangle: fixed margins, the right one leaving room for the widest legend (plot/mpl.py's
    _make_room, subplots_adjust); and each panel's legend by column (legend_layout), laid out once here."""
    rows = [(top * PAGE_H, bottom * PAGE_H) for top, bottom in panel_rows(len(pf.panels))]
    legends = [legend_layout(v, top) for v, (top, _) in zip(pf.panels, rows, strict=True)]
    widest = max((legend.width for legend in legends), default=0.0)
    right = RIGHT_MOST if widest == 0 else 1.0 - (widest + LEGEND_GAP_POINTS) / PAGE_W
    x0, x1 = MARGINS["left"] * PAGE_W, max(0.5, right) * PAGE_W
    panels = [_Box((x0, y0, x1, y1), pf.window, view) for view, (y0, y1) in zip(pf.panels, rows, strict=True)]
    return panels, legends


def render(pf: PlotFigure, salt: str = "") -> bytes:
    """The whole SVG document of ``pf``. ``salt`` names its clip paths: fixed, so the same data gives the same
    bytes; distinct per figure, so graphs put together in one document never share an id."""
    prefix = "hw" + re.sub(r"[^A-Za-z0-9_.-]", "_", salt) + "-clip"
    panels, legends = boxes(pf)
    ticks = time_ticks(pf.window, pf.tz)
    out = [
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{n(PAGE_W)}pt" height="{n(PAGE_H)}pt" '
        f'viewBox="0 0 {n(PAGE_W)} {n(PAGE_H)}">\n'
        f"<title>{xml_text(pf.title)}</title>\n"
        f"<defs><style>text{{font-family:{FONTS};fill:#000}}</style>\n"
    ]
    out += [
        f'<clipPath id="{prefix}{i}"><rect x="{n(b.x0)}" y="{n(b.y0)}" width="{n(b.x1 - b.x0)}" '
        f'height="{n(b.y1 - b.y0)}"/></clipPath>\n'
        for i, b in enumerate(panels)
    ]
    out.append(f'</defs>\n<rect width="{n(PAGE_W)}" height="{n(PAGE_H)}" fill="#ffffff"/>\n')
    title_y = (1 - 0.985) * PAGE_H + TITLE_FONT * 0.93
    for k, text in enumerate((pf.title, pf.subtitle)):
        out.append(
            f'<text x="{n(PAGE_W / 2)}" y="{n(title_y + k * TITLE_FONT * 1.2)}" font-size="{TITLE_FONT:g}" '
            f'text-anchor="middle">{xml_text(text)}</text>\n'
        )
    for i, (box, view, legend) in enumerate(zip(panels, pf.panels, legends, strict=True)):
        out += _panel(box, view, legend, ticks, f"{prefix}{i}")
    last = panels[-1]
    fmt = time_rule(pf.window).fmt
    out += _time_labels(last, ticks, fmt, pf.tz)
    label_y = last.y1 + TICK + TICK_PAD + FONT * 1.2 * fmt.count("\n") + FONT * 2.1
    out.append(
        f'<text x="{n((last.x0 + last.x1) / 2)}" y="{n(label_y)}" font-size="{FONT:g}" '
        f'text-anchor="middle">{xml_text(pf.xlabel)}</text>\n</svg>\n'
    )
    return "".join(out).encode("utf-8")


def _panel(box: _Box, view: PanelView, legend: Legend, ticks: Sequence[float], clip: str) -> list[str]:
    out = [
        f'<g class="panel" data-box="{n(box.x0)} {n(box.y0)} {n(box.x1)} {n(box.y1)}" '
        f'data-t="{box.t0!r} {box.t1!r}" data-v="{box.v0!r} {box.v1!r}">\n'
        f'<rect x="{n(box.x0)}" y="{n(box.y0)}" width="{n(box.x1 - box.x0)}" height="{n(box.y1 - box.y0)}" '
        'fill="#ffffff"/>\n'
    ]
    for stack in view.stacks:
        out += _stack(box, stack, clip)
    values = value_ticks(*view.ylim)
    grid = [f"M{n(box.px(t))} {n(box.y0)}V{n(box.y1)}" for t in ticks]
    grid += [f"M{n(box.x0)} {n(box.py(v))}H{n(box.x1)}" for v in values]
    if grid:
        out.append(f'<path d="{"".join(grid)}" fill="none" {GRID}/>\n')
    for k, line in enumerate(view.lines):
        out += _line(box, line, k, clip)
    for mark in view.marks:
        x = n(box.px(mark.x))
        out.append(
            f'<path class="mark" d="M{x} {n(box.y0)}V{n(box.y1)}" clip-path="url(#{clip})" '
            f"{_stroke(mark.colour, mark.style, 1.2)}/>\n"
        )
    out.append(
        f'<rect x="{n(box.x0)}" y="{n(box.y0)}" width="{n(box.x1 - box.x0)}" height="{n(box.y1 - box.y0)}" '
        'fill="none" stroke="#000000" stroke-width="0.8"/>\n'
    )
    marks = "".join(f"M{n(box.x0)} {n(box.py(v))}h{-TICK:g}" for v in values)
    if marks:
        out.append(f'<path d="{marks}" stroke="#000000" stroke-width="0.8"/>\n')
    labels = value_labels(values)
    widest = max((width(text, FONT) for text in labels), default=0.0)
    for v, text in zip(values, labels, strict=True):
        out.append(
            f'<text x="{n(box.x0 - TICK - TICK_PAD)}" y="{n(box.py(v) + FONT * 0.36)}" font-size="{FONT:g}" '
            f'text-anchor="end">{text}</text>\n'
        )
    lx = max(FONT, box.x0 - TICK - TICK_PAD - widest - LABEL_PAD)
    ly = (box.y0 + box.y1) / 2
    out.append(
        f'<text x="{n(lx)}" y="{n(ly)}" font-size="{FONT:g}" text-anchor="middle" '
        f'transform="rotate(-90 {n(lx)} {n(ly)})">{xml_text(view.ylabel)}</text>\n'
    )
    out += _legend(box, view, legend)
    out.append("</g>\n")
    return out


def _stroke(colour: str, style: str, line_width: float) -> str:
    dashes = DASHES.get(style, ())
    dash = f' stroke-dasharray="{",".join(n(d * line_width) for d in dashes)}"' if dashes else ""
    cap = "butt" if dashes else "square"
    return (
        f'fill="none" stroke="{colour}" stroke-width="{line_width:g}" stroke-linejoin="round" '
        f'stroke-linecap="{cap}"{dash}'
    )


def _line(box: _Box, line: Line, k: int, clip: str) -> list[str]:
    """One <polyline> per stretch of finite points (figures.runs), in a group per series (``data-series``: its
    index)."""
    x0, t0, kx, y1, v0, ky = box.x0, box.t0, box.kx, box.y1, box.v0, box.ky
    out = [
        f'<g class="series" data-series="{k}" clip-path="url(#{clip})" {_stroke(line.colour, line.style, 1.0)}>\n'
    ]
    for lo, hi in runs(line):
        points: list[str] = []
        for t, v in zip(line.x[lo:hi], line.y[lo:hi], strict=True):
            px, py = x0 + (t - t0) * kx, y1 - (v - v0) * ky
            # the usual case, written here: ~2x faster than n()
            if -LIMIT < py < LIMIT and -LIMIT < px < LIMIT:
                points.append(f"{px:.2f},{py:.2f}")
            else:
                points.append(f"{n(px)},{n(py)}")
        out.append(_stretch(points))
    out.append("</g>\n")
    return out


def _stretch(points: list[str]) -> str:
    """A stretch of a line; one point alone (figures.isolated) as a dot: a line through it has no length."""
    if len(points) == 1:
        x, y = points[0].split(",")
        return (
            f'<path class="dot" d="M{x} {y}h0" stroke-linecap="round" stroke-dasharray="none" '
            f'stroke-width="{DOT_POINTS + 1:g}"/>\n'  # matplotlib's marker: its size plus an edge of 1 point
        )
    return f'<polyline points="{" ".join(points)}"/>\n'


def _stack(box: _Box, stack: Stack, clip: str) -> list[str]:
    """Each layer as a closed path between the sum of the layers below it and that sum plus its values; a layer
    of zeros has no area and no path (its legend entry stays). Each boundary is formatted once. A stack of one
    point: a bar per layer (figures.bars)."""
    if len(stack.x) == 1:
        x = n(box.px(stack.x[0]))
        return [
            f'<path class="bar" d="M{x} {n(box.py(lo))}V{n(box.py(hi))}" stroke="{colour}" stroke-opacity="0.85" '
            f'stroke-width="{DOT_POINTS + 1:g}" clip-path="url(#{clip})"/>\n'
            for lo, hi, colour in bars(stack)
        ]
    xs = [n(box.px(t)) for t in stack.x]
    below = [0.0] * len(stack.x)
    lower = [f"{x} {n(box.py(0.0))}" for x in xs]
    out = []
    for layer, colour in zip(stack.layers, stack.colours, strict=False):
        if not any(v != 0 and math.isfinite(v) for v in layer):
            continue
        above = [b + (v if math.isfinite(v) else 0.0) for b, v in zip(below, layer, strict=True)]
        upper = [f"{x} {n(box.py(v))}" for x, v in zip(xs, above, strict=True)]
        out.append(
            f'<path class="layer" d="M{" L".join(upper)} L{" L".join(reversed(lower))}Z" fill="{colour}" '
            f'fill-opacity="0.85" clip-path="url(#{clip})"/>\n'
        )
        below, lower = above, upper
    return out


def _legend(box: _Box, view: PanelView, legend: Legend) -> list[str]:
    columns = legend.columns
    if not columns:
        return []
    em = LEGEND_FONT
    row, gap, pad = LEGEND_ROW_EM * em, LEGEND_SPACING_EM * em, LEGEND_PAD_EM * em
    x = box.x0 + 1.005 * (box.x1 - box.x0)
    data = sum(map(len, columns)) - sum(1 for m in view.marks if m.label is not None)  # marks' entries: last
    tallest = len(columns[0])
    height = 2 * pad + tallest * row + (tallest - 1) * gap
    out = [
        f'<g class="legend"><rect x="{n(x)}" y="{n(box.y0)}" width="{n(legend.width)}" '
        f'height="{n(height)}" rx="1.6" fill="#ffffff" fill-opacity="0.8" stroke="#cccccc" stroke-width="0.8"/>\n'
    ]
    left, handle, k = x + pad, HANDLE_EM * em, 0
    for column, widest in zip(columns, legend.texts, strict=True):
        for r, (label, colour, style, area) in enumerate(column):
            middle = box.y0 + pad + r * (row + gap) + row / 2
            if area:
                out.append(
                    f'<rect x="{n(left)}" y="{n(middle - 0.35 * em)}" width="{n(handle)}" height="{n(0.7 * em)}" '
                    f'fill="{colour}" fill-opacity="0.85"/>\n'
                )
            else:
                line_width = 1.0 if k < data else 1.2
                out.append(
                    f'<path d="M{n(left)} {n(middle)}h{n(handle)}" {_stroke(colour, style, line_width)}/>\n'
                )
            out.append(
                f'<text x="{n(left + handle + HANDLE_GAP_EM * em)}" y="{n(middle + 0.36 * em)}" '
                f'font-size="{em:g}">{xml_text(label)}</text>\n'
            )
            k += 1
        left += (HANDLE_EM + HANDLE_GAP_EM + COLUMN_GAP_EM) * em + widest
    out.append("</g>\n")
    return out


def _time_labels(box: _Box, ticks: Sequence[float], fmt: str, tz: dt.tzinfo) -> list[str]:
    """Tick marks below the last panel and their labels (one or two lines: time, then date)."""
    if not ticks:
        return []
    out = [
        '<path d="'
        + "".join(f"M{n(box.px(t))} {n(box.y1)}v{TICK:g}" for t in ticks)
        + '" stroke="#000000" stroke-width="0.8"/>\n'
    ]
    baseline = box.y1 + TICK + TICK_PAD + FONT * 0.76
    for t in ticks:
        first, *more = dt.datetime.fromtimestamp(t, tz).strftime(fmt).split("\n")
        x = n(box.px(t))
        spans = "".join(f'<tspan x="{x}" dy="{FONT * 1.2:g}">{xml_text(m)}</tspan>' for m in more)
        out.append(
            f'<text x="{x}" y="{n(baseline)}" font-size="{FONT:g}" text-anchor="middle">'
            f"{xml_text(first)}{spans}</text>\n"
        )
    return out
