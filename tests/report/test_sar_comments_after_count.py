"""Comments after a count of records, recorded by sysstat's sadc (sadc -C) and by hostward side by side: once
the last report of a restart segment printed its ``count`` lines, sar 12.6.1 reads on to the next restart and
prints every comment it meets (sar.c read_stats_from_file, "Go to next Linux restart"), after the Average:
lines; sadf -d and -p do the same. hostward dropped them. Values differ between the two programs' reads; the
lines compared here are the comments, restarts and Average: labels, in order."""

from __future__ import annotations

import pytest
from tests.conftest import require_binary
from tests.report.sidebyside import Recording, environment, record, run_hostward, run_sadf, run_sar


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """Two intervals, a comment, two more, a restart and a comment, two more, a comment, one more."""
    sadc = require_binary("sadc", "sar", "sadf")["sadc"]
    script = ("#one", 2, "restart", "#two", 2, "#three", 1)
    return record(sadc, tmp_path_factory.mktemp("comments"), 2, script, groups="DISK")


def marks(text: str) -> list[str]:
    """The comment and restart lines (whole), and "Average" for each Average: line."""
    out = []
    for line in text.splitlines():
        if "COM " in line or "RESTART" in line:
            out.append(line)
        elif line.startswith("Average:"):
            out.append("Average")
    return out


@pytest.mark.parametrize("count", ["1", "2", "3"])
def test_sar_prints_the_comments_after_its_count(recording: Recording, count: str) -> None:
    flags = ["-q", "-w", "-C", "1", count]
    theirs = marks(run_sar(flags, recording.safile, environment(TZ="UTC")))
    result = run_hostward("sar", [*flags, "-f", str(recording.hwfile)], environment(TZ="UTC"))
    assert result.returncode == 0, result.stderr
    assert any("COM three" in line for line in theirs)  # after the last segment's count
    assert marks(result.stdout) == theirs


@pytest.mark.parametrize("form", ["-d", "-p"])
@pytest.mark.parametrize("count", ["1", "2"])
def test_sadf_prints_the_comments_after_its_count(recording: Recording, form: str, count: str) -> None:
    options = [form, "-C", "1", count]
    theirs = marks(run_sadf(options, recording.safile, ["-q", "-w"], environment(TZ="UTC")))
    result = run_hostward("sadf", [*options, str(recording.hwfile), "--", "-q", "-w"], environment(TZ="UTC"))
    assert result.returncode == 0, result.stderr
    assert any("COM three" in line for line in theirs)
    assert marks(result.stdout) == theirs
