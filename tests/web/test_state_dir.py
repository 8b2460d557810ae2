"""DATA_DIR/web when the data directory cannot hold it (a file given as the data directory, a path through a
file): the web commands say so in one line, as for any bad configuration, not with a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hostward.errors import ConfigError
from hostward.web.accounts import Accounts
from hostward.web.state import web_dir


def _web(data_dir: Path, command: list[str]) -> tuple[int, list[str]]:
    """``hostward web --data-dir DATA_DIR COMMAND``: its exit code and standard error's lines."""
    done = subprocess.run(
        [sys.executable, "-m", "hostward", "web", "--data-dir", str(data_dir), *command],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return done.returncode, done.stderr.splitlines()


def test_a_file_as_the_data_directory_is_a_config_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("a file\n")
    with pytest.raises(ConfigError, match=r"cannot use .*/data/web for the dashboard's state: Not a dir"):
        web_dir(not_a_dir)
    with pytest.raises(ConfigError, match="Not a directory"):
        web_dir(not_a_dir / "below")


@pytest.mark.parametrize("command", [["user", "list"], ["serve"]])
def test_web_commands_say_it_in_one_line(tmp_path: Path, command: list[str]) -> None:
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("a file\n")
    assert _web(not_a_dir, command) == (
        2,
        [f"hostward web: cannot use {not_a_dir}/web for the dashboard's state: Not a directory"],
    )
    assert not_a_dir.read_text() == "a file\n"


def _in_web_dir(tmp_path: Path) -> Path:
    web = tmp_path / "data" / "web"
    web.mkdir(parents=True, mode=0o700)
    return web / "accounts.db"


def test_a_damaged_database_is_named_in_one_line(tmp_path: Path) -> None:
    db = _in_web_dir(tmp_path)
    db.write_bytes(b"not sqlite at all\n" * 300)
    with pytest.raises(
        ConfigError, match=r"accounts\.db: file is not a database \(the dashboard's database\)"
    ):
        Accounts(db).count()
    assert _web(tmp_path / "data", ["user", "list"]) == (
        2,
        [f"hostward web: {db}: file is not a database (the dashboard's database)"],
    )


@pytest.mark.parametrize("kind", ["symlink", "dangling symlink", "directory"])
def test_a_database_path_that_is_not_a_file_is_refused(tmp_path: Path, kind: str) -> None:
    """sqlite follows a link (and would write its schema and journal where it points): refused, not opened."""
    db = _in_web_dir(tmp_path)
    target = tmp_path / "elsewhere.db"
    if kind == "directory":
        db.mkdir()
    else:
        if kind == "symlink":
            target.write_bytes(b"")
        db.symlink_to(target)
    with pytest.raises(ConfigError, match="is not a regular file"):
        Accounts(db).count()
    assert not target.exists() or target.read_bytes() == b""  # nothing written through the link
    code, lines = _web(tmp_path / "data", ["user", "list"])
    assert code == 2 and lines == [
        f"hostward web: {db} is not a regular file (a symlink is not accepted): move it away"
    ]
