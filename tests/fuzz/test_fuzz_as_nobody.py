"""An unprivileged user whose HOME still points at root's home (``sudo -u nobody`` without -H), or who names a
configuration file only root may read: one line and exit 2, not a PermissionError traceback.

The project's virtualenv interpreter lives under /root here, out of nobody's reach, so the command runs with
the system Python 3.11 on this checkout's ``src`` (the commands below need nothing outside the standard library
before they refuse)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import require_binary, require_root, unavailable

import hostward

SRC = Path(hostward.__file__).resolve().parents[1]
NOBODY = 65534


def _as_nobody(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    require_root()
    setpriv = require_binary("setpriv")["setpriv"]
    python = Path("/usr/bin/python3.11")
    if not python.exists():
        unavailable("/usr/bin/python3.11 (a Python nobody can run) is not installed")
    if not os.access(SRC, os.R_OK) or (SRC.stat().st_mode & 0o005) != 0o005:
        unavailable(f"{SRC} is not readable by other users")
    code = f"from hostward.cli import main; raise SystemExit(main({argv!r}))"
    return subprocess.run(
        [setpriv, "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups",
         str(python), "-c", code],
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", **env},
        capture_output=True, text=True, timeout=60, check=False, cwd="/",
    )  # fmt: skip


@pytest.mark.root
@pytest.mark.parametrize("argv", [["sar"], ["oom", "report", "/nonexistent"], ["record", "--count", "1"]])
def test_home_pointing_at_roots_home_is_one_line(argv: list[str]) -> None:
    if not Path("/root").exists() or (Path("/root").stat().st_mode & 0o001):
        unavailable("/root is searchable by others here")
    done = _as_nobody(argv, {"HOME": "/root"})
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert "cannot read /root/.config/hostward/hostward.toml: Permission denied" in done.stderr


@pytest.mark.root
def test_a_configuration_file_only_root_may_read_is_one_line(tmp_path: Path) -> None:
    secret = tmp_path / "hostward.toml"
    secret.write_text("[record]\ninterval_seconds = 10\n")
    secret.chmod(0o600)
    tmp_path.chmod(0o755)
    done = _as_nobody(["sar"], {"HOME": "/nonexistent", "HOSTWARD_CONFIG": str(secret)})
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"hostward sar: cannot read {secret}: Permission denied\n", done.stderr


def test_the_interpreter_is_the_one_this_suite_runs() -> None:
    assert sys.version_info[:2] == (3, 11)
