"""Saving figures: one multi-page PDF report (contents page first) or one PNG/SVG file per figure.

Files are written to a temporary name and renamed, so a viewer never opens half a report. Each figure is drawn
when it is saved and dropped after, so a report of many graphs never holds them all: SVG by plot/svg.py, PDF and
PNG by matplotlib (plot/mpl.py), which is imported only for them (with numpy, ~0.4 s of start-up).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from hostward.atomic import writing
from hostward.errors import StoreError
from hostward.plot.figures import PAGE_INCHES, PlotFigure
from hostward.plot.svg import render
from hostward.safefs import make_dirs

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = ("pdf", "png", "svg")
PNG_DPI = 120  # 1403 x 992 pixels for an A4 landscape page: sharp on a laptop screen
# zlib level 1 for the page streams instead of 6: a day's report is ~18 % larger (1.05 MB instead of 0.89 MB
# for -u -r -n DEV of a 10 s day) and written in three quarters of the time.
PDF_STYLE: dict[Any, Any] = {"pdf.compression": 1}


ROW = 0.023  # height of one contents line (9 pt on an A4 page), as a fraction of the page
NOTE_ROW = 0.02
NOTE_WIDTH = 150  # characters of 8 pt text that fit across the page
MAX_NOTE_LINES = 10
LIST_TOP, BOTTOM = 0.83, 0.05


def note_lines(notes: Sequence[str]) -> list[str]:
    """Notes grouped by their lead-in ("not drawn (no hostward report): ...": a sar -A import has 26 of
    them), wrapped to the page width and capped, so they never run into the list or off the page."""
    grouped: dict[str, list[str]] = {}
    for note in notes:
        lead, sep, what = note.partition(": ")
        if sep:
            words = what.split()
            grouped.setdefault(lead, []).append(" ".join(words[:3]) + (" ..." if len(words) > 3 else ""))
        else:
            grouped.setdefault(note, [])
    lines: list[str] = []
    for lead, items in grouped.items():
        text = f"{lead}: {'; '.join(items)}" if items else lead
        lines.extend(textwrap.wrap(text, NOTE_WIDTH, subsequent_indent="    "))
    if len(lines) > MAX_NOTE_LINES:
        more = len(lines) - MAX_NOTE_LINES + 1
        lines = [
            *lines[: MAX_NOTE_LINES - 1],
            f"... and {more} more line(s): see the output of 'hostward import'",
        ]
    return lines


def contents_page(title: str, figures: Sequence[PlotFigure], notes: Sequence[str] = ()) -> Figure:
    """A page listing every figure with its page number (the contents page is page 1). The list fills up to
    three columns above the notes; with very many figures (hosts with dozens of disks) the rows get smaller
    rather than falling off the page."""
    lines = note_lines(notes)
    list_bottom = BOTTOM + NOTE_ROW * len(lines) + (0.03 if lines else 0.0)
    fits = max(1, int((LIST_TOP - list_bottom) / ROW) + 1)
    columns = min(3, max(1, math.ceil(len(figures) / fits)))
    per_column = max(1, math.ceil(len(figures) / columns))
    row = min(ROW, (LIST_TOP - list_bottom) / per_column)
    size = 9.0 * row / ROW
    width = (1.0 - 2 * 0.06) / max(columns, 2)
    import matplotlib as mpl  # noqa: PLC0415  (PDF only)
    from matplotlib.figure import Figure  # noqa: PLC0415

    from hostward.plot.mpl import STYLE  # noqa: PLC0415

    with mpl.rc_context(STYLE):
        fig = Figure(figsize=PAGE_INCHES)
        fig.text(0.06, 0.93, title, fontsize=16, weight="bold", va="top")
        fig.text(
            0.06,
            0.885,
            f"hostward plot, {dt.datetime.now():%Y-%m-%d %H:%M}",
            fontsize=9,
            va="top",
            color="#555",
        )
        # monospace: 0.6 em per character; 6 for the page number, 3 for the gap to the next column
        chars = int(width * PAGE_INCHES[0] * 72 / (0.6 * size)) - 9
        for i, pf in enumerate(figures):
            col, line = divmod(i, per_column)
            label = pf.title if len(pf.title) <= chars else pf.title[: chars - 1] + "…"
            fig.text(
                0.06 + col * width,
                LIST_TOP - line * row,
                f"{i + 2:>3}   {label}",
                fontsize=size,
                va="top",
                family="monospace",
            )
        for j, note in enumerate(reversed(lines)):
            fig.text(0.06, BOTTOM + NOTE_ROW * j, note, fontsize=8, color="#555")
    return fig


def save_pdf(
    path: Path,
    title: str,
    figures: Sequence[PlotFigure],
    notes: Sequence[str] = (),
    progress: Callable[[], None] = lambda: None,
) -> Path:
    """The report: contents page, one page per figure, and an outline (bookmarks) entry per page, which
    matplotlib cannot write: pypdf adds it to what matplotlib produced."""
    # Imported here: PNG and SVG output need neither (pypdf and its crypto providers: ~0.1 s of start-up).
    import matplotlib as mpl  # noqa: PLC0415
    from matplotlib.backends.backend_pdf import PdfPages  # noqa: PLC0415
    from pypdf import PdfReader, PdfWriter  # noqa: PLC0415

    from hostward.plot.mpl import draw  # noqa: PLC0415

    buffer = io.BytesIO()
    with (
        mpl.rc_context(PDF_STYLE),
        PdfPages(buffer, metadata={"Title": title, "Creator": "hostward plot"}) as pdf,
    ):
        pdf.savefig(contents_page(title, figures, notes))
        for pf in figures:
            pdf.savefig(draw(pf))
            progress()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    writer.add_outline_item("Contents", 0)
    for page, pf in enumerate(figures, 1):
        writer.add_outline_item(pf.title, page)
    writer.page_mode = "/UseOutlines"
    with writing(path) as handle:  # through our descriptor, never a name others can swap
        writer.write(handle)
    return path


def save_figure(pf: PlotFigure, handle: IO[bytes], fmt: str, salt: str = "") -> None:
    """One figure as ``fmt`` (svg or png) into ``handle``. ``salt`` names its SVG ids (clip paths): fixed,
    so the same data gives the same file; distinct per figure, so graphs stacked in one document (sadf -g)
    never share an id."""
    if fmt == "svg":
        handle.write(render(pf, f"-{salt}"))
        return
    from hostward.plot.mpl import draw  # noqa: PLC0415  (matplotlib and numpy: PDF and PNG only)

    draw(pf).savefig(handle, format=fmt, dpi=PNG_DPI)


def save_each(
    directory: Path,
    fmt: str,
    figures: Sequence[PlotFigure],
    prefix: str = "",
    progress: Callable[[], None] = lambda: None,
) -> list[Path]:
    """``<directory>/<prefix>NN-<key>.<fmt>`` for each figure."""
    out: list[Path] = []
    try:
        make_dirs(directory)  # 0750
    except OSError as exc:
        raise StoreError(f"cannot create {directory}: {exc.strerror}") from exc
    for n, pf in enumerate(figures, 1):
        path = directory / f"{prefix}{n:02d}-{pf.key}.{fmt}"
        with writing(path) as handle:
            save_figure(pf, handle, fmt, f"{n}-{pf.key}")
        out.append(path)
        progress()
    return out
