"""sar -m CPU from an sa file recorded by the real sadc with ``-S XALL``: imported (A_PWR_CPU no longer
dropped), then reported by hostward byte for byte as sar prints it in every locale sysstat writes, with -A's
section in sar's place, sadf -d/-j/-p as sadf writes them, and -m FAN refused as sar refuses it."""

from __future__ import annotations

import json
import subprocess

import pytest
from tests.report.sidebyside import run_hostward, run_sadf
from tests.store.sysstat.conftest import LOCALES, XallDay, assert_sars_bytes, locale_env, sar_a, xall_import

pytestmark = pytest.mark.peer

FLAGS: tuple[tuple[str, ...], ...] = (("-m", "CPU"), ("-m", "CPU", "-P", "ALL"), ("-m", "ALL", "-P", "1"),
                                      ("-m", "CPU", "-u", "-P", "0,all"), ("-m", "CPU,FAN,TEMP"))  # fmt: skip


@pytest.fixture(scope="module")
def xall(tmp_path_factory: pytest.TempPathFactory) -> XallDay:
    return xall_import(tmp_path_factory, "xall-power", kept=("A_PWR_CPU",))


@pytest.mark.parametrize("name", list(LOCALES))
def test_imported_cpu_frequencies_are_sars_bytes(xall: XallDay, name: str) -> None:
    ours = assert_sars_bytes(xall, FLAGS, name)
    assert "MHz" in ours[0] and len(ours[1].splitlines()) > len(ours[0].splitlines())


def test_section_sits_where_sar_a_puts_it(xall: XallDay) -> None:
    """-A of the imported file: -m CPU after -n SOFT (the network reports) and before -F, as sar prints it."""
    ours, theirs = sar_a(xall)
    headers = ("total/s", "MHz", "MBfsfree", "%scpu-10")
    assert sorted(headers, key=ours.index) == sorted(headers, key=theirs.index) == list(headers)
    blocks = [block for block in ours.split("\n\n") if "MHz" in block]
    assert len(blocks) == 1 and blocks[0] in theirs
    assert blocks[0].count(" all ") == 4  # the three intervals and Average, every CPU with -A's -P ALL
    assert ours == theirs


@pytest.mark.parametrize("mode", ["-d", "-j", "-p"])
def test_imported_sadf_output_is_sadfs(xall: XallDay, mode: str) -> None:
    sa, day_file = xall.sa, xall.day_file
    env = locale_env(LOCALES["C"])
    for report in (["-m", "CPU"], ["-m", "CPU", "-P", "ALL"], ["-m", "ALL", "-P", "1"]):
        theirs = run_sadf([mode], sa, report, env)
        ours = run_hostward("sadf", [mode, str(day_file), "--", *report], env=env)
        assert ours.returncode == 0, ours.stderr
        if mode == "-j":
            stats_t = json.loads(theirs)["sysstat"]["hosts"][0]["statistics"]
            stats_o = json.loads(ours.stdout)["sysstat"]["hosts"][0]["statistics"]
            assert [s["power-management"] for s in stats_o] == [s["power-management"] for s in stats_t], (
                report
            )
        else:
            assert ours.stdout == theirs, report


def test_other_power_reports_alone_are_not_available_as_in_sar(xall: XallDay) -> None:
    sa, day_file, sar = xall.sa, xall.day_file, xall.sar
    env = locale_env(LOCALES["C"])
    theirs = subprocess.run([sar, "-m", "FAN", "-f", str(sa)], capture_output=True, text=True, env=env)
    assert (theirs.returncode, theirs.stdout) == (1, "")
    assert theirs.stderr.startswith("Requested activities not available in file")
    ours = run_hostward("sar", ["-m", "FAN,TEMP", "-f", str(day_file)], env=env)
    assert (ours.returncode, ours.stdout) == (1, "")
    assert ours.stderr == (
        "hostward sar: -m FAN,TEMP: nothing to report: hostward recordings hold no fan speeds, temperatures"
        " (only -m CPU is recorded)\n"
    )
    theirs = subprocess.run(
        ["sadf", "-d", str(sa), "--", "-m", "USB"], capture_output=True, text=True, env=env
    )
    assert (theirs.returncode, theirs.stdout) == (1, "")
    ours = run_hostward("sadf", ["-d", str(day_file), "--", "-m", "USB"], env=env)
    assert (ours.returncode, ours.stdout) == (1, "")
    assert ours.stderr == (
        "hostward sadf: -m USB: nothing to report: hostward recordings hold no USB devices (only -m CPU is recorded)\n"
    )
