"""Records that share a second (sadc appending right after a sample, a restart within the second) and COM lines
survive a text import: `hostward sar -C` prints what sar printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import FIXTURES

from hostward.cli import main
from hostward.store.sysstat import import_files, read_imported

IMPORT = FIXTURES / "import"


def test_same_second_records_and_comments_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = IMPORT / "same-second-C.txt"
    done = import_files([source], tmp_path)
    assert "kept: 1 comments (COM; 'hostward sar -C' shows them)" in done[0].skipped
    assert main(["sar", "-u", "-q", "-C", "--data-dir", str(tmp_path), "--date", "2026-12-05"]) == 0
    assert capsys.readouterr().out == source.read_text()
    # re-importing adds nothing: the second record of a second is not a repeat of the first
    again = import_files([source], tmp_path)
    assert again[0].added == 0


def test_a_record_in_the_same_second_as_the_restart_is_kept(tmp_path: Path) -> None:
    done = import_files([IMPORT / "restart-same-second.txt"], tmp_path)
    day = read_imported(tmp_path, done[0].days[0])
    assert day is not None
    users = sorted(dict(r.values)["%user"] for r in day.rows if not r.average)
    assert users == [10.0, 20.0, 30.0, 40.0]
