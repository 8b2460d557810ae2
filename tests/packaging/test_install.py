"""scripts/install and scripts/uninstall for real on this host (root): the units verify, the man pages and
completion are where man and bash look, /usr/bin/hostward runs, and uninstall leaves nothing of its own behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.conftest import require_binary, require_root

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "packaging" / "systemd"


def _run(*argv: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.slow
def test_install_then_uninstall_on_this_host() -> None:
    require_root()
    analyze, man = require_binary("systemd-analyze", "man").values()
    if Path("/opt/hostward").exists() or Path("/usr/bin/hostward").exists():
        pytest.fail(
            "hostward is already installed on this host: the test will not overwrite it", pytrace=False
        )
    installed = _run("bash", str(REPO / "scripts" / "install"))
    try:
        assert installed.returncode == 0, installed.stderr
        assert _run("/usr/bin/hostward", "--version").stdout.startswith("hostward ")
        for unit in ("hostward.service", "hostward-record.service"):
            verify = _run(analyze, "verify", f"/usr/local/lib/systemd/system/{unit}")
            assert verify.returncode == 0 and verify.stderr == "", verify.stderr
        page = _run(man, "-w", "hostward-oom")
        expected = Path("/usr/local/share/man/man1/hostward-oom.1.gz")
        assert Path(page.stdout.strip()).resolve() == expected.resolve(), page  # /usr/local/man links there
        assert "hostward oom protect" in _run(man, "-P", "cat", "hostward-oom").stdout
        files = Path("/opt/hostward/installed-files").read_text().split()
        assert "/usr/local/share/bash-completion/completions/hostward" in files
        assert all(Path(f).exists() for f in files)
    finally:
        removed = _run("bash", str(REPO / "scripts" / "uninstall"))
    assert removed.returncode == 0, removed.stderr
    assert not Path("/opt/hostward").exists()
    assert not Path("/usr/bin/hostward").exists()
    assert not any(Path(f).exists() for f in files)


def test_uninstall_refuses_a_prefix_that_is_not_hostwards() -> None:
    require_root()
    result = _run("bash", str(REPO / "scripts" / "uninstall"), "--prefix", "/")
    assert result.returncode == 2 and "refusing --prefix /" in result.stderr


@pytest.mark.parametrize(("unit", "ceiling"), [("hostward.service", 4.0), ("hostward-record.service", 2.0)])
def test_units_stay_hardened(unit: str, ceiling: float) -> None:
    """systemd-analyze security's exposure (10 = everything allowed): each kept privilege is explained in the
    unit; loosening one raises the figure and fails here."""
    analyze = require_binary("systemd-analyze")["systemd-analyze"]
    result = _run(
        analyze, "security", "--offline=true", f"--threshold={int(ceiling * 10)}", str(UNITS / unit)
    )
    assert result.returncode == 0, result.stdout[-2000:]
    exposure = float(result.stdout.rsplit("Overall exposure level for", 1)[1].split(":")[1].split()[0])
    assert exposure <= ceiling


def test_units_notify_and_keep_the_daemon_out_of_the_oom_killers_reach() -> None:
    text = (UNITS / "hostward.service").read_text()
    assert "Type=notify" in text and "WatchdogSec=" in text
    assert "OOMScoreAdjust=-1000" in text
    record = (UNITS / "hostward-record.service").read_text()
    assert "DynamicUser=yes" in record and "CapabilityBoundingSet=\n" in record
    assert os.access(REPO / "scripts" / "install", os.X_OK)
