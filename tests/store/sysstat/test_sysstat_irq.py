"""sar -I from an sa file recorded by the real sadc with ``-S XALL`` while the disk and the scheduler work:
imported (A_IRQ is no longer dropped), then reported by hostward byte for byte as sar prints it, in every
locale sysstat writes, with and without -P; and -A carries the INTR section where sar -A puts it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import require_binary
from tests.report.test_parity_irq import interrupt_traffic
from tests.store.sysstat.conftest import (
    LOCALES,
    XallDay,
    assert_sars_bytes,
    locale_env,
    run_sar,
    sar_a,
    xall_import,
)

from hostward.store.sysstat import import_files

pytestmark = pytest.mark.peer

FLAGS: tuple[tuple[str, ...], ...] = (("-I",), ("-I", "SUM"), ("-I", "ALL", "-P", "ALL"), ("-I", "SUM", "-P", "1"),
                                      ("-I", "--int=LOC,RES,sum", "-P", "ALL", "-p"), ("-I", "-u", "-w"), ("-y",), ("-y", "-p"))  # fmt: skip


@pytest.fixture(scope="module")
def xall(tmp_path_factory: pytest.TempPathFactory) -> XallDay:
    return xall_import(tmp_path_factory, "xall-irq", traffic=interrupt_traffic, kept=("A_IRQ",))


@pytest.mark.parametrize("name", list(LOCALES))
def test_imported_interrupts_are_sars_bytes(xall: XallDay, name: str) -> None:
    ours = assert_sars_bytes(xall, FLAGS, name)
    assert " LOC " in ours[0] and "CPU1" in ours[2]


def test_the_section_sits_where_sar_a_puts_it(xall: XallDay) -> None:
    """-A of the imported file: INTR (with every CPU, as -A means -P ALL) after -w and before -W."""
    ours, theirs = sar_a(xall)
    headers = ("proc/s", "INTR       all      CPU0", "pswpin/s", "runq-sz", "TTY   rcvin/s", "DEV       tps")
    assert sorted(headers, key=ours.index) == sorted(headers, key=theirs.index) == list(headers)
    tty = ours[ours.rindex("\n", 0, ours.index(headers[4])) + 1 :].split("\n\n")[0]
    assert tty in theirs and tty.count("\n") == 4  # header, 3 intervals, Average
    start = ours.rindex("\n", 0, ours.index(headers[1])) + 1
    block = ours[start : ours.index("\n\n", ours.index("Average:", start))]
    assert block.count("INTR") == 4 and block in theirs  # a header before each of the 3 intervals and Average


@pytest.mark.parametrize("flags", [("-I", "SUM", "-P", "ALL"), ("-I", "--int=LOC,CAL")], ids=" ".join)
def test_sadf_p_of_the_imported_file_is_sadfs(xall: XallDay, flags: tuple[str, ...]) -> None:
    """sadf -p: interrupt name as the item, "all" and "cpuN" as the field (rndr_stats.c render_irq_stats)."""
    sa, day_file = xall.sa, xall.day_file
    sadf = require_binary("sadf")["sadf"]
    env = locale_env(LOCALES["C"])
    theirs = subprocess.run(
        [sadf, "-p", str(sa), "--", *flags], capture_output=True, text=True, check=True, env=env
    )
    ours = subprocess.run(
        [sys.executable, "-m", "hostward", "sadf", "-p", str(day_file), "--", *flags],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert ours.stdout == theirs.stdout
    assert ("\tsum\tcpu1\t" if "SUM" in flags else "\tLOC\tall\t") in ours.stdout


def test_sadf_j_and_d_serial_of_the_imported_file_are_sadfs(xall: XallDay) -> None:
    """-y in sadf -j: "serial", the port as a number ("line": 0); in sadf -d: sadf's line."""
    sa, day_file = xall.sa, xall.day_file
    sadf = require_binary("sadf")["sadf"]
    env = locale_env(LOCALES["C"])

    def run(*argv: str) -> str:
        return subprocess.run(argv, capture_output=True, text=True, check=True, env=env).stdout

    theirs = json.loads(run(sadf, "-j", str(sa), "--", "-y"))["sysstat"]["hosts"][0]["statistics"]
    ours = json.loads(run(sys.executable, "-m", "hostward", "sadf", "-j", str(day_file), "--", "-y"))
    assert [r["serial"] for r in theirs] == [r["serial"] for r in ours["sysstat"]["hosts"][0]["statistics"]]
    assert isinstance(theirs[0]["serial"][0]["line"], int)
    hostward_csv = run(sys.executable, "-m", "hostward", "sadf", "-d", str(day_file), "--", "-y")
    assert hostward_csv == run(sadf, "-d", str(sa), "--", "-y")


def test_sar_text_of_interrupts_and_serial_lines_imports_as_rows(xall: XallDay, tmp_path: Path) -> None:
    """`sar -I ALL -y` text (no -P: "INTR all", as hostward's -I shows it) is imported as rows and printed back
    as sar printed it, a header before every -I record included."""
    sa, sar = xall.sa, xall.sar
    text = run_sar(sar, ("-I", "ALL", "-y"), sa, LOCALES["C"])
    (tmp_path / "sar.txt").write_text(text)
    done = import_files([tmp_path / "sar.txt"], tmp_path / "data")
    assert done[0].kind == "sar-text" and not any("INTR" in note for note in done[0].skipped)
    day = f"{done[0].days[0]:%Y-%m-%d}"
    ours = subprocess.run(
        [
            sys.executable,
            "-m",
            "hostward",
            "sar",
            "-I",
            "ALL",
            "-y",
            "--data-dir",
            str(tmp_path / "data"),
            "--date",
            day,
        ],
        capture_output=True,
        text=True,
        check=True,
        env=locale_env(LOCALES["C"]),
    ).stdout
    assert ours == text
