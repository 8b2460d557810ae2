"""The SVG renderer (plot/svg.py) read back: every document parses as XML, the same figure gives the same bytes,
and the points of each drawn line, mapped back through its panel's scale, are the decimated series' values."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.plot.conftest import T10

from hostward.plot.decimate import COLUMNS, decimate
from hostward.plot.figures import PlotFigure, build_figures
from hostward.plot.mpl import draw
from hostward.plot.series import Mark, Series, SeriesSet, series_from_day
from hostward.plot.svg import render
from hostward.plot.svg_text import width
from hostward.safetext import safe_text
from hostward.store.model import DayData

SVG = "{http://www.w3.org/2000/svg}"
HALF_PIXEL = 0.5 * 72 / 120  # points, at the PNG's 120 dpi
DAY = (T10 - 10 * 3600, T10 + 14 * 3600)


def parse(pf: PlotFigure) -> ET.Element:
    return ET.fromstring(render(pf, pf.key))


Box = tuple[float, float, float, float, float, float, float, float]  # x0 y0 x1 y1 (points), t0 t1, v0 v1


def drawn_lines(root: ET.Element) -> list[tuple[Box, list[list[tuple[float, float]]]]]:
    """Per panel: its box and data ranges (data-*), and per series its points as (time, value), mapped back
    through the panel's scale."""
    out = []
    for panel in root.iter(f"{SVG}g"):
        if panel.get("class") != "panel":
            continue
        x0, y0, x1, y1 = (float(v) for v in panel.get("data-box", "").split())
        t0, t1 = (float(v) for v in panel.get("data-t", "").split())
        v0, v1 = (float(v) for v in panel.get("data-v", "").split())
        series = []
        for group in panel.iter(f"{SVG}g"):
            if group.get("class") != "series":
                continue
            points = []
            for stretch in group:  # a polyline, or a dot ("Mx yh0") for a point alone
                pairs = stretch.get("points", "").split() or [stretch.get("d", "")[1:-2].replace(" ", ",")]
                for pair in pairs:
                    px, py = (float(v) for v in pair.split(","))
                    points.append(
                        (t0 + (px - x0) * (t1 - t0) / (x1 - x0), v0 + (y1 - py) * (v1 - v0) / (y1 - y0))
                    )
            series.append(points)
        out.append(((x0, y0, x1, y1, t0, t1, v0, v1), series))
    return out


def test_every_figure_of_a_day_is_well_formed_and_the_same_twice(day: DayData) -> None:
    sset = series_from_day(day)
    figures = build_figures(sset, window=DAY, host_label="plothost", tz=dt.UTC)
    assert len(figures) >= 10
    for pf in figures:
        root = parse(pf)
        assert (
            root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 841.68 595.44"
        )  # A4 landscape, in points
        assert render(pf, pf.key) == render(pf, pf.key)
        texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
        assert pf.title in texts and pf.subtitle in texts and "time (UTC)" in texts
        assert all(view.ylabel in texts for view in pf.panels)
        assert "12:00" in texts and "00:00" in texts
    queue = next(pf for pf in figures if pf.key == "queue")
    assert len(drawn_lines(parse(queue))) == 3
    # CPU by mode: user (25 %) and system (5 %) over the two stretches the restart's gap leaves; the seven modes
    # at zero have no area, only their legend entry
    cpu = parse(next(pf for pf in figures if pf.key == "cpu"))
    layers = [p for p in cpu.iter(f"{SVG}path") if p.get("class") == "layer"]
    assert [p.get("fill") for p in layers] == ["#1f77b4", "#2ca02c"] * 2
    legend = [
        "".join(t.itertext())
        for g in cpu.iter(f"{SVG}g")
        if g.get("class") == "legend"
        for t in g.iter(f"{SVG}text")
    ]
    assert legend == [
        "user",
        "nice",
        "system",
        "irq",
        "softirq",
        "iowait",
        "steal",
        "guest",
        "guest nice",
        "restart",
    ]


