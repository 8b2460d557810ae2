"""``sar -o FILE interval [count]``: the live report is printed and every sample recorded into a hostward data
file that ``sar -f FILE`` reads back to the same bytes (what sysstat's sar does with its sa file, checked beside
it); the file is 0640, appended to on a second run, and nothing that is not a hostward data file of the same day
is ever touched."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from tests.cli.test_sar import write_day
from tests.conftest import require_binary
from tests.store.sysstat.conftest import LOCALES, locale_env


def _hostward(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hostward", "sar", *argv],
        capture_output=True,
        text=True,
        check=False,
        env=locale_env(LOCALES["C"]),
        timeout=120,
    )


def _sar(sar: str, *argv: str) -> str:
    return subprocess.run(
        [sar, *argv], capture_output=True, text=True, check=True, env=locale_env(LOCALES["C"]), timeout=120
    ).stdout


def test_recorded_while_reporting_reads_back_to_the_same_report_as_sar_does(tmp_path: Path) -> None:
    sar = require_binary("sar", "sadc")["sar"]
    theirs_live = _sar(sar, "-o", str(tmp_path / "sa"), "-u", "1", "2")
    assert _sar(sar, "-u", "-f", str(tmp_path / "sa")) == theirs_live  # sysstat's own contract
    out = tmp_path / "hw"
    live = _hostward("-o", str(out), "-u", "1", "2")
    assert (live.returncode, live.stderr) == (0, "")
    back = _hostward("-u", "-f", str(out))
    assert (back.returncode, back.stdout, back.stderr) == (0, live.stdout, "")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o640
    # every activity was recorded, not only the one shown (sar -o has sadc collect -S XALL)
    every = _hostward("-A", "-f", str(out))
    assert every.returncode == 0
    for header in ("runq-sz", "kbmemfree", "IFACE", "totsck", "pgpgin/s"):
        assert header in every.stdout
    # a second run appends, as sadc appends to an existing sa file
    again = _hostward("-o", str(out), "-q", "1", "1")
    assert again.returncode == 0
    rows = [line for line in _hostward("-q", "-f", str(out)).stdout.splitlines()[3:] if line[:2].isdigit()]
    assert len(rows) == 4  # 2 + 1 intervals, and the one across the two runs


def _unchanged(path: Path, argv: list[str], message: str) -> None:
    before = path.read_bytes() if path.exists() else None
    done = _hostward(*argv)
    assert (done.returncode, done.stdout) == (2 if "symbolic" not in message else 1, "")
    assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert (path.read_bytes() if path.exists() else None) == before


def test_a_file_that_is_not_ours_is_never_touched(tmp_path: Path) -> None:
    foreign = tmp_path / "notes"
    foreign.write_text("precious\n")
    _unchanged(foreign, ["-o", str(foreign), "1", "1"], "exists and is not a hostward data file")
    link = tmp_path / "link"
    link.symlink_to(foreign)
    _unchanged(foreign, ["-o", str(link), "1", "1"], "is a symbolic link")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "target")
    _unchanged(tmp_path / "target", ["-o", str(dangling), "1", "1"], "is a symbolic link")
    assert not (tmp_path / "target").exists()
    other_day = dt.date.today() - dt.timedelta(days=3)
    write_day(tmp_path, other_day, dt.datetime.combine(other_day, dt.time(8)), 2)
    old = tmp_path / f"hw{other_day:%Y%m%d}"
    _unchanged(old, ["-o", str(old), "1", "1"], f"holds {other_day.isoformat()}")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["notes", "link", "dangling", old.name])


def test_a_hard_link_to_a_data_file_is_refused(tmp_path: Path) -> None:
    first = tmp_path / "hw"
    assert _hostward("-o", str(first), "1", "1").returncode == 0
    os.link(first, tmp_path / "second-name")
    before = first.read_bytes()
    done = _hostward("-o", str(first), "1", "1")
    assert done.returncode != 0 and "link" in done.stderr and done.stderr.count("\n") == 1
    assert first.read_bytes() == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-o"], "-o needs a file name: hostward sar -o FILE interval [count]"),
        (["-o", "1", "2"], "-o needs a file name: hostward sar -o FILE interval [count]"),
        (
            ["-o", "F", "-f", "G", "1"],
            "-o records the running system: it cannot be combined with -f, -N or a day",
        ),
        (["-o", "F", "-1", "1"], "-o records the running system: it cannot be combined with -f, -N or a day"),
        (["-o", "F"], "-o needs an interval of 1 second or more: hostward sar -o FILE interval [count]"),
        (["-o", "F", "0"], "-o needs an interval of 1 second or more: hostward sar -o FILE interval [count]"),
        (["-o", "F", "-o", "G", "1"], "give -o once"),
        (
            ["-o", "/nonexistent/dir/F", "1", "1"],
            "-o /nonexistent/dir/F: the directory /nonexistent/dir does not exist",
        ),
    ],
)
def test_bad_use_of_o_is_one_line(tmp_path: Path, argv: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hostward", "sar", *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"hostward sar: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_sadf_has_no_o() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hostward", "sadf", "-d", "-o", "F"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "sadf has no -o option" in done.stderr
