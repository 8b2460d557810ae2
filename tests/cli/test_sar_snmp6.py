"""Live sar -n IP6... on a host without IPv6 (no /proc/net/snmp6): zeros as sar prints them, and one line that
says why, which sar does not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hostward.cli import main
from hostward.procfs import ProcFS

NOTE = (
    "hostward sar: this host has no /proc/net/snmp6 (IPv6 is disabled): the IPv6 protocol reports show zeros, "
    "as sar's do\n"
)


@pytest.mark.parametrize("ipv6", [True, False], ids=["ipv6", "no-ipv6"])
def test_no_snmp6_file_gives_zeros_and_says_why(
    fixtures_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ipv6: bool,
) -> None:
    root = tmp_path / "host"
    shutil.copytree(fixtures_dir / "report" / "t1", root)
    if not ipv6:
        (root / "proc" / "net" / "snmp6").unlink()
    monkeypatch.setenv("LANG", "C")
    monkeypatch.setattr("hostward.cli.sar.ProcFS", lambda: ProcFS(root / "proc", root / "sys"))
    assert main(["sar", "-n", "UDP6", "0"]) == 0  # interval 0: since boot, one row
    out, err = capsys.readouterr()
    header, row = out.splitlines()[2:4]
    assert header.split()[1:] == ["idgm6/s", "odgm6/s", "noport6/s", "idgmer6/s"]
    if ipv6:  # t1's counters over its 1001 s of uptime: Udp6InDatagrams 2632 -> 2.63/s
        assert err == "" and row.split()[1:] != ["0.00"] * 4
    else:
        assert err == NOTE and row.split()[1:] == ["0.00"] * 4