values = st.one_of(
    st.floats(-1e12, 1e12, allow_nan=False),
    st.just(math.nan),
    st.sampled_from([0.0, 1e-9, -1e-9, 123456789.0]),
)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(values, min_size=1, max_size=3500),
    st.integers(1, 30),
    st.sampled_from(["tasks", "time"]),
    st.booleans(),
)
def test_points_map_back_to_the_decimated_values(
    ys: list[float], step: int, activity: str, constant: bool
) -> None:
    """tasks: an axis from 0 (negative values are below it, clipped); time (the clock figure): a signed axis
    spanning the data on both sides of zero.
    Long lists (> 2800 points) are decimated to the pixel width; NaN breaks a line into several polylines."""
    if constant:
        ys = [ys[0] if not math.isnan(ys[0]) else 5.0] * len(ys)
    times = tuple(T10 + step * k for k in range(len(ys)))
    columns = (
        ("proc/s", "cswch/s") if activity == "tasks" else ("offset", "koffset", "maxerr", "esterr", "freq")
    )
    values = tuple(tuple(ys) if c in ("proc/s", "offset") else tuple(math.nan for _ in ys) for c in columns)
    sset = SeriesSet((Series(activity, None, columns, times, values),), samples=len(ys))
    window = (times[0] - 60.0, times[-1] + 60.0)
    figures = build_figures(sset, window=window, host_label="h", tz=dt.UTC)
    if all(math.isnan(v) for v in ys):
        assert figures == []
        return
    (pf,) = figures
    view = pf.panels[0]
    lo, hi = view.ylim
    finite = [v for v in ys if not math.isnan(v)]
    assert max(finite) <= hi and (lo <= min(finite) if activity == "time" else lo == 0.0)
    kept_x, kept_y = decimate(times, [ys], window, shared=False)
    expected = [(t, v) for t, v in zip(kept_x[0], kept_y[0], strict=True) if not math.isnan(v)]
    ((x0, y0, x1, y1, t0, t1, v0, v1), (points,)), *_ = drawn_lines(parse(pf))
    assert (t0, t1, v0, v1) == (*window, lo, hi)
    assert x1 - x0 > 400 and y1 - y0 > 100
    assert len(points) == len(expected)
    per_t, per_v = (t1 - t0) / (x1 - x0), (v1 - v0) / (y1 - y0)  # data units per point
    for (t, v), (et, ev) in zip(points, expected, strict=True):
        assert abs(t - et) <= HALF_PIXEL * per_t
        if lo <= ev <= hi:
            assert abs(v - ev) <= HALF_PIXEL * per_v
        else:  # below an axis from 0: drawn past its edge, where the panel's clip path hides it
            assert ev < lo and v < lo + HALF_PIXEL * per_v


HOSTILE = ("eth<0>", 'a&b"c', "x]]>y", "ctl\x00\x01\x1b[31m\x7f\x9b", "bad\ufffe\uffff\udcff", "dollar$x$")


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_text_in_a_well_formed_document(day: DayData, name: str) -> None:
    """An interface name, a CPU label, a mark and the host label from the data: escaped, never markup."""
    base = series_from_day(day)
    renamed = tuple(
        Series(s.activity, name if s.activity == "net_dev" else s.item, s.columns, s.times, s.values)
        for s in base.series
    )
    sset = SeriesSet(renamed, (*base.marks, Mark(T10 + 60, name, "x")), base.start, base.end, 2, base.samples)
    figures = build_figures(sset, window=DAY, host_label=f"host {name}", tz=dt.UTC)
    net = next(pf for pf in figures if pf.key.startswith("net-"))
    expected = safe_text(name).replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd")
    for pf in figures:
        raw = render(pf, pf.key).decode("utf-8")
        assert "<0>" not in raw and "]]>" not in raw and "\x00" not in raw and "\x1b" not in raw
        root = ET.fromstring(raw)
        texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
        assert f"host {expected}" in pf.subtitle.replace(name, expected) and texts[1].startswith(
            f"host {expected} "
        )
        assert expected in texts  # the mark's kind, in the legend of the first panel
    net_texts = ["".join(t.itertext()) for t in parse(net).iter(f"{SVG}text")]
    assert f"Network interface {expected}" in net_texts


