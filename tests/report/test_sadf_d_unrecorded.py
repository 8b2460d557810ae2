"""sadf -d/-p/-j -- -A and -n ALL on a file recorded without some activities (no Fibre Channel adapters here):
sysstat leaves them out entirely, so hostward writes no empty block (sadf -d's lone header line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import require_binary
from tests.report.test_sadf_x import ours, theirs
from tests.store.sysstat.conftest import LOCALES, XallDay, locale_env, xall_import

REPORTS = (("-A",), ("-n", "ALL"), ("-n", "ALL", "-u"))


@pytest.fixture(scope="module")
def xall(tmp_path_factory: pytest.TempPathFactory) -> tuple[XallDay, str]:
    sadf = require_binary("sadf")["sadf"]
    return xall_import(tmp_path_factory, "sadf_d_unrecorded"), sadf


def _fc_adapters() -> bool:
    return any(Path("/sys/class/fc_host").glob("host*"))


@pytest.mark.parametrize("mode", ["-d", "-p"])
def test_activities_the_file_lacks_are_left_out(xall: tuple[XallDay, str], mode: str) -> None:
    day, sadf = xall
    env = locale_env(LOCALES["C"])
    got = ours([[mode, str(day.day_file), "--", *r] for r in REPORTS], env)
    for report, text in zip(REPORTS, got, strict=True):
        expected = theirs(sadf, [mode, str(day.sa), "--", *report], env)
        assert text == expected, f"sadf {mode} -- {report}:\n{text[-3000:]}\n--- sadf:\n{expected[-3000:]}"
    if not _fc_adapters():
        assert all("FCHOST" not in text for text in got)


def test_json_holds_the_same_activities(xall: tuple[XallDay, str]) -> None:
    day, sadf = xall
    env = locale_env(LOCALES["C"])
    (got,) = ours([["-j", str(day.day_file), "--", "-A"]], env)
    expected = theirs(sadf, ["-j", str(day.sa), "--", "-A"], env)
    ours_stats = json.loads(got)["sysstat"]["hosts"][0]["statistics"]
    their_stats = json.loads(expected)["sysstat"]["hosts"][0]["statistics"]
    assert [sorted(s) for s in ours_stats] == [sorted(s) for s in their_stats]
    assert [sorted(s.get("network", {})) for s in ours_stats] == [
        sorted(s.get("network", {})) for s in their_stats
    ]
