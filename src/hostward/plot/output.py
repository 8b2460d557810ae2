"""Saving figures: one multi-page PDF report (contents page first) or one PNG/SVG file per figure.

Files are written to a temporary name and renamed, so a viewer never opens half a report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from hostward.atomic import replacing
from hostward.errors import StoreError
from hostward.plot.figures import PAGE_INCHES, STYLE, PlotFigure

FORMATS = ("pdf", "png", "svg")
PNG_DPI = 120  # 1403 x 992 pixels for an A4 landscape page: sharp on a laptop screen


def contents_page(title: str, figures: Sequence[PlotFigure], notes: Sequence[str] = ()) -> Figure:
    """A page listing every figure with its page number (the contents page is page 1)."""
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
        per_column = 34
        for i, pf in enumerate(figures):
            col, row = divmod(i, per_column)
            y = 0.83 - row * 0.023
            x = 0.06 + col * 0.46
            fig.text(x, y, f"{i + 2:>3}   {pf.title}", fontsize=9, va="top", family="monospace")
        for j, note in enumerate(notes):
            fig.text(0.06, 0.06 + 0.022 * j, note, fontsize=8, color="#555")
    return fig


def save_pdf(path: Path, title: str, figures: Sequence[PlotFigure], notes: Sequence[str] = ()) -> Path:
    with replacing(path) as tmp, PdfPages(tmp, metadata={"Title": title, "Creator": "hostward plot"}) as pdf:
        pdf.savefig(contents_page(title, figures, notes))
        for pf in figures:
            pdf.savefig(pf.figure)
    return path


def save_each(directory: Path, fmt: str, figures: Sequence[PlotFigure], prefix: str = "") -> list[Path]:
    """``<directory>/<prefix>NN-<key>.<fmt>`` for each figure."""
    out: list[Path] = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create {directory}: {exc.strerror}") from exc
    for n, pf in enumerate(figures, 1):
        path = directory / f"{prefix}{n:02d}-{pf.key}.{fmt}"
        with replacing(path) as tmp:
            pf.figure.savefig(tmp, format=fmt, dpi=PNG_DPI)
        out.append(path)
    return out
