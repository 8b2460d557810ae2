"""``hostward sadf -g``: one SVG document on stdout (as ``sadf -g > day.svg``), made of hostward plot's graphs.

The drawing is hostward's, not sadf's (docs in --help): what is checked is that the document is well-formed
SVG like sadf's, stacks exactly the graphs ``hostward plot --format svg`` draws for the same data and
activities, and that bad input is one line with nothing on stdout."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tests.conftest import require_binary
from tests.store.sysstat.conftest import LOCALES, locale_env

from hostward.cli.sadf_g import plot_argv, stack
from hostward.store.sysstat import import_files

SVG = "{http://www.w3.org/2000/svg}svg"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    found = require_binary("sadc", "sadf")
    work = tmp_path_factory.mktemp("sadf_g")
    sa = work / "sa"
    subprocess.run([found["sadc"], "-S", "XALL", "1", "4", str(sa)], check=True, env=locale_env(LOCALES["C"]))
    done = import_files([sa], work / "data")
    return sa, work / "data" / f"hw{done[0].days[0]:%Y%m%d}", found["sadf"]


def _run(argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "hostward", *argv], capture_output=True, env=locale_env(LOCALES["C"]), cwd=cwd
    )


@pytest.mark.parametrize("activities", [["-u"], ["-u", "-q", "-r"], ["-d", "-n", "DEV"]])
def test_one_svg_of_the_graphs_plot_draws(
    imported: tuple[Path, Path, str], tmp_path: Path, activities: list[str]
) -> None:
    sa, day_file, sadf = imported
    theirs = subprocess.run([sadf, "-g", str(sa), "--", *activities], capture_output=True, check=True).stdout
    assert ET.fromstring(theirs).tag == SVG  # sadf -g: one SVG document on stdout
    ours = _run(["sadf", "-g", str(day_file), "--", *activities])
    assert ours.returncode == 0, ours.stderr
    assert all(line.startswith(b"hostward plot: note: ") for line in ours.stderr.splitlines())  # e.g. %ifutil
    root = ET.fromstring(ours.stdout)
    assert root.tag == SVG
    nested = [child for child in root if child.tag == SVG]
    drawn = _run(["plot", "-f", str(day_file), *activities, "--format", "svg", "-o", str(tmp_path / "out")])
    assert drawn.returncode == 0, drawn.stderr
    files = sorted((tmp_path / "out").glob("*.svg")) if (tmp_path / "out").is_dir() else []
    assert len(nested) == max(len(files), 1)
    heights = [float(n.attrib["height"]) for n in nested]
    assert [float(n.attrib["y"]) for n in nested] == pytest.approx(
        [sum(heights[:i]) for i in range(len(heights))]
    )
    assert float(root.attrib["height"].removesuffix("pt")) == pytest.approx(sum(heights))


def test_stack_keeps_each_document_and_its_size() -> None:
    one = b'<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg width="10pt" height="5pt" viewBox="0 0 10 5"><g/></svg>\n'
    two = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="20pt" height="7.5pt" viewBox="0 0 20 7.5"><a/></svg>'
    )
    root = ET.fromstring(stack([one, two]))
    assert root.attrib["width"] == "20pt" and root.attrib["height"] == "12.5pt"
    inner = [c for c in root if c.tag == SVG]
    assert [(c.attrib["y"], c.attrib["width"], c.attrib["height"]) for c in inner] == [
        ("0", "10", "5"),
        ("5", "20", "7.5"),
    ]


def test_arguments_go_to_plot_as_it_takes_them() -> None:
    assert plot_argv(["-g", "-t", "hw20261205", "-s", "10:00"], ["-u"]) == [
        "-f",
        "hw20261205",
        "-s",
        "10:00",
        "-u",
    ]
    assert plot_argv(["-g", "--date", "2026-12-01", "-1"], []) == ["--date", "2026-12-01", "-1"]


def test_no_data_is_one_line_and_no_svg(tmp_path: Path) -> None:
    done = _run(["sadf", "-g", "--data-dir", str(tmp_path), "--date", "2026-01-01", "--", "-u"])
    assert done.returncode == 1 and done.stdout == b"" and done.stderr.count(b"\n") == 1
