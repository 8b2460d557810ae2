"""sar -m CPU from an sa file recorded by the real sadc with ``-S XALL``: imported (A_PWR_CPU no longer
dropped), then reported by hostward byte for byte as sar prints it in every locale sysstat writes, with -A's
section in sar's place, sadf -d/-j/-p as sadf writes them, and -m FAN refused as sar refuses it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from tests.conftest import require_binary, unavailable
from tests.report.sidebyside import run_hostward
from tests.store.sysstat.conftest import LOCALES, available, locale_env, run_hostward_sar, run_sar

from hostward.store.sysstat import import_files

pytestmark = pytest.mark.peer

FLAGS: tuple[tuple[str, ...], ...] = (("-m", "CPU"), ("-m", "CPU", "-P", "ALL"), ("-m", "ALL", "-P", "1"),
                                      ("-m", "CPU", "-u", "-P", "0,all"), ("-m", "CPU,FAN,TEMP"))  # fmt: skip


@pytest.fixture(scope="module")
def xall(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    found = require_binary("sadc", "sar")
    work = tmp_path_factory.mktemp("xall-power")
    sa = work / "sa"
    subprocess.run([found["sadc"], "-S", "XALL", "1", "4", str(sa)], check=True, env=locale_env(LOCALES["C"]))
    done = import_files([sa], work / "data")
    assert done[0].kind == "sa" and done[0].added == 4
    assert not any("A_PWR_CPU" in note for note in done[0].skipped), done[0].skipped
    return sa, work / "data" / f"hw{done[0].days[0]:%Y%m%d}", found["sar"]


@pytest.mark.parametrize("name", list(LOCALES))
def test_imported_cpu_frequencies_are_sars_bytes(xall: tuple[Path, Path, str], name: str) -> None:
    sa, day_file, sar = xall
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    ours = run_hostward_sar(FLAGS, day_file, loc)
    for flags, text in zip(FLAGS, ours, strict=True):
        theirs = run_sar(sar, flags, sa, loc)
        assert text == theirs, f"sar {' '.join(flags)} in {name}:\n{text}\n--- sar:\n{theirs}"
    assert "MHz" in ours[0] and len(ours[1].splitlines()) > len(ours[0].splitlines())


def test_section_sits_where_sar_a_puts_it(xall: tuple[Path, Path, str]) -> None:
    """-A of the imported file: -m CPU after -n SOFT (the network reports) and before -F, as sar prints it."""
    sa, day_file, sar = xall
    ours = run_hostward_sar((("-A",),), day_file, LOCALES["C"])[0]
    theirs = run_sar(sar, ("-A",), sa, LOCALES["C"])
    headers = ("total/s", "MHz", "MBfsfree", "%scpu-10")
    assert sorted(headers, key=ours.index) == sorted(headers, key=theirs.index) == list(headers)
    blocks = [block for block in ours.split("\n\n") if "MHz" in block]
    assert len(blocks) == 1 and blocks[0] in theirs
    assert blocks[0].count(" all ") == 4  # the three intervals and Average, every CPU with -A's -P ALL
    assert ours == theirs


@pytest.mark.parametrize("mode", ["-d", "-j", "-p"])
def test_imported_sadf_output_is_sadfs(xall: tuple[Path, Path, str], mode: str) -> None:
    sa, day_file, _ = xall
    env = locale_env(LOCALES["C"])
    for report in (["-m", "CPU"], ["-m", "CPU", "-P", "ALL"], ["-m", "ALL", "-P", "1"]):
        theirs = subprocess.run(
            ["sadf", mode, str(sa), "--", *report], capture_output=True, text=True, check=True, env=env
        ).stdout
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


def test_other_power_reports_alone_are_not_available_as_in_sar(xall: tuple[Path, Path, str]) -> None:
    sa, day_file, sar = xall
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
