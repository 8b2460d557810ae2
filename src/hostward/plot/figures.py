"""What every graph shows, built once and drawn by either renderer: plot/mpl.py (matplotlib: PDF, PNG) or
plot/svg.py (SVG, written directly).

``build_figures`` returns :class:`PlotFigure` records: title, subtitle, time window and zone, and per panel its
y label, y range, lines (at most two points per pixel column: plot/decimate.py), stacked areas and event marks,
with their legend text, colour and dash pattern. Nothing here imports matplotlib or numpy. Each figure is an A4
landscape page, so it reads on a laptop screen and prints on one page; the time axis is the host's local time
(24 h clock), spanning the requested window so that hours without data show as gaps; restarts and events are
vertical lines with a legend entry. A name from the data (a device, an interface, a CPU, an event's kind: an
imported file's are whatever its writer put there) goes into a title or legend through ``shown``: no control
character or bidi override (the SVG escapes it again, harmlessly), and at most NAME_MOST characters.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Sequence

from hostward.frozen import frozen
from hostward.plot.decimate import decimate
from hostward.plot.series import Mark, Series, SeriesSet
from hostward.plot.specs import CPU_LABELS, CPU_MODES, SPECS, FigureSpec, Panel
from hostward.safetext import safe_text

PAGE_INCHES = (11.69, 8.27)  # A4 landscape
SECONDS_PER_DAY = 86400.0
# matplotlib's default colour cycle ("tab10"): line k of a panel gets COLOURS[k % 10], a stack's layer i COLOURS[i]
COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
MARK_STYLES: dict[str, tuple[str, str]] = {  # kind -> (colour, line style)
    "restart": ("#d62728", "--"),
    "oom-kill": ("#000000", "-"),
    "clock-step": ("#9467bd", ":"),
    "comment": ("#7f7f7f", ":"),
}
DEFAULT_MARK = ("#8c564b", "-.")
# Solid, dashed, dotted, dash-dot: two series with equal values stay distinguishable, one over the other.
LINE_STYLES = ("-", "--", ":", "-.")
DOT_POINTS = 3.0  # diameter of a point with no neighbour (isolated)
# Fixed margins as fractions of the A4 landscape page: the two-line title above, the y tick labels and axis
# label to the left (ticks of at most 6 digits: larger values get an SI prefix), tick labels and the time label
# below (two lines of them for several days).
MARGINS = {"left": 0.07, "top": 0.91, "bottom": 0.085, "hspace": 0.1}
RIGHT_MOST = 0.975  # right edge of the panels when no legend needs room
LEGEND_GAP_POINTS = 8.0
# A legend's text size and the height of one entry plus the space to the next, in ems of it: the SVG draws
# 1.67 em (matplotlib 1.625), and a legend taller than the page below its panel gets more columns.
LEGEND_FONT = 8.0
FONT, TITLE_FONT = 9.0, 12.0  # tick labels and axis labels; the page's title and subtitle (points)
LEGEND_ROW_EM, LEGEND_SPACING_EM, LEGEND_PAD_EM = 1.17, 0.5, 0.4
LEGEND_FOOT = 0.02  # a legend ends at least this far (a fraction of the page) above the page's bottom edge
# Characters of a name from the data in a title or legend: a kernel's device and interface names are shorter
# (IFNAMSIZ 16), an imported file's may be any length, and a legend as wide as the page pushed its panel to half.
NAME_MOST = 40
FAR = (
    1e300  # an axis ends at most this far from 0, and at least 1/FAR: its span, margins and ticks stay finite
)


@frozen
class Line:
    """One series of a panel: times (epoch seconds) and values, NaN where the line breaks."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    label: str
    colour: str
    style: str  # one of LINE_STYLES


