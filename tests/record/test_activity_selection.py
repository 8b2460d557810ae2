"""[record] activities: sadc's -S keywords choose the optional groups recorded; a bad word stops start-up with one
line; a real recording holds exactly the chosen groups."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hostward.collect.fchost import fc_hosts
from hostward.collect.sample import SystemSample
from hostward.config import RecordConfig, load_config
from hostward.errors import ConfigError
from hostward.recorder import Recorder
from hostward.recorder.selection import ALL_GROUPS, BASE, DEFAULT, groups_for
from hostward.store import read_file
from hostward.store.shape import OPTIONAL_GROUPS, OPTIONAL_LISTS


def test_every_group_is_an_optional_group_of_the_store() -> None:
    # interrupts (sar -I) and serial lines (sar -y) are SystemSample fields of their own: names or port numbers
    # in the shape, counts at the vector's end
    assert set(ALL_GROUPS) <= {
        *OPTIONAL_GROUPS,
        "interrupts",
        "serial",
        "softnet",
        *OPTIONAL_LISTS,
    }  # softnet: sar -n SOFT, per CPU too; OPTIONAL_LISTS: sar -F
    assert "interrupts" in groups_for(("INT",)) and "interrupts" not in groups_for(DEFAULT)
    assert groups_for(("XALL",)) == ALL_GROUPS
    # sadc's default set, always recorded, and -n FC (A_NET_FC is in sadc's G_DISK)
    assert groups_for(("DISK",)) == BASE | {"fchosts"}
    assert "fchosts" in groups_for(DEFAULT) and "fchosts" not in groups_for(("SNMP",))
    assert BASE < groups_for(DEFAULT) <= groups_for(("ALL",)) <= ALL_GROUPS
    assert "snmp" in groups_for(("SNMP",)) and "snmp" not in groups_for(("IPV6",))
    assert "snmp6" in groups_for(("IPV6",)) and "snmp6" not in groups_for(("SNMP",))
    assert "filesystems" in groups_for(("XDISK",)) and "filesystems" not in groups_for(("ALL",))  # sadc's
    assert "cpufreq" in groups_for(("POWER",)) and "cpufreq" in groups_for(("ALL",))  # sar -m CPU
    assert "cpufreq" not in groups_for(DEFAULT)


def test_config_file_environment_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "hostward.toml"
    path.write_text('[record]\nactivities = ["SNMP", "XALL", "SNMP"]\n')
    assert load_config(path, environ={}).record.activities == ("SNMP", "XALL")
    env = {"HOSTWARD_RECORD_ACTIVITIES": "DISK,IPV6"}
    assert load_config(path, environ=env).record.activities == ("DISK", "IPV6")
    assert load_config(None, environ={}).record.activities == DEFAULT
    for bad in ('["snmp"]', '["TCP"]', "[]", '"SNMP"', "[1]"):
        path.write_text(f"[record]\nactivities = {bad}\n")
        with pytest.raises(ConfigError, match=r"record\.activities") as caught:
            load_config(path, environ={})
        assert "\n" not in str(caught.value)


def _recorded(tmp_path: Path, activities: tuple[str, ...]) -> list[SystemSample]:
    config = RecordConfig(interval_seconds=0.05, data_dir=tmp_path, top_processes=0, activities=activities)
    Recorder(config, housekeeping=False).run(count=2)
    (day,) = [p for p in tmp_path.iterdir() if p.name.startswith("hw")]
    return [e for e in read_file(day).entries if isinstance(e, SystemSample)]


def test_a_recording_holds_the_chosen_groups_only(tmp_path: Path) -> None:
    base = _recorded(tmp_path / "base", ("DISK",))
    assert base and all(s.ktables is not None and s.sockets is not None for s in base)
    assert all(
        s.snmp is None
        and s.sockets6 is None
        and s.snmp6 is None
        and s.interrupts is None
        and s.filesystems is None
        and s.cpufreq is None
        for s in base
    )
    full = _recorded(tmp_path / "full", ("XALL",))
    # Fibre Channel: nothing to record on a host without adapters (these machines), as sadc leaves A_NET_FC out
    present = ALL_GROUPS if fc_hosts() else ALL_GROUPS - {"fchosts"}
    assert full and all(getattr(s, group) is not None for s in full for group in present)
    assert fc_hosts() or all(s.fchosts is None for s in full)


def _hostward(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hostward", *argv], capture_output=True, text=True, timeout=60, check=False
    )


def test_sar_and_sadf_say_when_the_recording_lacks_what_is_asked(tmp_path: Path) -> None:
    recorded = _hostward(
        "record", "-S", "DISK", "-i", "1", "-c", "2", "-d", str(tmp_path), "--no-housekeeping"
    )
    assert recorded.returncode == 0, recorded.stderr
    (day,) = [str(p) for p in tmp_path.iterdir() if p.name.startswith("hw")]
    for argv in (
        ("sar", "-n", "TCP", "-f", day),
        ("sadf", "-j", day, "--", "-n", "TCP"),
        ("sar", "-F", "-f", day),
        ("sar", "-m", "CPU", "-f", day),
    ):
        result = _hostward(*argv)
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and "not in this recording" in result.stderr
    # With another report that is there, sar prints it and says nothing of the missing one (as sar does).
    both = _hostward("sar", "-n", "TCP", "-u", "-f", day)
    assert both.returncode == 0 and "%user" in both.stdout and "active/s" not in both.stdout
    assert _hostward("record", "-S", "TCP", "-c", "1", "-d", str(tmp_path)).returncode == 2
