"""The shipped systemd unit and configuration example are consistent with the recorder."""

from __future__ import annotations

import configparser
from pathlib import Path

from hostward.cli.record import build_parser
from hostward.config import RecordConfig, load_config

ROOT = Path(__file__).parent.parent.parent


def test_systemd_unit_runs_the_recorder_as_a_restarting_service() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "packaging" / "systemd" / "hostward-record.service")
    service = unit["Service"]
    assert service["Type"] == "simple"
    assert service["ExecStart"].split()[1:] == ["record"]
    assert service["Restart"] == "on-failure"
    assert service["ExecReload"].endswith("-HUP $MAINPID")
    # A transient unprivileged user: systemd makes /var/lib/hostward (StateDirectory) writable for it, and the
    # XDG defaults of a non-root hostward are pointed at /etc/hostward and /var/lib/hostward.
    assert service["DynamicUser"] == "yes" and service["StateDirectory"] == "hostward"
    assert service["Environment"].split() == ["XDG_CONFIG_HOME=/etc", "XDG_DATA_HOME=/var/lib"]
    assert "PrivateNetwork" not in service  # it would hide the host's interfaces from /proc/net/dev
    # With [ntp] servers configured the recorder sends UDP queries (recorder/timehealth.py): not AF_UNIX only.
    assert {"AF_INET", "AF_INET6"} <= set(service["RestrictAddressFamilies"].split())
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_example_configuration_is_valid_and_documents_the_defaults() -> None:
    config = load_config(ROOT / "packaging" / "hostward.toml.example", environ={}).record
    defaults = RecordConfig()
    assert (
        config.interval_seconds,
        config.retention_days,
        config.compress_after_days,
        config.top_processes,
    ) == (
        defaults.interval_seconds,
        defaults.retention_days,
        defaults.compress_after_days,
        defaults.top_processes,
    )
    assert config.data_dir == Path("/var/lib/hostward")


def test_every_record_setting_has_a_flag() -> None:
    flags = {option for action in build_parser()._actions for option in action.option_strings}
    for setting in (
        "--interval",
        "--data-dir",
        "--retention-days",
        "--compress-after-days",
        "--count",
        "--comment",
    ):
        assert setting in flags
