from __future__ import annotations

import subprocess
import sys

from hostward import __version__
from hostward.cli import COMMANDS, main


def test_help_lists_every_command(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert f"  {name}" in out


def test_unknown_command_is_one_line_and_exit_2(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err == "hostward: unknown command 'frobnicate' (try 'hostward --help')\n"


def test_version_via_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hostward", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout == f"hostward {__version__}\n"
