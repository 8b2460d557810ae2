"""An SVG graph as a browser shows it (Debian's chromium driven by Playwright): titles, tick labels and legends
are <text> drawn in the browser's own sans-serif font, so they must lay out at a readable size inside the page,
and every line of data must be there, drawn inside its panel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import launched_chromium
from tests.plot.test_plot_cli import write

from hostward.cli.plot import run

BOXES = """() => Array.from(document.querySelectorAll('text')).map(t => {
    const b = t.getBoundingClientRect(); return [t.textContent, b.x, b.y, b.width, b.height]; })"""
PAGE = "() => { const r = document.documentElement.getBoundingClientRect(); return [r.width, r.height]; }"
# Per panel: its frame (the first <rect> of its <g>) and the box of every <polyline> of its series.
POLYLINES = """() => Array.from(document.querySelectorAll('g.panel')).map(g => {
    const f = g.querySelector('rect').getBoundingClientRect();
    return [[f.x, f.y, f.width, f.height], Array.from(g.querySelectorAll('g.series polyline')).map(p => {
        const b = p.getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; })]; })"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as launched:
        yield launched


def test_text_and_lines_of_a_memory_graph_in_chromium(tmp_path: Path, browser: Any) -> None:
    write(tmp_path)
    out = tmp_path / "memory.svg"
    assert run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-r", "-o", str(out)]) == 0
    page = browser.new_page(viewport={"width": 1200, "height": 850})
    try:
        page.goto(out.as_uri())
        boxes = {text: (x, y, w, h) for text, x, y, w, h in page.evaluate(BOXES)}
        size = page.evaluate(PAGE)
        panels = page.evaluate(POLYLINES)
    finally:
        page.close()
    width, height = size
    for text in ("Memory", "plothost — Friday 2026-11-27", "GiB", "percent", "10:00", "time (UTC)", "used"):
        x, y, w, h = boxes[text]
        assert x >= 0 and x + w <= width and y >= 0 and y + h <= height, (text, boxes[text])
        across, along = sorted((w, h))  # y labels are turned a quarter
        assert 5 <= across <= 30 and along >= 3 * len(text), (text, boxes[text])  # laid out, readable size
    assert boxes["Memory"][3] > boxes["10:00"][3] * 0.8 * len("Memory") / len("10:00")  # larger title font
    assert len(panels) == 2
    # used, page cache, buffers, available; memory used, committed: each in two stretches (the restart's gap)
    assert [len(lines) for _, lines in panels] == [8, 4]
    for (fx, fy, fw, fh), lines in panels:
        assert fw > 600 and fh > 150
        for x, y, w, h in lines:
            assert w > 1  # five minutes on a 24 h axis: a few pixels wide, not nothing
            assert fx - 1 <= x and x + w <= fx + fw + 1 and fy - 1 <= y and y + h <= fy + fh + 1, (x, y, w, h)
