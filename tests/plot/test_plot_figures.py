"""Figures are checked for content: axes, labels, line data, limits, gaps and marks on a day of known values."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math

import pytest
from matplotlib.collections import LineCollection, PolyCollection
from tests.plot.conftest import T10, Drawn, drawn

from hostward.collect.sample import SystemSample
from hostward.plot.figures import SECONDS_PER_DAY, build_figures
from hostward.plot.series import Mark, merge_marks, series_from_day
from hostward.store.model import DayData

WINDOW = (T10 - 10 * 3600, T10 + 14 * 3600)  # the whole day 2026-11-27 UTC


def figures(day: DayData, **kw: object) -> dict[str, Drawn]:
    sset = series_from_day(day)
    return {
        f.key: f for f in drawn(build_figures(sset, window=WINDOW, host_label="plothost", tz=dt.UTC, **kw))
    }  # type: ignore[arg-type]


def test_every_activity_gets_a_figure_with_titles_and_units(day: DayData) -> None:
    figs = figures(day)
    assert list(figs) == ["cpu", "cpu-each", "queue", "memory", "swap", "swapping", "paging", "io", "disk-vda",
                          "net-eth0", "net-errors", "hugepages", "tasks"]  # fmt: skip
    assert [ax.get_ylabel() for ax in figs["queue"].figure.axes] == ["tasks", "load average", "tasks"]
    assert figs["memory"].figure.axes[0].get_ylabel() == "GiB"
    title = figs["cpu"].figure.get_suptitle()
    assert "CPU utilisation" in title and "plothost" in title and "2026-11-27" in title
    assert figs["cpu"].figure.axes[-1].get_xlabel() == "time (UTC)"


def test_cpu_is_stacked_by_mode_on_a_percent_axis(day: DayData) -> None:
    ax = figures(day)["cpu"].figure.axes[0]
    assert ax.get_ylim() == (0.0, 100.0)
    stacks = [c for c in ax.collections if isinstance(c, PolyCollection)]
    # 9 modes x 2 stretches of data (before and after the restart)
    assert len(stacks) == 18
    labels = ax.get_legend_handles_labels()[1]
    assert labels[:3] == ["user", "nice", "system"]
    # Top of the "user" band: 500 user ticks of 2000 per interval -> 25 %; the "system" band on top -> 30 %.
    user_top = max(float(y) for y in stacks[0].get_paths()[0].vertices[:, 1])
    assert user_top == pytest.approx(25.0)
    system_top = max(float(y) for y in stacks[2].get_paths()[0].vertices[:, 1])
    assert system_top == pytest.approx(30.0)


def test_each_cpu_busy_lines(day: DayData) -> None:
    ax = figures(day)["cpu-each"].figure.axes[0]
    lines = {
        line.get_label(): [float(v) for v in line.get_ydata()]
        for line in ax.get_lines()
        if "busy" in str(line.get_label())
    }  # type: ignore[union-attr]
    assert set(lines) == {"busy 0", "busy 1"}
    assert {round(v, 6) for v in lines["busy 0"] if not math.isnan(v)} == {50.0}
    assert {round(v, 6) for v in lines["busy 1"] if not math.isnan(v)} == {10.0}


def test_load_and_queue_values_and_limits(day: DayData) -> None:
    queue, load, _plist = figures(day)["queue"].figure.axes
    by_label = {str(line.get_label()): line for line in load.get_lines()}
    data = [float(v) for v in by_label["1 min"].get_ydata()]  # type: ignore[union-attr]
    assert {v for v in data if not math.isnan(v)} == {0.25}
    assert load.get_ylim() == pytest.approx((0.0, 0.75 * 1.08))
    runq = [
        float(v) for v in {str(x.get_label()): x for x in queue.get_lines()}["runnable (runq-sz)"].get_ydata()
    ]  # type: ignore[union-attr]
    assert {v for v in runq if not math.isnan(v)} == {2.0}


def test_memory_in_gib(day: DayData) -> None:
    ax = figures(day)["memory"].figure.axes[0]
    used = {str(line.get_label()): line for line in ax.get_lines()}["used"]
    assert {round(float(v), 6) for v in used.get_ydata() if not math.isnan(float(v))} == {4.0}  # type: ignore[union-attr]


def test_gaps_and_restart_marks(day: DayData) -> None:
    ax = figures(day)["disk-vda"].figure.axes[1]  # tps
    line = next(line for line in ax.get_lines() if line.get_label() == "transfers")
    xs = [float(v) for v in line.get_xdata()]  # type: ignore[union-attr]
    ys = [float(v) for v in line.get_ydata()]  # type: ignore[union-attr]
    assert sum(math.isnan(v) for v in ys) == 1  # one break: the restart (and the 20 min silence after it)
    gap = ys.index(math.nan) if False else next(i for i, v in enumerate(ys) if math.isnan(v))
    assert xs[gap - 1] * SECONDS_PER_DAY == pytest.approx(T10 + 600)
    assert xs[gap + 1] * SECONDS_PER_DAY == pytest.approx(T10 + 1810)
    assert {v for v in ys if not math.isnan(v)} == {10.0}
    restarts = [
        line for line in ax.get_lines() if line.get_label() == "restart" or line.get_color() == "#d62728"
    ]
    assert restarts and float(restarts[0].get_xdata()[0]) * SECONDS_PER_DAY == pytest.approx(T10 + 605)  # type: ignore[index]


def test_time_axis_spans_the_day_in_24h(day: DayData) -> None:
    ax = figures(day)["tasks"].figure.axes[-1]
    lo, hi = ax.get_xlim()
    assert lo * SECONDS_PER_DAY == pytest.approx(WINDOW[0]) and hi * SECONDS_PER_DAY == pytest.approx(
        WINDOW[1]
    )
    fig = figures(day)["tasks"].figure
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "12:00" in ticks and all(len(t) == 5 and t[2] == ":" for t in ticks)


@pytest.mark.parametrize("days", [2, 8])
def test_several_days_get_few_two_line_labels_that_do_not_collide(day: DayData, days: int) -> None:
    window = (WINDOW[0] - (days - 1) * SECONDS_PER_DAY, WINDOW[1])
    sset = series_from_day(day)
    fig = next(
        f for f in drawn(build_figures(sset, window=window, host_label="h", tz=dt.UTC)) if f.key == "tasks"
    )
    fig.figure.canvas.draw()
    ax = fig.figure.axes[-1]
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert 4 <= len(labels) <= 10
    assert all(t.get_text().split("\n")[0][2] == ":" and len(t.get_text().split("\n")) == 2 for t in labels)
    assert labels[-1].get_text() == "00:00\n11-28"
    boxes = sorted((t.get_window_extent().x0, t.get_window_extent().x1) for t in labels)
    assert all(right < next_left for (_, right), (next_left, _) in itertools.pairwise(boxes))  # no overlap


def test_event_marks_are_drawn_and_listed_once(day: DayData) -> None:
    sset = merge_marks(series_from_day(day), [Mark(T10 + 300, "oom-kill", "signal postgres 4242")])
    fig = next(
        f for f in drawn(build_figures(sset, window=WINDOW, host_label="h", tz=dt.UTC)) if f.key == "memory"
    )
    first, second = fig.figure.axes
    assert first.get_legend_handles_labels()[1].count("oom-kill") == 1
    assert "oom-kill" not in second.get_legend_handles_labels()[1]
    kills = [line for line in second.get_lines() if line.get_color() == "#000000"]
    assert float(kills[0].get_xdata()[0]) * SECONDS_PER_DAY == pytest.approx(T10 + 300)  # type: ignore[index]


def test_selection_of_activities_and_items(day: DayData) -> None:
    figs = figures(
        day, activities={"cpu", "disk"}, items={"cpu": frozenset({"all"}), "disk": frozenset({"sdz"})}
    )
    assert list(figs) == ["cpu"]


def test_lines_of_one_panel_have_distinct_styles(day: DayData) -> None:
    """Two series with the same values (here kB/s received and transmitted can coincide) must not hide one
    under the other: each line of a panel gets its own dash pattern."""
    for fig in figures(day).values():
        for ax in fig.figure.axes:
            # data lines only: event marks (restarts, steps) are two-point vertical lines with their own style
            styles = [line.get_linestyle() for line in ax.get_lines() if len(line.get_xdata()) > 2]
            assert len(styles) == len(set(styles)) or len(styles) > 4, (fig.key, styles)


def test_percent_axes_are_0_to_100_unless_a_value_goes_past_it(day: DayData) -> None:
    figs = figures(day)
    memory_percent = figs["memory"].figure.axes[1]  # %memused and %commit: 50 % and 12.5 % here
    assert memory_percent.get_ylabel() == "percent" and memory_percent.get_ylim() == (0.0, 100.0)
    overcommitted = [
        dataclasses.replace(
            e, memory=dataclasses.replace(e.memory, committed_as_kb=e.memory.mem_total_kb * 3)
        )
        if isinstance(e, SystemSample)
        else e
        for e in day.entries
    ]
    figs = figures(DayData(day.host, tuple(overcommitted), day.previous))
    low, high = figs["memory"].figure.axes[1].get_ylim()
    assert low == 0.0 and high > 300.0  # %commit 300 % is drawn, not cut at 100


def test_pressure_shares_never_exceed_the_wall_time(day: DayData) -> None:
    """The pressure files and the uptime are read microseconds apart: a fully stalled interval can come out at
    100.08 %; it is clamped to 100 as sysstat clamps its percentages."""
    from hostward.collect.pressure import Pressure, PressureLine, PressureSet
    from hostward.plot.series import _pressure_values

    def pressure(total_us: int) -> PressureSet:
        line = PressureLine(100.0, 100.0, 100.0, total_us)
        return PressureSet(Pressure(line, line), Pressure(line, line), Pressure(line, line))

    samples = [e for e in day.entries if isinstance(e, SystemSample)][:2]
    a = dataclasses.replace(samples[0], pressure=pressure(0))
    b = dataclasses.replace(samples[1], pressure=pressure(10_008_000))  # 10.008 s stalled in 10 s
    values = _pressure_values(a, b, 10.0)
    assert values is not None and max(values) == 100.0


def test_legends_sit_right_of_the_panels_and_inside_the_page(day: DayData) -> None:
    """Fixed margins (no layout engine): the panels end where the widest legend begins, and no legend runs off
    the page, on the figure with the longest legend texts too."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for key, pf in figures(day).items():
        fig = pf.figure
        assert fig.get_layout_engine() is None, key
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        page = fig.bbox
        for ax in fig.axes:
            panel = ax.get_window_extent(renderer)
            assert panel.x0 > 0 and panel.x1 < page.x1, key
            legend = ax.get_legend()
            if legend is not None:
                box = legend.get_window_extent(renderer)
                assert panel.x1 < box.x0 and box.x1 <= page.x1 + 0.5, (key, box, page)
            ticks = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
            assert all(t.x0 >= 0 for t in ticks), key


def test_panels_above_the_last_have_its_time_grid_without_tick_objects(day: DayData) -> None:
    """Panels share the time window; only the last one has time ticks and labels, the others draw the same
    vertical grid lines as one collection (building and drawing ticks was half the drawing time)."""
    fig = figures(day)["queue"].figure
    fig.canvas.draw()
    *upper, last = fig.axes
    assert len(upper) == 2
    hours = [round(x * 24 % 24, 6) for x in last.get_xticks()]
    assert hours == [float(h) for h in (*range(0, 24, 2), 0)]
    assert [t.get_text() for t in last.get_xticklabels()][:2] == ["00:00", "02:00"]
    for ax in upper:
        assert ax.get_xlim() == last.get_xlim()
        assert len(ax.get_xticks()) == 0
        (grid,) = [c for c in ax.collections if isinstance(c, LineCollection)]
        xs = sorted(seg[0][0] for seg in grid.get_segments())
        assert xs == pytest.approx(list(last.get_xticks()))
        assert ax.yaxis.get_gridlines() and all(len(a.get_yticks()) <= 8 for a in fig.axes)