def runs(line: Line) -> list[tuple[int, int]]:
    """[lo, hi) index ranges of the consecutive points a line passes through: finite time and value. NaN is a
    gap (the recorder was not running) and so is an infinity (off any axis): matplotlib drops every non-finite
    vertex of a path and breaks the line there, and plot/svg.py draws one stretch per range. Both renderers
    take their stretches and lone points (isolated) from here."""
    x, y, n = line.x, line.y, len(line.y)
    total = sum(y) + sum(x)  # in C: a number only when every value is one (the usual line)
    if total - total == 0:
        return [(0, n)] if n else []
    out: list[tuple[int, int]] = []
    lo = -1
    for i, (t, v) in enumerate(zip(x, y, strict=True)):
        if v - v == 0 and t - t == 0:  # finite (NaN and infinities give NaN)
            if lo < 0:
                lo = i
        elif lo >= 0:
            out.append((lo, i))
            lo = -1
    if lo >= 0:
        out.append((lo, n))
    return out


def isolated(line: Line) -> list[int]:
    """Indices of the points with no neighbour to join (a day of one sample, one sample between two gaps or
    next to an infinite value): a line through them has no length, so both renderers draw them as dots, or
    the data would not show."""
    return [lo for lo, hi in runs(line) if hi - lo == 1]


@frozen
class Stack:
    """Stacked areas over one stretch of data: layer i is drawn from the sum of layers below it to that sum plus
    its own values. ``labels`` is empty for every stretch after the first (one legend entry per layer)."""

    x: tuple[float, ...]
    layers: tuple[tuple[float, ...], ...]
    labels: tuple[str, ...]
    colours: tuple[str, ...]


def bars(stack: Stack) -> list[tuple[float, float, str]]:
    """A stack of one point (a day of one sample, one sample between two gaps) has no area to fill: each layer
    is then a bar at that instant, as wide as a lone point's dot (DOT_POINTS + 1), from the sum of the layers
    below it to that sum plus its value, as (bottom, top, colour); a layer of 0 has none. Both renderers draw
    these (a stack of more points: none)."""
    if len(stack.x) != 1:
        return []
    out: list[tuple[float, float, str]] = []
    below = 0.0
    for layer, colour in zip(stack.layers, stack.colours, strict=False):
        value = layer[0] if math.isfinite(layer[0]) else 0.0
        if value != 0:
            out.append((below, below + value, colour))
        below += value
    return out


@frozen
class VLine:
    """An event (restart, comment, kill, clock step) at one instant; ``label`` None: already in a legend above."""

    x: float
    colour: str
    style: str
    label: str | None


LegendEntry = tuple[str, str, str, bool]  # (label, colour, style, is_area)


@frozen
class PanelView:
    ylabel: str
    ylim: tuple[float, float]
    lines: tuple[Line, ...] = ()
    stacks: tuple[Stack, ...] = ()
    marks: tuple[VLine, ...] = ()

    def legend(self) -> list[LegendEntry]:
        """(label, colour, style, is_area) in the order matplotlib lists them: data first, then marks."""
        out: list[LegendEntry] = []
        for stack in self.stacks:
            out += [
                (label, colour, "-", True) for label, colour in zip(stack.labels, stack.colours, strict=False)
            ]
        out += [(line.label, line.colour, line.style, False) for line in self.lines]
        out += [(m.label, m.colour, m.style, False) for m in self.marks if m.label is not None]
        return out


@frozen
class PlotFigure:
    key: str  # file-name stem: "cpu", "disk-vda"
    title: str
    subtitle: str
    panels: tuple[PanelView, ...]
    window: tuple[float, float]  # epoch seconds
    tz: dt.tzinfo
    xlabel: str  # "time (CET)"


@frozen
class TimeRule:
    """How both renderers mark a window's time axis (plot/mpl.py with matplotlib's locators, plot/svg_axes.py
    as they place them)."""

    day: bool  # 12 to 24 hours (a DST day is 23 or 25): a tick every 2 hours of the clock
    most: int  # otherwise at most this many ticks (AutoDateLocator's maxticks): fewer when the labels have 2 lines
    fmt: str  # strftime of the labels: seconds for a quarter of an hour or less, the date under windows over a day


