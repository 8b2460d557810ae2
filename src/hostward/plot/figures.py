"""matplotlib Figures of every activity, built without pyplot (no global state, headless: Agg/PDF/SVG).

``build_figures`` returns :class:`PlotFigure` objects (title, file-name key, Figure) that tests inspect and the
CLI saves. Each figure is A4 landscape, so it reads on a laptop screen and prints on one page; the time axis
is the host's local time (24 h clock), spanning the requested window so that hours without data show as
gaps; restarts and events are vertical lines with a legend entry.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullLocator

from hostward.plot.decimate import decimate
from hostward.plot.series import Mark, Series, SeriesSet
from hostward.plot.specs import CPU_LABELS, CPU_MODES, SPECS, FigureSpec, Panel

PAGE_INCHES = (11.69, 8.27)  # A4 landscape
SECONDS_PER_DAY = 86400.0
MARK_STYLES: dict[str, tuple[str, str]] = {  # kind -> (colour, line style)
    "restart": ("#d62728", "--"),
    "oom-kill": ("#000000", "-"),
    "clock-step": ("#9467bd", ":"),
    "comment": ("#7f7f7f", ":"),
}
DEFAULT_MARK = ("#8c564b", "-.")
STYLE: dict[Any, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.0,
    # titles, legends and subtitles carry names from the data (an imported file's node name, a device): "$" in
    # them is text, never a mathtext formula (which could fail the whole save with a parse error)
    "text.parse_math": False,
}


@dataclass(frozen=True, slots=True)
class PlotFigure:
    key: str  # file-name stem: "cpu", "disk-vda"
    title: str
    figure: Figure


def to_x(stamps: Sequence[float]) -> list[float]:
    """Epoch seconds -> matplotlib date numbers (days since 1970-01-01 UTC, matplotlib's default epoch)."""
    return [t / SECONDS_PER_DAY for t in stamps]


def _tz() -> dt.tzinfo:
    tz = dt.datetime.now().astimezone().tzinfo
    return tz if tz is not None else dt.UTC


LINE_STYLES = ("-", "--", ":", "-.")


def _busy_series(cpus: list[Series]) -> list[Series]:
    """Per-CPU busy share (100 - %idle), one single-column series per CPU."""
    out = []
    for s in cpus:
        idle = s.column("%idle")
        out.append(Series("cpu", s.item, ("busy",), s.times, (tuple(100 - v for v in idle),)))
    return out


def _draw_panel(
    ax: Axes,
    panel: Panel,
    series: Series,
    window: tuple[float, float],
    *,
    label_item: bool = False,
    first_style: int = 0,
) -> bool:
    """Draw ``panel`` from ``series`` (one line per column, at most two points per pixel column of the time
    ``window``: plot/decimate.py); False when the series holds none of its columns."""
    present = [i for i, c in enumerate(panel.columns) if series.has(c)]
    if not present:
        return False
    x = np.asarray(series.times, dtype=np.float64) / SECONDS_PER_DAY  # to_x, for a whole array
    ys = [np.asarray(series.column(panel.columns[i]), dtype=np.float64) * panel.scale for i in present]
    days = (window[0] / SECONDS_PER_DAY, window[1] / SECONDS_PER_DAY)
    labels = [panel.label(i) + (f" {series.item}" if label_item else "") for i in present]
    if panel.stacked:
        # One stack per stretch of data: a NaN (the recorder was not running) leaves a blank, not a dip.
        first = True
        for lo, hi in _stretches(series.column(panel.columns[present[0]])):
            part = [np.nan_to_num(y[lo:hi], nan=0.0) for y in ys]
            xs, layers = decimate(x[lo:hi], part, days, shared=True)
            ax.stackplot(xs[0], layers, labels=labels if first else (), alpha=0.85,
                         colors=[f"C{i}" for i in range(len(part))])  # fmt: skip
            first = False
    else:
        # Solid, dashed, dotted, dash-dot: two series with equal values stay distinguishable, one over the other.
        xs, lines = decimate(x, ys, days, shared=False)
        for k, (line_x, y, label) in enumerate(zip(xs, lines, labels, strict=True)):
            ax.plot(line_x, y, label=label, linestyle=LINE_STYLES[(first_style + k) % len(LINE_STYLES)])
    return True


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


def _limits(ax: Axes, panel: Panel) -> None:
    """Percentages on a fixed 0-100 axis so two days compare at a glance (widened only when a value such as
    %commit goes past 100); other panels from 0 to just above their highest value; signed ones as drawn."""
    if panel.signed:
        return  # matplotlib's autoscaling already spans the data on both sides of zero
    top = 0.0
    for line in ax.get_lines():
        ys = np.asarray(line.get_ydata(), dtype=float)
        if ys.size and np.any(~np.isnan(ys)):
            top = max(top, float(np.nanmax(ys)))
    for coll in ax.collections:
        for path in coll.get_paths():
            verts = np.asarray(path.vertices, dtype=float)
            if len(verts):
                top = max(top, float(verts[:, 1].max()))
    if panel.percent:
        ax.set_ylim(0, 100 if top <= 100 else top * 1.05)
        return
    ax.set_ylim(0, top * 1.08 if top > 0 else 1.0)


def _time_axis(ax: Axes, window: tuple[float, float], tz: dt.tzinfo) -> None:
    start, end = window
    ax.set_xlim(start / SECONDS_PER_DAY, end / SECONDS_PER_DAY)
    span = end - start
    if 43200 <= span <= SECONDS_PER_DAY + 1:  # a day: a tick every 2 hours (and cheaper than auto-location)
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 2), tz=tz))  # type: ignore[no-untyped-call]
    else:
        # Several days: fewer, two-line labels ("18:00" over "11-27"), or they run into each other.
        most = 14 if span <= SECONDS_PER_DAY + 1 else 9
        locator = mdates.AutoDateLocator(tz=tz, minticks=4, maxticks=most)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
    fmt = "%H:%M:%S" if span <= 900 else "%H:%M" if span <= SECONDS_PER_DAY + 1 else "%H:%M\n%m-%d"
    ax.xaxis.set_major_formatter(mdates.DateFormatter(fmt, tz=tz))  # type: ignore[no-untyped-call]


