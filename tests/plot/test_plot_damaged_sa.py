"""A truncated sa file drawn directly (``plot -f``): the graphs of the samples before the damage, and one note
that says where reading stopped (sysstat's sadf -g stops with "End of system activity file unexpected")."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.conftest import require_binary
from tests.plot.test_plot_cli import commands  # noqa: F401  (the autouse COMMANDS fixture)

from hostward.cli import main


def test_a_truncated_sa_file_is_drawn_up_to_the_damage_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sadc = require_binary("sadc")["sadc"]
    whole = tmp_path / "sa"
    subprocess.run([sadc, "-S", "DISK", "1", "4", str(whole)], check=True, timeout=30)
    data = whole.read_bytes()
    cut = tmp_path / "sa-cut"
    cut.write_bytes(data[: len(data) - 40])  # the last record loses its end
    monkeypatch.chdir(tmp_path)
    code = main(["plot", "-f", str(cut), "-u", "--format", "svg", "-o", str(tmp_path / "cpu.svg")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert (tmp_path / "cpu.svg").stat().st_size > 0
    notes = [line for line in err.splitlines() if "the graphs stop at the" in line]
    assert len(notes) == 1 and notes[0].startswith("hostward plot: note: "), err