def time_rule(window: tuple[float, float]) -> TimeRule:
    span = window[1] - window[0]
    day = 43200 <= span <= SECONDS_PER_DAY + 1
    fmt = "%H:%M:%S" if span <= 900 else "%H:%M" if span <= SECONDS_PER_DAY + 1 else "%H:%M\n%m-%d"
    return TimeRule(day, 14 if span <= SECONDS_PER_DAY + 1 else 9, fmt)


@functools.lru_cache(maxsize=4096)
def shown(name: str) -> str:
    """A name from the data as a title or legend shows it: inert (safetext), cut to NAME_MOST with an ellipsis.
    Cached: the same few names label every figure of a report."""
    return safe_text(name, NAME_MOST)


def panel_rows(count: int) -> list[tuple[float, float]]:
    """Top and bottom of each of ``count`` panels, as fractions of the page from its top edge (as matplotlib's
    subplots_adjust places them with MARGINS)."""
    top, bottom = 1 - MARGINS["top"], 1 - MARGINS["bottom"]
    cell = (bottom - top) / (count + MARGINS["hspace"] * (count - 1))
    return [(y0, y0 + cell) for y0 in (top + i * cell * (1 + MARGINS["hspace"]) for i in range(count))]


def legend_columns(entries: int, top: float) -> int:
    """Columns of a legend of ``entries`` whose top is ``top`` (a fraction of the page from its top edge): as
    many rows as fit above the page's foot, so that no entry falls off the page (the per-CPU figure of a host
    with 64 CPUs has 64 of them; one column held about 40)."""
    pitch = (LEGEND_ROW_EM + LEGEND_SPACING_EM) * LEGEND_FONT / 72 / PAGE_INCHES[1]
    pads = (2 * LEGEND_PAD_EM - LEGEND_SPACING_EM) * LEGEND_FONT / 72 / PAGE_INCHES[1]
    rows = max(1, math.floor((1 - LEGEND_FOOT - top - pads) / pitch))
    return max(1, math.ceil(entries / rows))


def _tz() -> dt.tzinfo:
    tz = dt.datetime.now().astimezone().tzinfo
    return tz if tz is not None else dt.UTC


def _busy_series(cpus: list[Series]) -> list[Series]:
    """Per-CPU busy share (100 - %idle), one single-column series per CPU."""
    out = []
    for s in cpus:
        idle = s.column("%idle")
        out.append(Series("cpu", s.item, ("busy",), s.times, (tuple(100 - v for v in idle),)))
    return out


def _panel_data(
    panel: Panel,
    series: Series,
    window: tuple[float, float],
    *,
    label_item: bool = False,
    first: int = 0,
    first_stack: bool = True,
) -> tuple[list[Line], list[Stack]]:
    """The lines (one per column of ``panel`` in ``series``) or stacked areas (one per stretch of data: a NaN,
    the recorder was not running, leaves a blank, not a dip). ``first``: lines drawn before these in the panel
    (their colour and dash pattern run on)."""
    present = [i for i, c in enumerate(panel.columns) if series.has(c)]
    if not present:
        return [], []
    x = series.times
    scale = panel.scale
    ys = [series.column(panel.columns[i]) for i in present]
    if scale != 1.0:
        ys = [tuple(v * scale for v in y) for y in ys]
    labels = tuple(panel.label(i) + (f" {shown(series.item or '')}" if label_item else "") for i in present)
    if panel.stacked:
        stacks: list[Stack] = []
        for lo, hi in _stretches(ys[0]):
            part = [[0.0 if math.isnan(v) else v for v in y[lo:hi]] for y in ys]
            xs, layers = decimate(x[lo:hi], part, window, shared=True)
            stacks.append(Stack(xs[0], tuple(layers),
                                labels if first_stack and not stacks else (), COLOURS[: len(part)]))  # fmt: skip
        return [], stacks
    xs, kept = decimate(x, ys, window, shared=False)
    lines = []
    for k, (lx, ly, label) in enumerate(zip(xs, kept, labels, strict=True)):
        n = first + k
        lines.append(Line(lx, ly, label, COLOURS[n % len(COLOURS)], LINE_STYLES[n % len(LINE_STYLES)]))
    return lines, []