# At most this many intervals between y ticks (matplotlib's automatic choice gave up to 10 on a tall panel):
# 0, 20 ... 100 on a percent axis. Every tick is a few artists to build and draw: ~1 ms each, per panel.
Y_BINS = 6


def _grid_only(ax: Axes) -> None:
    """A panel above the last one: its time labels would repeat the last panel's, so it gets only the
    vertical grid lines, as one collection, instead of a tick object (grid line, two marks, two labels) per
    two hours, which cost as much to build and draw as the lines of data."""
    where = ax.xaxis.get_major_locator()()
    ax.xaxis.set_major_locator(NullLocator())
    ax.vlines(
        where, 0, 1, transform=ax.get_xaxis_transform(), colors=mpl.rcParams["grid.color"],
        linewidths=mpl.rcParams["grid.linewidth"], alpha=mpl.rcParams["grid.alpha"], zorder=1.5,
    )  # fmt: skip


def _marks(ax: Axes, marks: Sequence[Mark], window: tuple[float, float], seen: set[str]) -> None:
    for mark in marks:
        if not window[0] <= mark.timestamp <= window[1]:
            continue
        colour, style = MARK_STYLES.get(mark.kind, DEFAULT_MARK)
        label = mark.kind if mark.kind not in seen else None
        seen.add(mark.kind)
        ax.axvline(
            mark.timestamp / SECONDS_PER_DAY, color=colour, linestyle=style, linewidth=1.2, label=label
        )