def test_a_one_second_day_keeps_its_spike_and_its_gap() -> None:
    """86400 points: at most two a pixel column are written, the one-second spike reaches the same height,
    and the 100 s the recorder stopped split the line into two polylines."""
    times = tuple(DAY[0] + k for k in range(86400))
    ys = [50.0 + 10 * math.sin(k / 3000.0) for k in range(86400)]
    ys[43210] = 500.0
    ys[1000:1100] = [math.nan] * 100
    sset = SeriesSet((Series("tasks", None, ("proc/s",), times, (tuple(ys),)),), samples=86400)
    (pf,) = build_figures(sset, window=DAY, host_label="h", tz=dt.UTC)
    root = parse(pf)
    polylines = [p for p in root.iter(f"{SVG}polyline")]
    assert len(polylines) == 2
    (_, (points,)), *_ = drawn_lines(root)
    assert len(points) <= 2 * COLUMNS + 4
    top = max(points, key=lambda p: p[1])
    assert top[1] == pytest.approx(500.0, abs=pf.panels[0].ylim[1] / 200) and top[0] == pytest.approx(
        times[43210], abs=60
    )


@pytest.mark.parametrize(
    "ys",
    [
        [1e308, -1e308, 5.0],
        [math.inf, 1.0, 2.0],
        [-math.inf, 0.0],
        [5e-324, 0.0],
        [math.nan, 1.0, math.nan],
        [-5.0] * 3,
    ],
)
@pytest.mark.parametrize("activity", ["tasks", "time", "cpu"])
def test_values_at_the_ends_of_the_floats_give_a_finite_axis_and_a_document(
    ys: list[float], activity: str
) -> None:
    times = tuple(T10 + 10 * k for k in range(len(ys)))
    columns = {
        "tasks": ("proc/s", "cswch/s"),
        "time": ("offset", "koffset", "maxerr", "esterr", "freq"),
        "cpu": ("%usr", "%nice-guest", "%sys", "%iowait", "%idle"),
    }[activity]
    item = "all" if activity == "cpu" else None
    sset = SeriesSet(
        (Series(activity, item, columns, times, tuple(tuple(ys) for _ in columns)),), samples=len(ys)
    )
    for pf in build_figures(sset, window=(times[0] - 5, times[-1] + 5), host_label="h", tz=dt.UTC):
        assert all(math.isfinite(v) for view in pf.panels for v in view.ylim)
        root = parse(pf)
        assert root.tag == f"{SVG}svg"
        assert "nan" not in render(pf, pf.key).decode().lower().replace("nanos", "")


@pytest.mark.parametrize("name", ["网卡接口", "ｅｔｈ０", "디스크"])
def test_wide_characters_are_measured_a_full_em(name: str) -> None:
    """A device named in CJK or full-width letters: a fallback font draws each a full em wide, so the legend's
    box and the room left for it (measured, not drawn, here) are at least that wide."""
    assert width(name, 10.0) >= 10.0 * len(name)
    assert width("eth0", 10.0) < 10.0 * 4  # DejaVu's own letters stay narrower


