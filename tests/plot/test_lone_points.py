"""Points a line or a stack cannot join (figures.runs, isolated, bars) drawn alike by both renderers: next to an
infinite value a point is alone, as matplotlib's own path cleaning finds it, so it is a dot in the SVG and in the
PDF; a stack of one point (one sample, or one between gaps) is a bar per layer in both, not an empty panel."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.collections import LineCollection
from matplotlib.path import Path as MplPath
from tests.conftest import require_binary
from tests.plot.conftest import T10
from tests.plot.test_plot_cli import commands  # noqa: F401  (the autouse COMMANDS fixture)

from hostward.cli import main
from hostward.plot.figures import DOT_POINTS, PlotFigure, build_figures, isolated
from hostward.plot.mpl import draw
from hostward.plot.series import Series, SeriesSet
from hostward.plot.specs import CPU_MODES
from hostward.plot.svg import render

SVG = "{http://www.w3.org/2000/svg}"
DAY = (T10 - 10 * 3600, T10 + 14 * 3600)
INF = math.inf


def queue_figure(ys: tuple[float, ...]) -> PlotFigure:
    times = tuple(T10 + 60 * k for k in range(len(ys)))
    sset = SeriesSet(
        (Series("queue", None, ("runq-sz",), times, (ys,)),), (), times[0], times[-1], 1, len(ys)
    )
    (pf,) = build_figures(sset, window=DAY, host_label="h", tz=dt.UTC)
    return pf


def panel_of(pf: PlotFigure) -> tuple[ET.Element, tuple[float, ...]]:
    """The first panel's <g> and its mapping (x0, y1, t0, v0, seconds per point, value per point)."""
    panel = next(g for g in ET.fromstring(render(pf, pf.key)).iter(f"{SVG}g") if g.get("class") == "panel")
    x0, y0, x1, y1 = (float(v) for v in panel.get("data-box", "").split())
    t0, t1 = (float(v) for v in panel.get("data-t", "").split())
    v0, v1 = (float(v) for v in panel.get("data-v", "").split())
    return panel, (x0, y1, t0, v0, (t1 - t0) / (x1 - x0), (v1 - v0) / (y1 - y0))


def svg_dots(pf: PlotFigure) -> list[float]:
    """The values of the first panel's dots, mapped back through its scale."""
    panel, (_, y1, _, v0, _, per_v) = panel_of(pf)
    dots = [d.get("d", "") for d in panel.iter(f"{SVG}path") if d.get("class") == "dot"]
    return [v0 + (y1 - float(d[1:-2].split()[1])) * per_v for d in dots]


def pdf_dots(pf: PlotFigure) -> list[float]:
    ax = draw(pf).axes[0]
    return [float(y) for line in ax.get_lines() if line.get_marker() == "o" for y in line.get_ydata()]


def matplotlib_alone(pf: PlotFigure) -> list[float]:
    """The values of the vertices matplotlib's own drawing leaves alone: its path cleaning (what Agg and the PDF
    backend run) drops non-finite vertices and starts a new sub-path after them; a sub-path of one MOVETO draws
    nothing."""
    line = draw(pf).axes[0].get_lines()[0]
    cleaned = MplPath(line.get_xydata()).cleaned(remove_nans=True)
    codes = [*cleaned.codes.tolist()]
    return [
        float(cleaned.vertices[i][1])
        for i, code in enumerate(codes)
        if code == MplPath.MOVETO and codes[i + 1] in (MplPath.MOVETO, MplPath.STOP)
    ]


def close(got: list[float], want: list[float], pf: PlotFigure) -> bool:
    per_v = panel_of(pf)[1][5]
    return len(got) == len(want) and all(abs(g - w) <= per_v for g, w in zip(got, want, strict=True))


def test_a_point_next_to_an_infinite_value_is_a_dot_in_the_svg_and_in_the_pdf() -> None:
    """5 sits between a gap and +inf, 8 between -inf and a gap: matplotlib draws no line through either (the
    SVG drew a dot there and the PDF nothing); 6, 7 are joined."""
    pf = queue_figure((math.nan, 5.0, INF, 6.0, 7.0, -INF, 8.0, math.nan))
    assert matplotlib_alone(pf) == [5.0, 8.0]
    assert isolated(pf.panels[0].lines[0]) == [1, 6]
    assert pdf_dots(pf) == [5.0, 8.0]
    assert close(svg_dots(pf), [5.0, 8.0], pf)


values = st.one_of(st.floats(0, 100), st.sampled_from([math.nan, INF, -INF]))  # on the axis: 0 up


@settings(max_examples=60, deadline=None)
@given(st.lists(values, min_size=1, max_size=12))
def test_both_renderers_put_dots_where_matplotlib_leaves_a_point_alone(ys: list[float]) -> None:
    if not any(math.isfinite(v) for v in ys):
        return
    pf = queue_figure(tuple(ys))
    alone = matplotlib_alone(pf)
    assert [ys[i] for i in isolated(pf.panels[0].lines[0])] == alone
    assert pdf_dots(pf) == alone
    assert close(svg_dots(pf), alone, pf)


