"""sar -I: sadc (-S INT) and hostward sample the same seconds while the test makes the disk and the scheduler
work; every -I report, with and without -P, and sadf -d/-j, must agree (activities/irq.py's tolerance).

sar -y rides along (sadc records A_SERIAL by default): ttyS0 is this VM's console, so the test does not write
to it; its counters move only when the kernel prints to the console, so -y's values are mostly 0.00 here and
the fixture test (tests/report/test_fixture_reports.py) is what checks its formulas."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.report.sidebyside import (
    Recording,
    background,
    environment,
    recording_fixture,
    run_hostward,
    run_sadf,
    run_sar,
    socket_traffic,
)
from tests.report.sidebyside_compare import assert_matches_sar, compare

from hostward.activities.irq import IRQ

pytestmark = [pytest.mark.peer, pytest.mark.slow]

INTERVALS = 5
TOLERANCE = IRQ.columns[0].parity


@contextlib.contextmanager
def interrupt_traffic(directory: Path) -> Iterator[None]:
    """A file rewritten and fsynced every 20 ms (the block device's completion interrupts) and socket_traffic's
    loopback connections (wake-ups across CPUs: rescheduling and function-call interrupts)."""
    target = directory / "churn"

    def write() -> None:
        with target.open("wb") as handle:
            handle.write(os.urandom(64 * 1024))
            handle.flush()
            os.fsync(handle.fileno())

    with background(write, 0.02), socket_traffic():
        yield


recording = recording_fixture("irq", INTERVALS, interrupt_traffic, groups="INT")


REPORTS = [
    ["-I"],
    ["-I", "ALL"],
    ["-I", "SUM"],
    ["-I", "ALL", "-P", "ALL"],
    ["-I", "SUM", "-P", "1"],
    ["-I", "-P", "0,all", "-p"],
    ["-I", "--int=LOC,CAL,sum", "-P", "ALL"],
    ["-I", "SUM", "-u", "-w"],
    ["-y"],
    ["-y", "-p", "-I", "SUM"],
]


@pytest.mark.parametrize("flags", REPORTS, ids=lambda f: " ".join(f))
def test_report_matches_sar(recording: Recording, flags: list[str]) -> None:
    assert_matches_sar(recording, flags)


def test_the_counters_moved(recording: Recording) -> None:
    """The comparison means something: the timer on every CPU, the disk and the "sum" line all moved."""
    text = run_sar(["-I", "ALL", "-P", "ALL"], recording.safile)
    rows: dict[str, list[list[float]]] = {}
    for line in text.splitlines()[1:]:
        words = line[11:].split()
        if words and words[0] != "INTR":
            rows.setdefault(words[0], []).append([float(w) for w in words[1:]])
    assert all(v > 0 for values in rows["LOC"] for v in values)  # all, CPU0, CPU1, every interval
    assert all(values[0] > 0 for values in rows["sum"])
    devices = [name for name in rows if name.isdigit() and any(v[0] > 0 for v in rows[name])]
    assert devices, "no device interrupt moved (the disk churn should)"


def _fields(text: str) -> list[list[str]]:
    return [line.split(";") for line in text.splitlines()]


@pytest.mark.parametrize("flags", [["-I", "ALL"], ["-I", "SUM", "-P", "ALL"]], ids=" ".join)
def test_sadf_csv_matches_sadf(recording: Recording, flags: list[str]) -> None:
    theirs = run_sadf(["-d"], recording.safile, flags)
    result = run_hostward("sadf", ["-d", str(recording.hwfile), "--", *flags])
    assert result.returncode == 0, result.stderr
    a, b = _fields(theirs), _fields(result.stdout)
    assert len(a) == len(b)
    assert a[0] == b[0] == ["# hostname", "interval", "timestamp", "INTR", "CPU*"]
    for x, y in zip(a[1:], b[1:], strict=True):
        assert x[:4] == y[:4]  # host, interval, time, interrupt
        assert len(x) == len(y)
        assert all(TOLERANCE.allows(float(v), float(u)) for u, v in zip(x[4:], y[4:], strict=True)), (x, y)


def test_sadf_json_matches_sadf(recording: Recording) -> None:
    flags = ["-I", "ALL", "-P", "ALL"]
    theirs = json.loads(run_sadf(["-j"], recording.safile, flags))
    ours = json.loads(run_hostward("sadf", ["-j", str(recording.hwfile), "--", *flags]).stdout)
    stats_t = theirs["sysstat"]["hosts"][0]["statistics"]
    stats_o = ours["sysstat"]["hosts"][0]["statistics"]
    assert len(stats_t) == len(stats_o) == INTERVALS
    for record_t, record_o in zip(stats_t, stats_o, strict=True):
        assert record_t["timestamp"] == record_o["timestamp"]
        lines_t, lines_o = record_t["interrupts"], record_o["interrupts"]
        assert [(x["intr"], list(x)) for x in lines_t] == [(x["intr"], list(x)) for x in lines_o]
        for x, y in zip(lines_t, lines_o, strict=True):
            assert all(TOLERANCE.allows(y[k], x[k]) for k in x if k != "intr"), (x, y)


def test_since_boot_matches_sar() -> None:
    """Interval 0: rates since boot, every CPU column counted from the zeroed record (sar.c write_stats_startup)."""
    flags = ["-I", "ALL", "-P", "ALL", "0"]
    for _ in range(5):  # both must print the same second: both start together just after one begins
        time.sleep((1.02 - time.time() % 1) % 1)
        hostward = subprocess.Popen(
            [sys.executable, "-m", "hostward", "sar", *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(),
        )
        theirs = subprocess.run(
            ["sar", *flags], capture_output=True, text=True, check=True, env=environment()
        )
        ours, errors = hostward.communicate(timeout=60)
        if theirs.stdout.splitlines()[2][:8] == ours.splitlines()[2][:8]:
            break
    assert hostward.returncode == 0, errors
    assert compare(theirs.stdout, ours) == []
    assert "Average" not in ours and " LOC " in ours