def _stretches(values: Sequence[float]) -> list[tuple[int, int]]:
    """[lo, hi) index ranges of consecutive non-NaN values."""
    out: list[tuple[int, int]] = []
    lo: int | None = None
    for i, v in enumerate(values):
        if math.isnan(v):
            if lo is not None:
                out.append((lo, i))
            lo = None
        elif lo is None:
            lo = i
    if lo is not None:
        out.append((lo, len(values)))
    return out


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def _limits(panel: Panel, lines: Sequence[Line], stacks: Sequence[Stack]) -> tuple[float, float]:
    """Percentages on a fixed 0-100 axis so two days compare at a glance (widened only when a value such as
    %commit goes past 100); other panels from 0 to just above their highest value; signed ones span the data
    on both sides of zero with a 5 % margin, as matplotlib's autoscaling did. Always finite (values beyond
    +-1e300, or infinite ones, are past the axis's ends)."""
    values = [v for line in lines for v in _finite(line.y)]
    for stack in stacks:
        values += _finite([sum(column) for column in zip(*stack.layers, strict=True)])
    # Beyond +-FAR: at the axis's end; closer to 0 than 1/FAR (subnormal floats): 0, so a span stays a number.
    values = [max(-FAR, min(FAR, v)) if abs(v) >= 1 / FAR else 0.0 for v in values]
    if panel.signed:
        if not values:
            return -0.055, 0.055
        lo, hi = min(values), max(values)
        if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300):  # one value: widened as matplotlib widens it
            lo, hi = (-0.05, 0.05) if lo == 0 else (lo - 0.05 * abs(lo), hi + 0.05 * abs(hi))
        margin = (hi - lo) * 0.05
        return lo - margin, hi + margin
    top = max([0.0, *values])
    if panel.percent:
        return (0.0, 100.0) if top <= 100 else (0.0, top * 1.05)
    return 0.0, top * 1.08 if top > 0 else 1.0


def _marks(marks: Sequence[Mark], window: tuple[float, float], seen: set[str]) -> tuple[VLine, ...]:
    out: list[VLine] = []
    for mark in marks:
        if not window[0] <= mark.timestamp <= window[1]:
            continue
        colour, style = MARK_STYLES.get(mark.kind, DEFAULT_MARK)
        label = shown(mark.kind) if mark.kind not in seen else None
        seen.add(mark.kind)
        out.append(VLine(mark.timestamp, colour, style, label))
    return tuple(out)


@frozen
class _Page:
    """What every figure of one report shares."""

    sset: SeriesSet
    window: tuple[float, float]
    tz: dt.tzinfo
    subtitle: str
    xlabel: str


def build_figures(
    sset: SeriesSet,
    *,
    window: tuple[float, float],
    host_label: str,
    activities: set[str] | None = None,
    items: dict[str, frozenset[str] | None] | None = None,
    tz: dt.tzinfo | None = None,
) -> list[PlotFigure]:
    """One figure per spec (and per item for devices) with data in ``sset``.

    ``activities`` limits the figures to those activity names (None: every one); ``items`` maps an activity to
    the items to draw (None: all), as sar's -P / device selection does.
    """
    zone = tz or _tz()
    tzname = dt.datetime.fromtimestamp(window[0], zone).strftime("%Z") or "local time"
    page = _Page(sset, window, zone, _subtitle(host_label, window, zone), f"time ({tzname})")
    out: list[PlotFigure] = []
    for spec in SPECS:
        if activities is not None and spec.activity not in activities:
            continue
        wanted = (items or {}).get(spec.activity)
        found = [s for s in sset.of(spec.activity) if wanted is None or s.item is None or s.item in wanted]
        if not found:
            continue
        out += _spec_figures(spec, found, page)
    return out


