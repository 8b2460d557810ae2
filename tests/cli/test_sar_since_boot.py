"""``sar 0``: statistics since boot, against sysstat 12.6's own ``sar FLAGS 0`` run right before ours.

Both read the live kernel a fraction of a second apart; a value since boot is a counter over the uptime (hours
here), so it moves by far less than the tolerance between the two runs, while a wrong formula (a rate over a
1-second interval, a missing zero reference) would be off by orders of magnitude."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tests.conftest import require_binary
from tests.store.sysstat.conftest import LOCALES, locale_env

from hostward.collect.sample import sample_system
from hostward.procfs import ProcFS
from hostward.report.since_boot import boot_sample

# Reports whose since-boot values barely move in a second (counters over the uptime, or steady gauges).
STEADY: tuple[tuple[str, ...], ...] = (
    ("-u",), ("-u", "ALL"), ("-P", "ALL"), ("-d",), ("-n", "DEV"), ("-n", "EDEV"), ("-b",), ("-W",), ("-S",),
    ("-H",), ("-w",), ("-n", "IP"), ("-n", "TCP"), ("-n", "UDP"), ("-u", "-n", "DEV", "-W"),
)  # fmt: skip


def _run(argv: list[str]) -> str:
    done = subprocess.run(
        argv, capture_output=True, text=True, check=False, env=locale_env(LOCALES["C"]), timeout=60
    )
    assert (done.returncode, done.stderr) == (0, ""), argv
    return done.stdout


def _close(ours: str, theirs: str) -> bool:
    a, b = float(ours), float(theirs)
    return abs(a - b) <= 0.06 + 0.01 * abs(b)


@pytest.mark.parametrize("flags", STEADY, ids=" ".join)
def test_since_boot_matches_sar_zero(flags: tuple[str, ...]) -> None:
    sar = require_binary("sar")["sar"]
    theirs = _run([sar, *flags, "0"])
    ours = _run([sys.executable, "-m", "hostward", "sar", *flags, "0"])
    assert "Average" not in ours
    mine, sars = ours.splitlines(), theirs.splitlines()
    assert mine[0] == sars[0]  # banner
    assert len(mine) == len(sars), f"{ours}\n--- sar:\n{theirs}"
    for line, theirs_line in zip(mine[1:], sars[1:], strict=True):
        got, want = line[11:].split(), theirs_line[11:].split()  # the time column may tick between runs
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            if w.replace(".", "").isdigit():
                assert _close(g, w), f"{g} vs sar {w} in:\n{ours}\n--- sar:\n{theirs}"
            else:
                assert g == w  # headers and item names
        assert line[:11] == mine[2][:11] or not line  # header and rows carry the same (current) time


def test_since_boot_refuses_recorded_data_and_a_count() -> None:
    for argv, message in (
        (["sar", "-f", "/nonexistent", "0"], "interval 0 (statistics since boot) reads the running system"),
        (["sar", "-u", "0", "3"], "a count needs an interval of 1 second or more"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "hostward", *argv], capture_output=True, text=True, check=False, timeout=60
        )
        assert done.returncode == 2 and done.stdout == "" and message in done.stderr
        assert done.stderr.count("\n") == 1


def test_boot_sample_keeps_names_and_zeroes_numbers() -> None:
    sample = sample_system(ProcFS())
    zero = boot_sample(sample)
    assert zero.timestamp == sample.timestamp and zero.uptime_seconds == 0
    assert [d.name for d in zero.disks] == [d.name for d in sample.disks]
    assert [n.name for n in zero.nets] == [n.name for n in sample.nets]
    assert zero.cpu.all.user == 0 and sample.cpu.all.user > 0
    assert all(n.rx_bytes == 0 for n in zero.nets) and zero.memory.mem_total_kb == 0
