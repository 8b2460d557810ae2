"""The matplotlib renderer (PDF and PNG): a :class:`~hostward.plot.figures.PlotFigure` as a matplotlib ``Figure``,
built without pyplot (no global state, headless). SVG does not come here (plot/svg.py writes it directly)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from hostward.plot.figures import (
    DOT_POINTS,
    FONT,
    LEGEND_FONT,
    LEGEND_GAP_POINTS,
    MARGINS,
    PAGE_INCHES,
    RIGHT_MOST,
    SECONDS_PER_DAY,
    TITLE_FONT,
    PanelView,
    PlotFigure,
    bars,
    isolated,
    legend_columns,
    panel_rows,
    time_rule,
)
from hostward.plot.ticks import value_labels, value_ticks

STYLE: dict[Any, Any] = {
    "font.size": FONT,
    "axes.titlesize": 10,
    "axes.labelsize": FONT,
    "legend.fontsize": LEGEND_FONT,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.0,
    # titles, legends and subtitles carry names from the data (an imported file's node name, a device): "$" in
    # them is text, never a mathtext formula (which could fail the whole save with a parse error)
    "text.parse_math": False,
}


def to_x(stamps: list[float] | tuple[float, ...]) -> list[float]:
    """Epoch seconds -> matplotlib date numbers (days since 1970-01-01 UTC, matplotlib's default epoch)."""
    return [t / SECONDS_PER_DAY for t in stamps]


def draw(pf: PlotFigure) -> Figure:
    """``pf`` as a matplotlib Figure: one panel (Axes) per panel view, ticks only on the last one."""
    with mpl.rc_context(STYLE):
        # No layout engine: matplotlib's constrained layout measured every tick label of every panel in an extra
        # draw before each save (half of the drawing time). The page is fixed, so are the margins; only the
        # legends' width varies, and _make_room measures just them.
        # Not sharex: every panel gets the same time window (_time_axis), and the panels above the last one have
        # no tick objects at all (_grid_only), which a shared ticker would take from the last one too.
        fig = Figure(figsize=PAGE_INCHES)
        axes: list[Axes] = fig.subplots(len(pf.panels), 1, squeeze=False)[:, 0].tolist()
        fig.suptitle(f"{pf.title}\n{pf.subtitle}", fontsize=TITLE_FONT, y=0.985, va="top")
        for ax, view, (top, _) in zip(axes, pf.panels, panel_rows(len(pf.panels)), strict=True):
            _draw_panel(ax, view)
            ax.set_ylabel(view.ylabel)
            ax.set_ylim(*view.ylim)
            _time_axis(ax, pf.window, pf.tz)
            # The ticks and labels the SVG writes (plot/ticks.py): MaxNLocator's values, labelled with an SI
            # prefix ("2.5G") where matplotlib's formatter would write "1e9" above the axis, so the PDF, PNG and
            # SVG of a figure read alike.
            ticks = value_ticks(*view.ylim)
            ax.set_yticks(ticks, labels=value_labels(ticks))
            if ax is not axes[-1]:
                _grid_only(ax)
            if entries := len(view.legend()):
                # Outside the plot, right of it: never hides data (_make_room leaves the room).
                ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), borderaxespad=0.0, framealpha=0.8,
                          ncols=legend_columns(entries, top))  # fmt: skip
        axes[-1].set_xlabel(pf.xlabel)
        _make_room(fig, axes)
    return fig


def _draw_panel(ax: Axes, view: PanelView) -> None:
    for stack in view.stacks:
        ax.stackplot(to_x(stack.x), stack.layers, labels=stack.labels, alpha=0.85, colors=stack.colours)
        if one := bars(stack):  # one point: no area; a bar per layer, as the SVG draws it
            x = to_x(stack.x)[0]
            ax.vlines([x] * len(one), [lo for lo, _, _ in one], [hi for _, hi, _ in one],
                      colors=[colour for *_, colour in one], linewidth=DOT_POINTS + 1, alpha=0.85)  # fmt: skip
    for line in view.lines:
        ax.plot(to_x(line.x), line.y, label=line.label, color=line.colour, linestyle=line.style)
        if alone := isolated(line):  # no label: not in the legend
            ax.plot(to_x([line.x[i] for i in alone]), [line.y[i] for i in alone], color=line.colour,
                    linestyle="none", marker="o", markersize=DOT_POINTS)  # fmt: skip
    for mark in view.marks:
        ax.axvline(mark.x / SECONDS_PER_DAY, color=mark.colour, linestyle=mark.style, linewidth=1.2,
                   label=mark.label)  # fmt: skip


def _time_axis(ax: Axes, window: tuple[float, float], tz: dt.tzinfo) -> None:
    start, end = window
    ax.set_xlim(start / SECONDS_PER_DAY, end / SECONDS_PER_DAY)
    rule = time_rule(window)
    if rule.day:  # a tick every 2 hours (and cheaper than auto-location)
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 2), tz=tz))  # type: ignore[no-untyped-call]
    else:
        locator = mdates.AutoDateLocator(tz=tz, minticks=4, maxticks=rule.most)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter(rule.fmt, tz=tz))  # type: ignore[no-untyped-call]


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


def _make_room(fig: Figure, axes: list[Axes]) -> None:
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