def _figure(title: str, subtitle: str, panels: int) -> tuple[Figure, list[Axes]]:
    # No layout engine: matplotlib's constrained layout measured every tick label of every panel in an extra
    # draw before each save (half of the drawing time). The page is fixed, so are the margins; only the
    # legends' width varies, and _make_room measures just them.
    # Not sharex: every panel gets the same time window (_time_axis), and the panels above the last one have
    # no tick objects at all (_grid_only), which a shared ticker would take from the last one too.
    fig = Figure(figsize=PAGE_INCHES)
    axes = fig.subplots(panels, 1, squeeze=False)[:, 0].tolist()
    fig.suptitle(f"{title}\n{subtitle}", fontsize=12, y=0.985, va="top")
    return fig, axes


# Fixed margins as fractions of the A4 landscape page: the two-line title above, the y tick labels and axis
# label to the left (ticks of at most 6 digits: larger values get an offset), tick labels and the time label
# below (two lines of them for several days).
MARGINS = {"left": 0.07, "top": 0.91, "bottom": 0.085, "hspace": 0.1}
RIGHT_MOST = 0.975  # right edge of the panels when no legend needs room
LEGEND_GAP_POINTS = 8.0


def _make_room(fig: Figure, axes: Sequence[Axes]) -> None:
    """Place the panels, leaving room at the right for the widest legend (legends sit outside the plot)."""
    from matplotlib.backends.backend_agg import RendererAgg  # noqa: PLC0415  (a text measurer, no pixels)

    renderer = RendererAgg(1, 1, fig.dpi)  # type: ignore[no-untyped-call]
    widest = 0.0
    for ax in axes:
        legend = ax.get_legend()
        if legend is not None:
            widest = max(widest, legend.get_window_extent(renderer).width)
    page_width = PAGE_INCHES[0] * fig.dpi
    right = RIGHT_MOST if widest == 0 else 1.0 - (widest + LEGEND_GAP_POINTS * fig.dpi / 72) / page_width
    fig.subplots_adjust(right=max(0.5, right), **MARGINS)


@dataclass(frozen=True, slots=True)
class _Page:
    """What every figure of one report shares."""

    sset: SeriesSet
    window: tuple[float, float]
    tz: dt.tzinfo
    subtitle: str


def _finish(axes: list[Axes], panels: Sequence[Panel], page: _Page) -> None:
    sset, window, tz = page.sset, page.window, page.tz
    seen: set[str] = set()
    for ax, panel in zip(axes, panels, strict=True):
        ax.set_ylabel(panel.ylabel)
        _limits(ax, panel)
        _marks(ax, sset.marks, window, seen if ax is axes[0] else set(seen))
        _time_axis(ax, window, tz)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=Y_BINS, steps=[1, 2, 2.5, 5, 10]))
        if ax is not axes[-1]:
            _grid_only(ax)
        if ax.get_legend_handles_labels()[0]:
            # Outside the plot, right of it: never hides data (_make_room leaves the room).
            ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), borderaxespad=0.0, framealpha=0.8)
    tzname = dt.datetime.fromtimestamp(window[0], tz).strftime("%Z") or "local time"
    axes[-1].set_xlabel(f"time ({tzname})")
    _make_room(axes[0].figure, axes)  # type: ignore[arg-type]


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
    subtitle = _subtitle(host_label, window, zone)
    out: list[PlotFigure] = []
    with mpl.rc_context(STYLE):
        for spec in SPECS:
            if activities is not None and spec.activity not in activities:
                continue
            wanted = (items or {}).get(spec.activity)
            found = [
                s for s in sset.of(spec.activity) if wanted is None or s.item is None or s.item in wanted
            ]
            if not found:
                continue
            out += _spec_figures(spec, found, _Page(sset, window, zone, subtitle))
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
            title = spec.title.format(item=s.item)
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
    fig, axes = _figure(title, page.subtitle, len(usable))
    for ax, panel in zip(axes, usable, strict=True):
        for n, s in enumerate(series):  # one series per CPU on the per-CPU figure: styles run on across them
            _draw_panel(ax, panel, s, page.window, label_item=label_item, first_style=n * len(panel.columns))
    _finish(axes, usable, page)
    return [PlotFigure(key.replace("/", "_"), title, fig)]


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