def test_the_y_tick_labels_of_the_svg_are_those_of_the_pdf() -> None:
    """Billions of packets, a negative clock offset and its small frequency: the PNG/PDF (matplotlib) labels its
    y axes as the SVG does, the same values and texts (an SI prefix where matplotlib wrote "1e9" above)."""
    times = tuple(T10 + 60.0 * i for i in range(60))
    packets = tuple(3.2e9 * i / 59 for i in range(60))
    sset = SeriesSet(
        (
            Series("net_dev", "eth0", ("rxpck/s", "txpck/s"), times, (packets, packets)),
            Series(
                "time",
                None,
                ("offset", "freq"),
                times,
                (tuple(-2.0 - i / 59 for i in range(60)), (-0.004,) * 60),
            ),
        ),
        (),
        times[0],
        times[-1],
        1,
        60,
    )
    figures = build_figures(sset, window=DAY, host_label="h", tz=dt.UTC)
    assert len(figures) == 2
    for pf in figures:
        svg = svg_labels(pf)
        figure = draw(pf)
        figure.canvas.draw()
        pdf = [[t.get_text() for t in ax.get_yticklabels()] for ax in figure.axes]
        assert pdf == svg, pf.key
        assert not any(ax.yaxis.get_offset_text().get_text() for ax in figure.axes)
    assert svg_labels(figures[0]) == [["0G", "1G", "2G", "3G"]]


def svg_labels(pf: PlotFigure) -> list[list[str]]:
    return [
        ["".join(t.itertext()) for t in panel.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
        for panel in parse(pf).iter(f"{SVG}g")
        if panel.get("class") == "panel"
    ]


def test_a_point_with_no_neighbour_is_a_dot_in_both_renderers() -> None:
    """A day of one sample, and one sample between two gaps: no line has length there, so each such point is a
    dot (an SVG round cap, a matplotlib marker with no legend entry), not nothing."""
    one = (T10,)
    gapped = (T10, T10 + 60, T10 + 120, T10 + 180, T10 + 240)
    sset = SeriesSet(
        (
            Series("time", None, ("offset", "freq"), one, ((-3.0,), (-1.0,))),
            Series("queue", None, ("runq-sz",), gapped, ((1.0, 2.0, math.nan, 4.0, math.nan),)),
        ),
        (),
        T10,
        T10 + 240,
        1,
        6,
    )
    figures = {pf.key: pf for pf in build_figures(sset, window=DAY, host_label="h", tz=dt.UTC)}
    for key, dots in (("clock", [(-3.0,), (-1.0,)]), ("queue", [(4.0,)])):
        pf = figures[key]
        drawn = [
            [d for d in panel.iter(f"{SVG}path") if d.get("class") == "dot"]
            for panel in parse(pf).iter(f"{SVG}g")
            if panel.get("class") == "panel"
        ]
        assert [len(d) for d in drawn] == [len(d) for d in dots], key
        figure = draw(pf)
        marked = [
            tuple(float(y) for line in ax.get_lines() if line.get_marker() == "o" for y in line.get_ydata())
            for ax in figure.axes
        ]
        assert marked == dots, key
        assert [len(ax.get_legend().get_texts()) for ax in figure.axes] == [
            len(v.legend()) for v in pf.panels
        ]


def test_each_legend_is_laid_out_once_and_both_renderers_take_one_font(
    day: DayData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """render lays out each panel's legend once (the panel boxes' room and the legend drawn take the same
    layout), and the font sizes the SVG writes are those matplotlib's style gets (plot/figures.py holds them)."""
    from hostward.plot import figures, mpl, svg

    laid: list[int] = []
    real = svg.legend_layout

    def counted(*args: Any, **kwargs: Any) -> svg.Legend:
        laid.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(svg, "legend_layout", counted)
    for pf in build_figures(series_from_day(day), window=DAY, host_label="h", tz=dt.UTC):
        laid.clear()
        document = render(pf, pf.key).decode()
        assert len(laid) == len(pf.panels)
        assert (
            f'font-size="{figures.FONT:g}"' in document and f'font-size="{figures.TITLE_FONT:g}"' in document
        )
    assert (mpl.STYLE["font.size"], mpl.STYLE["legend.fontsize"]) == (figures.FONT, figures.LEGEND_FONT)
