"""Comments after -e stopped a block, recorded by sysstat's sadc and by hostward side by side. When -e stops a
block, sar 12.6.1's write_stats sets its count to 0 (sar.c, "End time exceeded"), so read_stats_from_file goes
on to the next restart as after a ``count`` ("Go to next Linux restart") and prints the comments it meets that
lie in the -s/-e window (sa_common.c print_special_record). A comment is past -e whenever the sample before it
is, except after the clock stepped back: here sadc -C runs under faketime with the time of earlier samples.
sadf -x and -j list them too (a pass of their own over the whole file). hostward printed none of them. Values
differ between the two programs' reads: sar's lines are compared by their first field (time, Average:, header),
comment and restart lines whole."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
from tests.conftest import require_binary
from tests.report.sidebyside import Recording, environment, record, run_hostward, run_sadf, run_sar

from hostward.collect.host import read_host
from hostward.procfs import ProcFS
from hostward.store import DataFileWriter
from hostward.store.model import CommentMark

UTC = environment(TZ="UTC")
SHOWN = {"-e": ["at end", "early"], "-s -e": ["at end"]}  # the comments set back, in each window


def _clock(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%H:%M:%S")


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """Four samples, a comment written after them, then two written with the clock set back: one to the
    third sample's second (the -e used below), one to the first's (before the -s used below)."""
    found = require_binary("sadc", "sar", "sadf", "faketime")
    rec = record(found["sadc"], tmp_path_factory.mktemp("comments-e"), 3, ("#after",), groups="DISK")
    if len({dt.datetime.fromtimestamp(s.timestamp, dt.UTC).date() for s in rec.samples}) > 1:
        pytest.skip("recorded across midnight (UTC): -s/-e times of day do not order the samples")
    stepped = [
        CommentMark(rec.samples[2].timestamp, "at end"),
        CommentMark(rec.samples[0].timestamp, "early"),
    ]
    for comment in stepped:
        when = dt.datetime.fromtimestamp(comment.timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        subprocess.run(
            [found["faketime"], when, found["sadc"], "-C", comment.text, str(rec.safile)],
            check=True,
            env=UTC,
            timeout=30,
        )
    host = read_host(ProcFS(), len(rec.samples[0].cpu.per_cpu))
    day = dt.date.fromtimestamp(rec.samples[0].timestamp)
    with DataFileWriter.open(rec.hwfile, day, host) as writer:
        for comment in stepped:
            writer.write_comment(comment)
    return rec


def shape(text: str) -> list[str]:
    """Comment and restart lines whole, every other line's first field ('' for a blank line)."""
    return [
        line if "COM " in line or "RESTART" in line else (line.split() or [""])[0]
        for line in text.splitlines()
    ]


def _window(recording: Recording, window: str) -> list[str]:
    end = ["-e", _clock(recording.samples[2].timestamp)]
    return end if window == "-e" else ["-s", _clock(recording.samples[1].timestamp), *end]


@pytest.mark.parametrize("window", ["-e", "-s -e"])
@pytest.mark.parametrize("comments", [["-C"], []])
def test_sar_prints_the_comments_after_e(recording: Recording, window: str, comments: list[str]) -> None:
    flags = ["-q", "-u", *comments, *_window(recording, window)]
    theirs = run_sar(flags, recording.safile, UTC)
    result = run_hostward("sar", [*flags, "-f", str(recording.hwfile)], UTC)
    assert result.returncode == 0, result.stderr
    expected = SHOWN[window] if comments else []
    assert [line.split("COM ")[1] for line in theirs.splitlines() if "COM " in line] == expected
    assert shape(theirs)[-1].startswith("Average") == (not comments)  # the comments come after Average:
    assert shape(result.stdout) == shape(theirs)


@pytest.mark.parametrize("form", ["-d", "-p", "-x", "-j"])
@pytest.mark.parametrize("window", ["-e", "-s -e"])
def test_sadf_prints_the_comments_after_e(recording: Recording, form: str, window: str) -> None:
    options = [form, "-C", *_window(recording, window)]
    theirs = run_sadf(options, recording.safile, ["-q", "-u"], UTC)
    result = run_hostward("sadf", [*options, str(recording.hwfile), "--", "-q", "-u"], UTC)
    assert result.returncode == 0, result.stderr
    if form == "-j":  # sadf's JSON spreads an object over lines its own way: compare the lists
        listed = json.loads(theirs)["sysstat"]["hosts"][0]["comments"]
        assert [c["comment"]["com"] for c in listed] == SHOWN[window]
        assert json.loads(result.stdout)["sysstat"]["hosts"][0]["comments"] == listed
        return
    assert any("at end" in line for line in _marks(theirs))
    assert _marks(result.stdout) == _marks(theirs)


def _marks(text: str) -> list[str]:
    """Comment lines whole, every other line as '-': the comments, and where they come (-d, -p: after the last
    block's rows; -x: in the document's list of comments, which sadf reads from the whole file)."""
    return [line if "COM " in line or "<comment " in line else "-" for line in text.splitlines()]
