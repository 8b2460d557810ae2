"""A legend longer than the page below its panel (the per-CPU figure of a host with 64 CPUs) takes more columns,
the same number in the SVG and in the PDF/PNG, so that every entry is on the page in both."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from matplotlib.backends.backend_agg import RendererAgg
from tests.plot.conftest import T10

from hostward.plot.figures import PlotFigure, build_figures
from hostward.plot.mpl import draw
from hostward.plot.series import Mark, Series, SeriesSet
from hostward.plot.svg import PAGE_H, PAGE_W, render
from hostward.plot.svg_text import width

SVG = "{http://www.w3.org/2000/svg}"


def per_cpu(cpus: int) -> PlotFigure:
    times = tuple(T10 + 60.0 * i for i in range(120))
    series = tuple(
        Series("cpu", c, ("%idle",), times, (tuple(100.0 - k % 50 - i % 7 for i in range(120)),))
        for k, c in enumerate(["all", *map(str, range(cpus))])
    )
    sset = SeriesSet(series, (Mark(T10 + 600, "restart", "restart"),), times[0], times[-1], cpus, 120)
    figures = build_figures(sset, window=(T10 - 36000, T10 + 50400), host_label="h", tz=dt.UTC)
    return next(pf for pf in figures if pf.key == "cpu-each")


@pytest.mark.parametrize(("cpus", "columns"), [(8, 1), (64, 2), (160, 5)])
def test_every_legend_entry_is_on_the_page_in_both_renderers(cpus: int, columns: int) -> None:
    pf = per_cpu(cpus)
    labels = [*(f"busy {c}" for c in range(cpus)), "restart"]
    legend = ET.fromstring(render(pf, "x")).find(f".//{SVG}g[@class='legend']")
    assert legend is not None
    texts = [(t.text, float(t.get("x", "")), float(t.get("y", ""))) for t in legend.iter(f"{SVG}text")]
    assert [text for text, _, _ in texts] == labels
    assert all(0 < y < PAGE_H and x + width(text or "", 8.0) < PAGE_W for text, x, y in texts), texts
    assert len({x for _, x, _ in texts}) == columns

    figure = draw(pf)
    drawn = figure.axes[0].get_legend()
    assert [t.get_text() for t in drawn.get_texts()] == labels
    assert drawn._ncols == columns  # (matplotlib has no public getter)
    box = drawn.get_window_extent(RendererAgg(1, 1, figure.dpi))  # type: ignore[no-untyped-call]
    page = figure.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, box
