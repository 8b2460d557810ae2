from __future__ import annotations

from pathlib import Path

import pytest

from hostward.config import ProtectRule, load_config
from hostward.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hostward.toml"
    path.write_text(text)
    return path


def test_defaults_when_no_file(tmp_path: Path) -> None:
    config = load_config(environ={"XDG_CONFIG_HOME": str(tmp_path)} | {"HOME": str(tmp_path)}, path=None)
    assert config.record.interval_seconds == 10.0
    assert config.record.retention_days == 28
    assert config.oom.protect == ()


def test_file_values_and_env_override(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[record]
interval_seconds = 5
data_dir = "/srv/hw"
retention_days = 7

[[oom.protect]]
name = "sshd"
comm = "sshd"
oom_score_adj = -1000
""",
    )
    config = load_config(path, environ={"HOSTWARD_RECORD_RETENTION_DAYS": "3"})
    assert config.record.interval_seconds == 5.0
    assert config.record.data_dir == Path("/srv/hw")
    assert config.record.retention_days == 3  # environment beats the file
    assert config.oom.protect == (ProtectRule(name="sshd", comm="sshd", oom_score_adj=-1000),)
    assert config.source == path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[record]\ninterval_seconds = 'fast'\n", "record.interval_seconds"),
        ("[record]\nbogus = 1\n", "unknown key(s) in [record]: bogus"),
        ("[nonsense]\n", "unknown section(s): nonsense"),
        ("[record\n", "hostward.toml"),
        ("[[oom.protect]]\nname = 'x'\n", "oom.protect"),
        ("[[oom.protect]]\nname = 'x'\noom_score_adj = 1\ncolour = 'red'\n", "colour"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(
        ConfigError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")
    ):
        load_config(write(tmp_path, text), environ={})


def test_bad_environment_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="HOSTWARD_RECORD_TOP_PROCESSES"):
        load_config(write(tmp_path, ""), environ={"HOSTWARD_RECORD_TOP_PROCESSES": "ten"})


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.toml", environ={})


def test_example_file_documents_the_guard_and_ntp_defaults() -> None:
    from hostward.config import GuardConfig, NtpConfig

    example = Path(__file__).parent.parent / "packaging" / "hostward.toml.example"
    config = load_config(example, environ={})
    assert config.guard == GuardConfig()
    assert config.ntp == NtpConfig()
