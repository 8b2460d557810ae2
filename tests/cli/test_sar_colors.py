"""S_COLORS and S_COLORS_SGR: sysstat's colours, byte for byte against the real sar on an sa file recorded by
sadc (with a comment and a LINUX RESTART in it) and imported; colours only on a terminal unless "always"."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import unavailable
from tests.store.sysstat.conftest import LOCALES, available, locale_env, restart_import

from hostward.report.formatting import Colors, colors_from_environment

FLAGS: tuple[tuple[str, ...], ...] = (
    ("-u",), ("-P", "ALL"), ("-u", "ALL"), ("-q", "ALL"), ("-r", "ALL"), ("-d",), ("-d", "-p"), ("-n", "DEV"),
    ("-n", "EDEV"), ("-b",), ("-B",), ("-W",), ("-S",), ("-w",), ("-v",), ("-H",), ("-n", "SOCK,IP,TCP,UDP"),
    ("-C", "-u"), ("--dec=1", "-u", "-r"), ("--dec=0", "-d", "-q"),
)  # fmt: skip


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """Two sadc runs into one file with a comment and a LINUX RESTART record (sadc without interval) between."""
    return restart_import(tmp_path_factory.mktemp("colors"), "before the restart", "sar")


def _run(argv: list[str], env: dict[str, str]) -> bytes:
    return subprocess.run(argv, capture_output=True, check=True, env=env, timeout=120).stdout


def _pair(
    recorded: tuple[Path, Path, str], flags: tuple[str, ...], env: dict[str, str]
) -> tuple[bytes, bytes]:
    sa, day_file, sar = recorded
    ours = _run([sys.executable, "-m", "hostward", "sar", *flags, "-f", str(day_file)], env)
    return ours, _run([sar, *flags, "-f", str(sa)], env)


@pytest.mark.parametrize("name", ["C", "de_DE"])
def test_always_colours_every_report_as_sar(recorded: tuple[Path, Path, str], name: str) -> None:
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    env = {**locale_env(loc), "S_COLORS": "always"}
    for flags in FLAGS:
        ours, theirs = _pair(recorded, flags, env)
        assert ours == theirs, f"{flags}:\n{ours!r}\n--- sar:\n{theirs!r}"
    ours = _pair(recorded, ("-C", "-u"), env)[0]
    assert b"\x1b[31;22m  LINUX RESTART" in ours and b"\x1b[33;22m  COM before the restart\n\x1b[0m" in ours


def test_sgr_changes_single_colours_and_ignores_malformed_ones(recorded: tuple[Path, Path, str]) -> None:
    env = {
        **locale_env(LOCALES["C"]),
        "S_COLORS": "always",
        "S_COLORS_SGR": "H=7:I=1;4:Z=x:N=12345678:R=4;5:zz",
    }
    for flags in (("-C", "-P", "ALL"), ("-n", "DEV", "-p")):
        ours, theirs = _pair(recorded, flags, env)
        assert ours == theirs
    assert b"\x1b[1;4m" in _pair(recorded, ("-P", "ALL"), env)[0]


def test_no_colours_unless_asked_or_on_a_terminal(recorded: tuple[Path, Path, str]) -> None:
    for value in (None, "never", "auto"):
        env = locale_env(LOCALES["C"])
        if value is not None:
            env["S_COLORS"] = value
        ours, theirs = _pair(recorded, ("-u", "-d"), env)
        assert ours == theirs and b"\x1b" not in ours


def _on_a_terminal(argv: list[str], env: dict[str, str]) -> bytes:
    """stdout on a pseudo-terminal (the pty's size is 0 rows, so neither program repeats headers)."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(argv, stdout=follower, stderr=subprocess.PIPE, env=env)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the writer has gone
                break
            if not chunk:
                break
            chunks.append(chunk)
        _, err = proc.communicate(timeout=120)
        assert (proc.returncode, err) == (0, b"")
    finally:
        os.close(leader)
    return b"".join(chunks).replace(b"\r\n", b"\n")


@pytest.mark.parametrize("value", [None, "auto", "never"])
def test_a_terminal_gets_colours_by_default_and_with_auto(
    recorded: tuple[Path, Path, str], value: str | None
) -> None:
    sa, day_file, sar = recorded
    env = locale_env(LOCALES["C"])
    if value is not None:
        env["S_COLORS"] = value
    ours = _on_a_terminal([sys.executable, "-m", "hostward", "sar", "-u", "-r", "-f", str(day_file)], env)
    theirs = _on_a_terminal([sar, "-u", "-r", "-f", str(sa)], env)
    assert ours == theirs
    assert (b"\x1b[" in ours) == (value != "never")


def test_colours_from_environment() -> None:
    assert colors_from_environment({}, tty=False) is None
    assert colors_from_environment({"S_COLORS": "never"}, tty=True) is None
    assert colors_from_environment({"S_COLORS": "always"}, tty=False) == Colors()
    chosen = colors_from_environment({"S_COLORS_SGR": "M=1:C=33;1::X=1:H=1;2;3;4"}, tty=True)
    assert chosen == Colors(percent_low="\x1b[1m", comment="\x1b[33;1m")  # H= is 8 characters: too long
    assert Colors().for_value(74.99, 2, percent=True) == Colors().percent_low
    assert Colors().for_value(-0.004, 2, percent=False) == Colors().zero
    assert Colors().for_value(-0.004, 2, percent=True) == Colors().zero
    assert Colors().for_value(-3.0, 2, percent=True) == Colors().zero  # cprintf_pc has no lower bound
