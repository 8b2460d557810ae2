"""sar -m CPU against sysstat 12.6 on the same seconds: sadc -S POWER and hostward sample in lock-step, and the
two files are reported by sar and by hostward (-P as for -u, -m ALL, sadf -d). This machine's CPUs run at a
fixed clock (a virtual machine), so the values must be sar's to the byte, not merely within the tolerance;
they are also checked against /proc/cpuinfo read independently here, so a formula that lost the decimals or
the mean could not pass. -m FAN live is refused with one line, as this host has no hwmon sensors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.report.sidebyside import Recording, environment, recording_fixture, run_hostward, run_sadf, run_sar
from tests.report.sidebyside_compare import compare

pytestmark = [pytest.mark.peer, pytest.mark.slow]

INTERVALS = 4
REPORTS = (
    ["-m", "CPU"],
    ["-m", "CPU", "-P", "ALL"],
    ["-m", "CPU", "-P", "1"],
    ["-m", "ALL", "-u", "-P", "0"],
)


def _cpuinfo_mhz() -> list[str]:
    """Each CPU's "cpu MHz" with two decimals cut (not rounded) as sadc stores it."""
    text = Path("/proc/cpuinfo").read_text()
    return [
        f"{whole}.{(dec + '00')[:2]}" for whole, dec in re.findall(r"^cpu MHz\s*:\s*(\d+)\.(\d+)", text, re.M)
    ]


recording = recording_fixture("parity-power", INTERVALS, groups="POWER")


@pytest.mark.parametrize("flags", REPORTS, ids=" ".join)
def test_cpu_frequency_matches_sar(recording: Recording, flags: list[str]) -> None:
    theirs = run_sar(flags, recording.safile)
    result = run_hostward("sar", [*flags, "-f", str(recording.hwfile)])
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert compare(theirs, result.stdout) == []
    if "-u" not in flags:  # the CPU times move between the reads; the clocks here do not
        assert result.stdout == theirs


def test_frequencies_are_cpuinfos(recording: Recording) -> None:
    mhz = _cpuinfo_mhz()
    if not mhz or len(set(mhz)) != 1:
        pytest.skip(
            "this host's CPU clocks differ or move (frequency scaling): compared within tolerance only"
        )
    ours = run_hostward("sar", ["-m", "CPU", "-P", "ALL", "-f", str(recording.hwfile)]).stdout
    rows = [line.split() for line in ours.splitlines()[3:] if line and not line.startswith("Average")]
    assert len(rows) == INTERVALS * (1 + len(mhz))
    assert {row[-1] for row in rows} == {mhz[0]}


def test_sadf_csv_matches_sadf(recording: Recording) -> None:
    flags = ["-m", "CPU", "-P", "ALL"]
    theirs = run_sadf(["-d"], recording.safile, flags, environment(TZ="UTC"))
    ours = run_hostward("sadf", ["-d", str(recording.hwfile), "--", *flags], env=environment(TZ="UTC")).stdout
    assert ours.splitlines()[0] == theirs.splitlines()[0] == "# hostname;interval;timestamp;CPU;MHz"
    assert [line.split(";")[3:] for line in ours.splitlines()[1:]] == [
        line.split(";")[3:] for line in theirs.splitlines()[1:]
    ]


def test_live_report_has_sars_layout() -> None:
    """Live, as `sar -m CPU -P ALL 1 2`: a header, "all" and each CPU per interval, then Average."""
    mhz = _cpuinfo_mhz()
    ours = run_hostward("sar", ["-m", "CPU", "-P", "ALL", "1", "2"])
    assert ours.returncode == 0, ours.stderr
    lines = ours.stdout.splitlines()
    assert lines[2].split()[1:] == ["CPU", "MHz"]
    averages = [line.split()[1:] for line in lines if line.startswith("Average:")]
    assert [row[0] for row in averages] == ["CPU", "all", *(str(n) for n in range(len(mhz)))]
    if mhz and len(set(mhz)) == 1:
        assert {row[1] for row in averages[1:]} == {mhz[0]}


def test_fans_live_are_refused_with_one_line() -> None:
    if Path("/sys/class/hwmon").exists():
        pytest.skip("this host has hwmon sensors: sar would report them, hostward does not record them yet")
    ours = run_hostward("sar", ["-m", "FAN", "1", "1"])
    assert (ours.returncode, ours.stdout) == (1, "")
    assert ours.stderr == (
        "hostward sar: -m FAN: nothing to report: this host has no source of fan speeds (/sys/class/hwmon, USB"
        " devices) and hostward does not record it yet\n"
    )
