"""DATA_DIR/web when the data directory cannot hold it (a file given as the data directory, a path through a
file): the web commands say so in one line, as for any bad configuration, not with a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hostward.errors import ConfigError
from hostward.web.state import web_dir


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
    done = subprocess.run(
        [sys.executable, "-m", "hostward", "web", "--data-dir", str(not_a_dir), *command],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"hostward web: cannot use {not_a_dir}/web for the dashboard's state: Not a directory"
    ]
    assert not_a_dir.read_text() == "a file\n"
