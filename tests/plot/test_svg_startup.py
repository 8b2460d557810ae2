"""``hostward plot --format svg`` writes its SVG without matplotlib or numpy (plot/svg.py): importing them cost
~0.4 s of every run and drawing through matplotlib most of the rest, more than sadf -g takes for a whole day
(issue 17). PNG and PDF still draw with matplotlib, which the same probe must see (so it sees imports)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import modules_after
from tests.plot.test_plot_cli import write

HEAVY = ("matplotlib", "numpy", "PIL", "pypdf")


def _plot(data_dir: Path, *argv: str) -> str:
    args = ["plot", "--data-dir", str(data_dir), "--date", "2026-11-27", "-u", "-r", *argv]
    return f"from hostward.cli import COMMANDS, main\nCOMMANDS['plot'] = ('hostward.cli.plot', 'graphs')\nmain({args!r})"


@pytest.mark.parametrize("how", [("--format", "svg", "-o", "out"), ("-o", "out/cpu.svg", "-u")])
def test_svg_imports_neither_matplotlib_nor_numpy(tmp_path: Path, how: tuple[str, ...]) -> None:
    write(tmp_path)
    argv = [a.replace("out", str(tmp_path / "out")) for a in how]
    imported, printed = modules_after(_plot(tmp_path, *argv), "")
    assert "SVG graph" in printed or "1 graph" in printed, printed
    assert list((tmp_path / "out").iterdir()), "no SVG written"
    heavy = sorted(m for m in imported if m.split(".")[0] in HEAVY)
    assert not heavy, heavy[:10]


def test_png_still_draws_with_matplotlib(tmp_path: Path) -> None:
    write(tmp_path)
    imported, printed = modules_after(_plot(tmp_path, "--format", "png", "-o", str(tmp_path / "png")), "")
    assert "PNG graphs" in printed
    assert {"matplotlib", "numpy"} <= imported
