"""The PDF's contents page stays readable whatever it has to list: every line on the page, none on another."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from hostward.plot.figures import PlotFigure
from hostward.plot.output import MAX_NOTE_LINES, contents_page, note_lines

# What a `sar -A` text import of sysstat 12.6 leaves undrawn: 26 reports hostward does not define.
SAR_A_NOTES = tuple(
    f"not drawn (no hostward report): sar:{cols}"
    for cols in [
        "%scpu-10 %scpu-60 %scpu-300 %scpu",
        "INTR all CPU0 CPU1",
        "imsg6/s omsg6/s iech6/s iechr6/s oechr6/s igmbq6/s igmbr6/s ogmbr6/s igmbrd6/s ogmbrd6/s irtsol6/s",
        *(f"col{i}/s other{i}/s more{i}/s extra{i}/s" for i in range(23)),
    ]
)


def figures(count: int) -> list[PlotFigure]:
    return [
        PlotFigure(
            f"f{i}", f"Block device nvme{i}n1 (a long title of a figure)", "", (), (0.0, 1.0), dt.UTC, ""
        )
        for i in range(count)
    ]


def texts_on(fig: Figure) -> list[tuple[str, tuple[float, float, float, float]]]:
    renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
    page = fig.bbox
    out = []
    for text in fig.findobj(Text):
        if not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        out.append((text.get_text(), (box.x0, box.y0, box.x1, box.y1)))
        assert page.x0 <= box.x0 and box.x1 <= page.x1 + 0.5, f"off the page: {text.get_text()!r}"
        assert page.y0 <= box.y0 and box.y1 <= page.y1 + 0.5, f"off the page: {text.get_text()!r}"
    return out


@pytest.mark.parametrize(
    ("count", "notes"), [(16, SAR_A_NOTES), (90, SAR_A_NOTES), (250, ()), (3, ("one note",))]
)
def test_no_line_overlaps_another_or_leaves_the_page(count: int, notes: tuple[str, ...]) -> None:
    placed = texts_on(contents_page("Activity of db1", figures(count), notes))
    listed = [t for t, _ in placed if t.strip().split()[0].isdigit()]
    assert len(listed) == count  # every figure is listed, with its page number
    assert listed[0].split()[0] == "2" and listed[-1].split()[0] == str(count + 1)
    for (a, (ax0, ay0, ax1, ay1)), (b, (bx0, by0, bx1, by1)) in itertools.combinations(placed, 2):
        overlap = min(ax1, bx1) - max(ax0, bx0) > 0.5 and min(ay1, by1) - max(ay0, by0) > 0.5
        assert not overlap, f"{a!r} overlaps {b!r}"


def test_notes_are_grouped_wrapped_and_capped() -> None:
    lines = note_lines(SAR_A_NOTES)
    assert len(lines) <= MAX_NOTE_LINES
    assert sum(line.count("not drawn (no hostward report)") for line in lines) == 1
    assert "sar:INTR all CPU0" in " ".join(lines)
    assert all(len(line) <= 150 for line in lines)
    assert note_lines(["a", "b: c"]) == ["a", "b: c"]
