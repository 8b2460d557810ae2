"""Configuration files and hook programs others could edit are refused (docs/security.md, "Configuration and
hooks"): as root every configuration file, otherwise one that names hooks; hook programs always."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import require_binary, require_root

from hostward.config import load_config
from hostward.errors import ConfigError
from hostward.oom.guard.hooks import Hooks

NOBODY = 65534
HOOKED = '[guard]\nhook_after = "logger -t hostward oom"\n'


@pytest.fixture
def conf_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "etc"
    directory.mkdir(mode=0o755)
    return directory


def _write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_private_config_loads(conf_dir: Path) -> None:
    config = load_config(_write(conf_dir / "hw.toml", HOOKED), environ={})
    assert config.guard.hook_after == "logger -t hostward oom"


@pytest.mark.parametrize("mode", [0o664, 0o646])
def test_writable_config_file_is_refused_as_root(conf_dir: Path, mode: int) -> None:
    require_root()
    path = _write(conf_dir / "hw.toml", "[record]\n", mode)
    with pytest.raises(ConfigError, match=f"refusing configuration file {path}: it is writable by"):
        load_config(path, environ={})


def test_config_in_a_world_writable_directory_is_refused_as_root(conf_dir: Path) -> None:
    require_root()
    conf_dir.chmod(0o777)
    path = _write(conf_dir / "hw.toml", "[record]\n")
    with pytest.raises(ConfigError, match=f"its parent {conf_dir} is writable by group and others"):
        load_config(path, environ={})


def test_config_owned_by_another_user_is_refused_as_root(conf_dir: Path) -> None:
    require_root()
    path = _write(conf_dir / "hw.toml", "[record]\n")
    os.chown(path, NOBODY, -1)
    with pytest.raises(ConfigError, match=f"owned by uid {NOBODY}"):
        load_config(path, environ={})


def test_dev_null_is_an_empty_config(conf_dir: Path) -> None:
    assert load_config(Path(os.devnull), environ={}).source == Path(os.devnull)


def _load_as_nobody(path: Path) -> subprocess.CompletedProcess[str]:
    setpriv = require_binary("setpriv")["setpriv"]
    code = "import sys; from hostward.config import load_config; load_config(__import__('pathlib').Path(sys.argv[1]))"
    return subprocess.run(
        [
            setpriv,
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            sys.executable,
            "-c",
            code,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            "PATH": os.defpath,
            "PYTHONPATH": str(Path(__file__).parents[2] / "src"),
            "HOME": "/nonexistent",
        },
    )


def test_a_user_may_keep_a_group_writable_config_without_hooks_but_not_with_hooks(public_tmp: Path) -> None:
    """Not root: only a file that names hooks is held to the rule (someone else editing it runs commands as us)."""
    require_root()  # to make the files nobody's
    home = public_tmp / "home"
    home.mkdir(mode=0o755)
    os.chown(home, NOBODY, NOBODY)
    plain = _write(home / "plain.toml", "[record]\n", 0o664)
    hooked = _write(home / "hooked.toml", HOOKED, 0o664)
    for path in (plain, hooked):
        os.chown(path, NOBODY, NOBODY)
    assert _load_as_nobody(plain).returncode == 0, _load_as_nobody(plain).stderr
    refused = _load_as_nobody(hooked)
    assert refused.returncode != 0 and "refusing configuration file" in refused.stderr
    hooked.chmod(0o644)
    assert _load_as_nobody(hooked).returncode == 0


def _hook(directory: Path, mode: int = 0o755) -> Path:
    script = directory / "notify"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(mode)
    return script


def test_private_hook_program_is_accepted(conf_dir: Path) -> None:
    assert Hooks(after=f"{_hook(conf_dir)} --quiet").after


def test_group_writable_hook_program_is_refused(conf_dir: Path) -> None:
    script = _hook(conf_dir, 0o775)
    with pytest.raises(
        ConfigError, match=f"refusing after-kill hook program {script}: it is writable by its group"
    ):
        Hooks(after=str(script))


def test_hook_in_a_world_writable_directory_is_refused(conf_dir: Path) -> None:
    script = _hook(conf_dir)
    conf_dir.chmod(0o777)
    with pytest.raises(ConfigError, match=f"its parent {conf_dir} is writable"):
        Hooks(before=str(script))


def test_hook_found_on_path_is_checked_where_it_lives(conf_dir: Path) -> None:
    _hook(conf_dir, 0o757)
    with pytest.raises(ConfigError, match="writable by others"):
        Hooks(before="notify", base_env={"PATH": str(conf_dir)})


def test_missing_hook_program_is_refused_at_start() -> None:
    with pytest.raises(ConfigError, match="before-kill hook program 'no-such-hook-program' is not found"):
        Hooks(before="no-such-hook-program --now")


def test_guard_cli_refuses_an_unsafe_hook_in_one_line(conf_dir: Path) -> None:
    script = _hook(conf_dir, 0o777)
    proc = subprocess.run(
        [sys.executable, "-m", "hostward", "oom", "guard", "--dry-run", "--hook-after", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "HOSTWARD_CONFIG": os.devnull},
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "refusing after-kill hook program" in proc.stderr
