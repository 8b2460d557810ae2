"""A COM record of an imported sa file is shown as inert text: the real ``sadc -C`` stores the comment's bytes as
given (terminal escapes included), and root's ``hostward sar -C`` or ``sadf -C`` on the import must not send them
to the terminal. Each test fails on code that prints the stored text as it is."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from tests.conftest import require_binary

from hostward.cli import main
from hostward.collect.host import HostInfo
from hostward.report.formatting import Colors, ReportFormat
from hostward.report.imported_sadf import render_imported_csv
from hostward.report.sadf import SadfFormat
from hostward.report.sar_text import comment_line
from hostward.report.selection import ReportOptions
from hostward.store.model import CommentMark
from hostward.store.sysstat import import_files
from hostward.store.sysstat.imported import ImportedDay

HOSTILE = "\x1b[31mred\x1b]0;owned\x07"
SHOWN = "\\e[31mred\\e]0;owned\\x07"


@pytest.fixture(scope="module")
def hostile_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    found = require_binary("sadc")
    work = tmp_path_factory.mktemp("hostile-com")
    sa = work / "sa"
    env = {**os.environ, "TZ": "UTC", "LANG": "C"}
    subprocess.run([found["sadc"], "1", "2", str(sa)], check=True, env=env, timeout=30)
    subprocess.run([found["sadc"], "-C", HOSTILE, str(sa)], check=True, env=env, timeout=30)
    subprocess.run([found["sadc"], "1", "1", str(sa)], check=True, env=env, timeout=30)
    assert HOSTILE.encode() in sa.read_bytes()  # sadc kept the escapes as given
    done = import_files([sa], work / "data")
    return work / "data" / f"hw{done[0].days[0]:%Y%m%d}"


@pytest.fixture(autouse=True)
def _utc_c(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("LANG", "C")
    monkeypatch.delenv("S_COLORS", raising=False)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def _assert_inert(out: str) -> None:
    assert "\x1b" not in out and "\x07" not in out, out
    assert SHOWN in out, out


@pytest.mark.parametrize("flags", [(), ("-P", "ALL")])
def test_sar_c_shows_the_comment_escaped(
    capsys: pytest.CaptureFixture[str], hostile_day: Path, flags: tuple[str, ...]
) -> None:
    out = _run(capsys, "sar", "-C", *flags, "-f", str(hostile_day))
    _assert_inert(out)
    assert f"COM {SHOWN}\n" in out


@pytest.mark.parametrize("mode", ["-d", "-p"])
def test_sadf_d_and_p_show_the_comment_escaped(
    capsys: pytest.CaptureFixture[str], hostile_day: Path, mode: str
) -> None:
    out = _run(capsys, "sadf", mode, "-C", str(hostile_day))
    _assert_inert(out)
    assert f"COM {SHOWN}\n" in out


def test_sadf_j_shows_the_comment_escaped(capsys: pytest.CaptureFixture[str], hostile_day: Path) -> None:
    out = _run(capsys, "sadf", "-j", "-C", str(hostile_day))
    assert "\x1b" not in out and "\x07" not in out, out
    comments = json.loads(out)["sysstat"]["hosts"][0]["comments"]
    assert [c["comment"]["com"] for c in comments] == [SHOWN]


def test_sar_c_with_colours_escapes_the_comment() -> None:
    mark = CommentMark(0.0, HOSTILE)
    plain = comment_line(mark, ReportFormat())
    assert plain.endswith(f"  COM {SHOWN}\n")
    coloured = comment_line(mark, ReportFormat(colors=Colors()))
    colors = Colors()
    assert colors.comment in coloured and coloured.endswith(colors.normal)
    _assert_inert(coloured.replace(colors.comment, "").replace(colors.normal, ""))


def test_imported_text_history_comment_is_escaped() -> None:
    day = ImportedDay(HostInfo("Linux", "6.1.0", "h", "x86_64", 1), (), comments=((0.0, HOSTILE),))
    out = "".join(render_imported_csv(day, ReportOptions(reports=(), comments=True), SadfFormat()))
    _assert_inert(out)
