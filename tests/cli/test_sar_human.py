"""``sar -h`` / ``--human``: unit letters on sizes, "%" on percentages, the pretty layout; byte for byte against
the real sar on an sa file recorded by sadc -S XALL and imported, in every locale, with --dec and S_COLORS."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tests.store.sysstat.conftest import LOCALES, XallDay, assert_sars_bytes, locale_env, xall_import

from hostward.cli.sar_args import parse_sar_args
from hostward.report.human import size_text

FLAGS: tuple[tuple[str, ...], ...] = (
    ("-h", "-u"), ("-h", "-P", "ALL"), ("-h", "-u", "ALL"), ("-h", "-r", "ALL"), ("-h", "-S"), ("-h", "-H"),
    ("-h", "-d"), ("-h", "-n", "DEV,EDEV"), ("-h", "-q", "ALL"), ("-h", "-B"), ("-h", "-b", "-W", "-w", "-v"),
    ("-h", "-n", "SOCK,IP,EIP,TCP,ETCP,UDP,SOCK6"), ("--human", "-r"), ("--human", "--pretty", "-d"),
    ("-h", "--dec=0", "-r", "-d", "-u"), ("-h", "--dec=1", "-S", "-n", "DEV"), ("-h", "--dec=2", "-r"),
)  # fmt: skip


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> XallDay:
    return xall_import(tmp_path_factory, "human")


@pytest.mark.parametrize("name", list(LOCALES))
def test_human_is_sars_bytes(imported: XallDay, name: str) -> None:
    ours = assert_sars_bytes(imported, FLAGS, name)
    assert "G " in ours[3] or "M " in ours[3]  # memory in GiB/MiB: the scaling ran
    assert "%" in ours[0].splitlines()[3]


def test_human_with_colours_is_sars_bytes(imported: XallDay) -> None:
    """The colour's end comes between the number and its unit letter (common.c cprintf_unit)."""
    sa, day_file, sar = imported.sa, imported.day_file, imported.sar
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
