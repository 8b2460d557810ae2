"""``sar -h`` / ``--human``: unit letters on sizes, "%" on percentages, the pretty layout; byte for byte against
the real sar on an sa file recorded by sadc -S XALL and imported, in every locale, with --dec and S_COLORS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import require_binary, unavailable
from tests.store.sysstat.conftest import LOCALES, available, locale_env, run_hostward_sar, run_sar

from hostward.cli.sar_args import parse_sar_args
from hostward.report.human import size_text
from hostward.store.sysstat import import_files

FLAGS: tuple[tuple[str, ...], ...] = (
    ("-h", "-u"), ("-h", "-P", "ALL"), ("-h", "-u", "ALL"), ("-h", "-r", "ALL"), ("-h", "-S"), ("-h", "-H"),
    ("-h", "-d"), ("-h", "-n", "DEV,EDEV"), ("-h", "-q", "ALL"), ("-h", "-B"), ("-h", "-b", "-W", "-w", "-v"),
    ("-h", "-n", "SOCK,IP,EIP,TCP,ETCP,UDP,SOCK6"), ("--human", "-r"), ("--human", "--pretty", "-d"),
    ("-h", "--dec=0", "-r", "-d", "-u"), ("-h", "--dec=1", "-S", "-n", "DEV"), ("-h", "--dec=2", "-r"),
)  # fmt: skip


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    found = require_binary("sadc", "sar")
    work = tmp_path_factory.mktemp("human")
    sa = work / "sa"
    subprocess.run([found["sadc"], "-S", "XALL", "1", "4", str(sa)], check=True, env=locale_env(LOCALES["C"]))
    done = import_files([sa], work / "data")
    return sa, work / "data" / f"hw{done[0].days[0]:%Y%m%d}", found["sar"]


@pytest.mark.parametrize("name", list(LOCALES))
def test_human_is_sars_bytes(imported: tuple[Path, Path, str], name: str) -> None:
    sa, day_file, sar = imported
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    ours = run_hostward_sar(FLAGS, day_file, loc)
    for flags, text in zip(FLAGS, ours, strict=True):
        theirs = run_sar(sar, flags, sa, loc)
        assert text == theirs, f"sar {' '.join(flags)} in {name}:\n{text}\n--- sar:\n{theirs}"
    assert "G " in ours[3] or "M " in ours[3]  # memory in GiB/MiB: the scaling ran
    assert "%" in ours[0].splitlines()[3]


def test_human_with_colours_is_sars_bytes(imported: tuple[Path, Path, str]) -> None:
    """The colour's end comes between the number and its unit letter (common.c cprintf_unit)."""
    sa, day_file, sar = imported
    env = {**locale_env(LOCALES["C"]), "S_COLORS": "always"}
    for flags in (("-h", "-r", "-d", "-n", "DEV"), ("-h", "-P", "ALL", "-S")):
        argv = [*flags, "-f"]
        theirs = subprocess.run([sar, *argv, str(sa)], capture_output=True, check=True, env=env).stdout
        ours = subprocess.run(
            [sys.executable, "-m", "hostward", "sar", *argv, str(day_file)],
            capture_output=True,
            check=True,
            env=env,
        ).stdout
        assert ours == theirs
        assert b"\x1b[0mk" in ours or b"\x1b[0mM" in ours or b"\x1b[0mG" in ours


def test_scaling_and_options() -> None:
    assert size_text(1023.0, 2, None) == ("   1023.0", "k")
    assert size_text(1024.0, 2, None) == ("      1.0", "M")
    assert size_text(3 * 1024.0**3, 2, 0) == ("        3", "T")
    assert size_text(2.0**70, 2, None)[1] == "?"  # past P: sysstat's last letter
    args = parse_sar_args(["-hd"])
    assert args.human and args.pretty and args.flags == {"disk"}
    assert parse_sar_args(["--human"]).human and not parse_sar_args(["--human"]).pretty