def cpu_figure(times: tuple[float, ...], rows: list[tuple[float, ...]]) -> PlotFigure:
    """The stacked CPU figure of imported -u rows: %user %nice %system %iowait %steal %idle per time."""
    columns = (*CPU_MODES, "%idle")
    values = tuple(tuple(row[c] for row in rows) for c in range(len(columns)))
    sset = SeriesSet((Series("cpu", "all", columns, times, values),), (), times[0], times[-1], 1, len(times))
    (pf,) = [f for f in build_figures(sset, window=DAY, host_label="h", tz=dt.UTC) if f.key == "cpu"]
    return pf


def svg_bars(pf: PlotFigure) -> list[tuple[float, float, float, str]]:
    """(time, bottom, top, colour) of the first panel's bars, mapped back through its scale."""
    panel, (x0, y1, t0, v0, per_t, per_v) = panel_of(pf)
    out = []
    for bar in panel.iter(f"{SVG}path"):
        if bar.get("class") != "bar":
            continue
        assert bar.get("stroke-width") == f"{DOT_POINTS + 1:g}"
        x, lo, hi = (float(v) for v in bar.get("d", "")[1:].replace("V", " ").split())
        out.append(
            (t0 + (x - x0) * per_t, v0 + (y1 - lo) * per_v, v0 + (y1 - hi) * per_v, bar.get("stroke", ""))
        )
    return out


def pdf_bars(pf: PlotFigure) -> list[tuple[float, float, float, str]]:
    from matplotlib.colors import to_hex

    ax = draw(pf).axes[0]
    out = []
    for collection in ax.collections:
        if isinstance(collection, LineCollection):
            for segment, colour in zip(collection.get_segments(), collection.get_colors(), strict=True):
                (x, lo), (_, hi) = segment.tolist()
                out.append((x * 86400.0, lo, hi, to_hex(colour)))
    return out


@pytest.mark.parametrize("gap", [False, True])
def test_a_stack_of_one_point_is_a_bar_per_layer_in_both_renderers(gap: bool) -> None:
    """One sample (or one between gaps, beside a stretch of two) of 25 % user, 5 % system, 10 % iowait: bars
    0-25, 25-30, 30-40 at its time in the layers' colours; nice and steal (0) none. The stretch of two points
    is an area, without bars."""
    row = (25.0, 0.0, 5.0, 10.0, 0.0, 60.0)
    gone = (math.nan,) * 6
    if gap:
        times = (T10, T10 + 60, T10 + 120, T10 + 180)
        pf = cpu_figure(times, [row, gone, (1.0, 0, 1, 1, 0, 97), (2.0, 0, 1, 1, 0, 96)])
    else:
        pf = cpu_figure((T10,), [row])
    colours = pf.panels[0].stacks[0].colours
    want = [(T10, 0.0, 25.0, colours[0]), (T10, 25.0, 30.0, colours[2]), (T10, 30.0, 40.0, colours[3])]
    assert pdf_bars(pf) == [(pytest.approx(t, abs=1e-3), lo, hi, c) for t, lo, hi, c in want]
    got = svg_bars(pf)
    per_t, per_v = panel_of(pf)[1][4:]
    assert [c for *_, c in got] == [c for *_, c in want]
    for (t, lo, hi, _), (wt, wlo, whi, _) in zip(got, want, strict=True):
        assert abs(t - wt) <= per_t and abs(lo - wlo) <= per_v and abs(hi - whi) <= per_v
    if gap:  # the stretch of two points stays an area
        assert len(pf.panels[0].stacks) == 2
        assert any(p.get("class") == "layer" for p in panel_of(pf)[0].iter(f"{SVG}path"))


def test_a_day_of_one_interval_recorded_by_sadc_draws_its_cpu(tmp_path: Path) -> None:
    """sysstat's own sadc, two records: one interval, one point of CPU (this process keeps a CPU busy in it, so
    %user is not 0); ``plot -f`` draws its bars."""
    sadc = require_binary("sadc")["sadc"]
    sa = tmp_path / "sa"
    recording = subprocess.Popen([sadc, "1", "2", str(sa)])
    try:
        while recording.poll() is None:
            sum(range(10000))
    finally:
        assert recording.wait(timeout=30) == 0
    assert main(["plot", "-f", str(sa), "-u", "--format", "svg", "-o", str(tmp_path / "out")]) == 0
    (cpu,) = sorted((tmp_path / "out").glob("*-cpu.svg"))
    bars = [p for p in ET.parse(cpu).getroot().iter(f"{SVG}path") if p.get("class") == "bar"]
    assert bars, "a one-point stack drew nothing"
