"""An SVG graph as a browser shows it (Debian's chromium driven by Playwright): titles, tick labels and legends
are <text> drawn in the browser's own sans-serif font (svg.fonttype "none"), so they must lay out at a
readable size inside the page, and every line of data must be there."""

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
        lines = page.evaluate("() => document.querySelectorAll('g[id^=\"line2d\"] path').length")
    finally:
        page.close()
    width, height = size
    for text in ("Memory", "plothost — Friday 2026-11-27", "GiB", "percent", "10:00", "time (UTC)", "used"):
        x, y, w, h = boxes[text]
        assert x >= 0 and x + w <= width and y >= 0 and y + h <= height, (text, boxes[text])
        across, along = sorted((w, h))  # y labels are turned a quarter
        assert 5 <= across <= 30 and along >= 3 * len(text), (text, boxes[text])  # laid out, readable size
    assert boxes["Memory"][3] > boxes["10:00"][3] * 0.8 * len("Memory") / len("10:00")  # larger title font
    assert lines >= 6  # used, page cache, buffers, available; memory used, committed
