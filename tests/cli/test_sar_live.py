"""Live mode against the real sar: both started in the same second, same interval and count."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from tests.conftest import require_binary
from tests.report.sidebyside import environment
from tests.report.sidebyside_compare import compare

pytestmark = [pytest.mark.peer, pytest.mark.slow]


def run_both(flags: list[str]) -> tuple[str, str]:
    require_binary("sar", "sadc")
    env = environment()
    time.sleep((1.02 - time.time() % 1) % 1)
    theirs = subprocess.Popen(["sar", *flags], stdout=subprocess.PIPE, text=True, env=env)
    ours = subprocess.Popen(
        [sys.executable, "-m", "hostward", "sar", *flags], stdout=subprocess.PIPE, text=True, env=env
    )
    out_t, _ = theirs.communicate(timeout=30)
    out_o, _ = ours.communicate(timeout=30)
    assert theirs.returncode == 0 and ours.returncode == 0
    return out_t, out_o


@pytest.mark.parametrize(
    "flags", [["-u", "1", "2"], ["-u", "-q", "1", "2"], ["-P", "ALL", "1", "1"], ["-r", "1", "2"]]
)
def test_live_layout_matches_sar(flags: list[str]) -> None:
    theirs, ours = run_both(flags)
    t_lines, o_lines = theirs.splitlines(), ours.splitlines()
    assert len(t_lines) == len(o_lines)
    for a, b in zip(t_lines, o_lines, strict=True):
        # banner, blank lines, headers (with the previous sample's time) and the time column are identical
        assert (
            (a == b)
            if (not a or a[11:].split()[:1] in (["CPU"], ["runq-sz"], ["kbmemfree"]) or a.startswith("Linux"))
            else (a[:11] == b[:11])
        )
    assert sum(line.startswith("Average:") for line in o_lines) == sum(
        line.startswith("Average:") for line in t_lines
    )


def test_live_report_has_sar_layout_values_aside() -> None:
    """Sampled a few hundred ms apart (interpreter start-up), only values may differ, never the layout."""
    theirs, ours = run_both(["-r", "1", "1"])
    layout = [p for p in compare(theirs, ours) if " hostward " not in p.split(":", 1)[1] or "!=" in p]
    assert layout == []
