"""The host fields of a recording (an imported sa file's node name, release, machine are whatever its writer put
there) are shown as inert text: sar's first line, sadf -d/-p's host column and sadf -j's host fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.plot.conftest import HOST, day_entries
from tests.plot.test_plot_cli import DAY

from hostward.cli import main
from hostward.collect.sample import SystemSample
from hostward.frozen import replace
from hostward.store import DataFileWriter, day_path

NODENAME = "db\x1b]0;owned\x07\u009b\u202e1"
SHOWN = "db\\e]0;owned\\x07"


@pytest.fixture
def day_file(tmp_path: Path) -> Path:
    path = day_path(tmp_path, DAY)
    host = replace(HOST, nodename=NODENAME, release="6.1\x1b[2J", machine="x86\x07")
    with DataFileWriter.open(path, DAY, host) as writer:
        for entry in day_entries():
            if isinstance(entry, SystemSample):
                writer.write_sample(entry)
    return path


@pytest.mark.parametrize(
    "argv",
    [["sar", "-u", "-f"], ["sadf", "-d"], ["sadf", "-p"], ["sadf", "-j"], ["sadf", "-x"]],
    ids=["sar", "sadf-d", "sadf-p", "sadf-j", "sadf-x"],
)
def test_host_fields_are_escaped(day_file: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    tail = [str(day_file)] if argv[0] == "sar" else [str(day_file), "--", "-u"]
    assert main([*argv, *tail]) == 0
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x07\u009b\u202e"), repr(out[:300])
    if argv[1] == "-j":  # JSON doubles the backslashes of the escapes: read it back
        host = json.loads(out)["sysstat"]["hosts"][0]
        assert host["nodename"].startswith(SHOWN) and host["machine"] == "x86\\x07"
    else:
        assert SHOWN in out
