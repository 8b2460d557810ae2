"""A node name from the data (an imported sa file's header is whatever its writer put there) is text: it names
no directory outside the output place, runs no terminal escape, and "$" in it is no mathtext formula."""

from __future__ import annotations

import datetime as dt
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from matplotlib.text import Text
from tests.plot.conftest import HOST, T10, day_entries
from tests.plot.test_plot_cli import DAY, commands  # noqa: F401  (the autouse COMMANDS fixture)

from hostward.cli import main
from hostward.frozen import replace
from hostward.plot.figures import NAME_MOST, build_figures
from hostward.plot.mpl import draw
from hostward.plot.series import Mark, Series, SeriesSet, series_from_day
from hostward.plot.svg import PAGE_W, render
from hostward.safetext import safe_text
from hostward.store import DataFileWriter, day_path
from hostward.store.model import DayData

HOSTILE = (
    "../../escaped/x",
    "../../escaped/\x1b]0;owned\x07db$x_$",
    '<svg onload="x">&amp;]]><!--\x00\x01\x7f',
)
SVG = "{http://www.w3.org/2000/svg}"
SVG_ELEMENTS = {"svg", "title", "defs", "style", "clipPath", "rect", "g", "path", "polyline", "text", "tspan"}


def _write(data_dir: Path, nodename: str) -> None:
    host = replace(HOST, nodename=nodename)
    with DataFileWriter.open(day_path(data_dir, DAY), DAY, host) as writer:
        for entry in day_entries():
            if hasattr(entry, "cpu"):
                writer.write_sample(entry)  # type: ignore[arg-type]


@pytest.mark.parametrize("nodename", HOSTILE)
@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_a_hostile_node_name_stays_text(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
    nodename: str,
) -> None:
    data, work = tmp_path / "data", tmp_path / "a" / "b" / "work"
    work.mkdir(parents=True)
    _write(data, nodename)
    monkeypatch.chdir(work)
    code = main(["plot", "--data-dir", str(data), "--date", DAY.isoformat(), "-u", "-r", "--format", fmt])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "a" / "escaped").exists()
    made = [Path(root, name) for root, dirs, files in os.walk(work) for name in dirs + files]
    assert made and all(p.resolve().is_relative_to(work) for p in made)
    assert all("\x1b" not in p.name and "\x07" not in p.name for p in made)
    assert "\x1b" not in out + err and "\x07" not in out + err
    if fmt == "svg":  # the node name is in every subtitle: text of a well-formed document, never markup
        for path in (p for p in made if p.suffix == ".svg"):
            root = ET.parse(path).getroot()
            assert not [e for e in root.iter() if e.tag.split("}")[-1] not in SVG_ELEMENTS], path
            subtitle = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")][1]
            assert subtitle.startswith(safe_text(nodename)), subtitle


@pytest.mark.parametrize("name", ["eth\x1b]0;owned\x07", "dev\u202eexe.txt", "a\nb\x00\x9b"])
def test_names_from_the_data_are_inert_in_the_pdf_and_png_too(day: DayData, name: str) -> None:
    """A device or interface name, a CPU and an event's kind reach the titles and legends matplotlib draws (PDF,
    PNG) escaped, as the SVG shows them: no terminal escape, bidi override or newline in the drawn text."""
    base = series_from_day(day)

    def hostile(s: Series) -> str | None:
        return name if s.activity in ("net_dev", "disk") or s.item == "1" else s.item

    renamed = tuple(Series(s.activity, hostile(s), s.columns, s.times, s.values) for s in base.series)
    sset = SeriesSet(renamed, (*base.marks, Mark(T10 + 60, name, "x")), base.start, base.end, 2, base.samples)
    figures = build_figures(sset, window=(T10 - 36000, T10 + 50400), host_label="h", tz=dt.UTC)
    shown = safe_text(name)
    titles = [pf.title for pf in figures]
    labels = [label for pf in figures for view in pf.panels for label, *_ in view.legend()]
    assert f"Network interface {shown}" in titles and f"Block device {shown}" in titles
    assert f"busy {shown}" in labels and shown in labels  # CPU 1's line and the event's mark
    drawn = [t.get_text() for pf in figures for t in draw(pf).findobj(Text)]
    assert any(shown in text for text in drawn)
    assert all(
        safe_text(text.replace("\n", "")) == text.replace("\n", "") for text in titles + labels + drawn
    )


def test_a_very_long_name_is_cut_and_leaves_the_panel_its_width(day: DayData) -> None:
    """An imported file's interface name of 500 characters: cut with an ellipsis in the title and legends, so
    the legend stays narrow and the panels keep most of the page's width in both renderers."""
    base = series_from_day(day)
    name = "eth" + "x" * 497
    renamed = tuple(
        Series(s.activity, name if s.activity == "net_dev" else s.item, s.columns, s.times, s.values)
        for s in base.series
    )
    long_kind = "k" * 300
    sset = SeriesSet(renamed, (Mark(T10 + 60, long_kind, "x"),), base.start, base.end, 2, base.samples)
    figures = build_figures(sset, window=(T10 - 36000, T10 + 50400), host_label="h", tz=dt.UTC)
    net = next(pf for pf in figures if pf.key.startswith("net-"))
    assert net.title == f"Network interface {name[: NAME_MOST - 1]}…"
    assert net.key == f"net-{name}"  # the file name keeps the whole (file_safe) name
    legend = [label for view in net.panels for label, *_ in view.legend()]
    assert f"{long_kind[: NAME_MOST - 1]}…" in legend
    for x0, _, x1, _ in (b for b in (box_of(g) for g in ET.fromstring(render(net)).iter(f"{SVG}g")) if b):
        assert x1 - x0 > 0.6 * PAGE_W  # half the page (0.43 of it) before the cut
    figure = draw(net)
    assert all(ax.get_position().width > 0.6 for ax in figure.axes)


def box_of(group: ET.Element) -> tuple[float, ...] | None:
    box = group.get("data-box")
    return tuple(float(v) for v in box.split()) if box else None