def _spec_figures(spec: FigureSpec, found: list[Series], page: _Page) -> list[PlotFigure]:
    if spec.key == "cpu":
        total = [s for s in found if s.item == "all"]
        if not total:
            return []
        panel = spec.panels[0]
        if not total[0].has("%usr"):  # imported -u text: the default view's columns
            panel = Panel(CPU_MODES, panel.ylabel, stacked=True, percent=True, labels=CPU_LABELS)
        return _one(spec.key, spec.title, (panel,), [total[0]], page)
    if spec.key == "cpu-each":
        each = [s for s in found if s.item not in (None, "all") and s.has("%idle")]
        if not each:
            return []
        return _one(spec.key, spec.title, spec.panels, _busy_series(each), page, label_item=True)
    if spec.key == "net-errors":
        return _one(spec.key, spec.title, spec.panels, [_sum_items(found)], page)
    if spec.per_item:
        out: list[PlotFigure] = []
        for s in found:
            title = spec.title.format(item=shown(s.item or ""))
            out += _one(f"{spec.key}-{file_safe(s.item)}", title, spec.panels, [s], page)
        return out
    return _one(spec.key, spec.title, spec.panels, found[:1], page)


def _one(
    key: str,
    title: str,
    panels: Sequence[Panel],
    series: list[Series],
    page: _Page,
    *,
    label_item: bool = False,
) -> list[PlotFigure]:
    usable = [p for p in panels if any(any(s.has(c) for c in p.columns) for s in series)]
    if not usable:
        return []
    seen: set[str] = set()
    views: list[PanelView] = []
    for n, panel in enumerate(usable):
        lines: list[Line] = []
        stacks: list[Stack] = []
        for k, s in enumerate(series):  # one series per CPU on the per-CPU figure: styles run on across them
            more_lines, more_stacks = _panel_data(panel, s, page.window, label_item=label_item,
                                                  first=k * len(panel.columns), first_stack=k == 0)  # fmt: skip
            lines += more_lines
            stacks += more_stacks
        # A mark kind is in the legend of the first panel only (every panel draws the line).
        marks = _marks(page.sset.marks, page.window, seen if n == 0 else set(seen))
        views.append(
            PanelView(panel.ylabel, _limits(panel, lines, stacks), tuple(lines), tuple(stacks), marks)
        )
    return [
        PlotFigure(
            key.replace("/", "_"), title, page.subtitle, tuple(views), page.window, page.tz, page.xlabel
        )
    ]


def _sum_items(series: list[Series]) -> Series:
    """Totals over interfaces, aligned on the first interface's times (every sample lists every interface)."""
    base = max(series, key=lambda s: len(s.times))
    columns = base.columns
    values = []
    for c in columns:
        total = list(base.column(c))
        for s in series:
            if s is base or len(s.times) != len(base.times):
                continue
            total = [a + b for a, b in zip(total, s.column(c), strict=True)]
        values.append(tuple(total))
    return Series(base.activity, None, columns, base.times, tuple(values))


def _subtitle(host_label: str, window: tuple[float, float], tz: dt.tzinfo) -> str:
    start = dt.datetime.fromtimestamp(window[0], tz)
    end = dt.datetime.fromtimestamp(window[1], tz)
    if end - start <= dt.timedelta(days=1) and (end.date() == start.date() or end.time() == dt.time()):
        return f"{host_label} — {start:%A %Y-%m-%d}"
    return f"{host_label} — {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}"


def file_safe(item: str | None) -> str:
    """A name from the data as part of a file name: a memcached server ("unix:/run/mc.sock", "[::1]:11211") has /
    and :, and an imported sa file's node name is whatever its writer put there ("../../etc/x"): no separator,
    control character or leading dot survives."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", item or "").lstrip(".") or "_"
