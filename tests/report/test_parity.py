"""sar and hostward sample the same seconds on the same machine; every report must agree.

Headers, banners and Average labels must be identical strings; values must agree within what the few
milliseconds between sadc's read and ours can explain (each column's ``parity`` tolerance in
src/hostward/activities/, summarised in docs/parity.md) or, where a loaded host held the reads further apart,
within what the test measured around them (CPU, -q and -I columns: parity_checks.Measured).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import require_binary
from tests.report.parity_checks import csv_problems, json_keys, measured, require_locale
from tests.report.sidebyside import (
    Recording,
    environment,
    record,
    recording_fixture,
    run_hostward,
    run_sadf,
    run_sar,
    socket_traffic,
)
from tests.report.sidebyside_compare import assert_matches_sar, compare

pytestmark = [pytest.mark.peer, pytest.mark.slow]

# 12 intervals: enough for sar's header repetition with -P ALL (every 11 records off a terminal).
INTERVALS = 12


# socket_traffic: so that -n SOCK's columns move while both record
recording = recording_fixture("parity", INTERVALS, lambda _: socket_traffic())


REPORTS = [
    ["-u"],
    ["-u", "ALL"],
    ["-P", "ALL"],
    ["-P", "1"],
    ["-u", "-P", "0,all"],
    ["-q"],
    ["-r"],
    ["-r", "ALL"],
    ["-S"],
    ["-W"],
    ["-B"],
    ["-b"],
    ["-d"],
    ["-d", "-p"],
    ["-n", "DEV"],
    ["-n", "EDEV"],
    ["-n", "DEV,EDEV", "-p"],
    ["-w"],
    ["-bBq", "-r", "-S", "-W", "-w"],
    ["-v"],
    ["-n", "SOCK"],
    ["-n", "SOCK6"],
    ["-n", "SOCK,SOCK6,DEV", "-v", "-q"],
    ["-q", "PSI"],
    ["-q", "ALL"],
    ["-q", "MEM,CPU"],
    ["-n", "IP"],
    ["-n", "EIP"],
    ["-n", "TCP,ETCP"],
    ["-n", "UDP"],
    ["-H"],
    ["-r", "-H", "-S"],
]


@pytest.mark.parametrize("flags", REPORTS, ids=lambda f: " ".join(f))
def test_report_matches_sar(recording: Recording, flags: list[str]) -> None:
    assert_matches_sar(recording, flags)


def test_dash_a_matches_sar_for_the_supported_activities(recording: Recording) -> None:
    """hostward -A is sar's -A restricted to the activities hostward has: the same blocks in the same order."""
    theirs = run_sar(
        [
            "-u",
            "ALL",
            "-P",
            "ALL",
            "-w",
            "-W",
            "-B",
            "-b",
            "-r",
            "ALL",
            "-S",
            "-H",
            "-v",
            "-q",
            "ALL",
            "-d",
            "-F",
            "-I",
            "ALL",
            "-y",
            "-m",
            "CPU",
            "-n",
            "DEV,EDEV,NFS,NFSD,SOCK,IP,EIP,ICMP,EICMP,TCP,ETCP,UDP,SOCK6,IP6,EIP6,ICMP6,EICMP6,UDP6,SOFT",
        ],
        recording.safile,
    )
    result = run_hostward("sar", ["-A", "-f", str(recording.hwfile)])
    assert compare(theirs, result.stdout, measured=measured(recording)) == []
    assert result.stdout.count("Average:") == theirs.count("Average:")


def test_header_repeats_every_11_records_with_p_all(recording: Recording) -> None:
    """sysstat counts 8200 lines per record for -P ALL (its CPU bitmap), so off a terminal the header comes
    back after 11 records: a quirk worth keeping for byte parity."""
    result = run_hostward("sar", ["-P", "ALL", "-f", str(recording.hwfile)])
    assert result.stdout.count("CPU     %user") == 2
    assert (
        compare(run_sar(["-P", "ALL"], recording.safile), result.stdout, measured=measured(recording)) == []
    )


@pytest.mark.parametrize(
    ("window"),
    [
        ["-s", "+2"],
        ["-e", "+5"],
        ["-s", "+3", "-e", "+8"],
        ["-i", "3"],
        ["-i", "2", "-s", "+1"],
        ["2", "3"],
        ["1", "4"],
    ],
    ids=lambda w: " ".join(w),
)
def test_time_window_and_resampling_match_sar(recording: Recording, window: list[str]) -> None:
    """-s/-e take hh:mm:ss; "+N" here means N seconds after the first sample. With -f, "interval count"
    resample like -i and stop each block after count rows."""
    import time

    first, found = recording.samples[0].timestamp, measured(recording)
    flags: list[str] = []
    for word in window:
        if word.startswith("+"):
            word = time.strftime("%H:%M:%S", time.localtime(first + int(word[1:])))
        flags.append(word)
    for report in (["-u"], ["-q"], ["-r"], ["-n", "DEV"]):
        theirs = run_sar([*report, *flags], recording.safile)
        result = run_hostward("sar", [*report, *flags, "-f", str(recording.hwfile)])
        assert compare(theirs, result.stdout, measured=found) == [], (report, flags)


@pytest.mark.parametrize(
    "env",
    [{"LANG": "en_US.UTF-8"}, {"LANG": "de_DE.UTF-8"}, {"LANG": "en_US.UTF-8", "S_TIME_FORMAT": "ISO"}],
    ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items()),
)
def test_locales_match_sar(recording: Recording, env: dict[str, str]) -> None:
    require_locale(env["LANG"])
    environ, found = environment(**env), measured(recording)
    for report in (["-u"], ["-q", "-r"], ["-v", "-n", "SOCK"]):
        theirs = run_sar(report, recording.safile, environ)
        result = run_hostward("sar", [*report, "-f", str(recording.hwfile)], environ)
        assert compare(theirs, result.stdout, measured=found) == [], (report, env)


def test_sadf_csv_matches_sadf(recording: Recording) -> None:

    for report in (
        ["-u"],
        ["-P", "ALL"],
        ["-q", "-r", "ALL"],
        ["-n", "DEV"],
        ["-d"],
        ["-S", "-W", "-w"],
        ["-v"],
        ["-n", "SOCK,SOCK6"],
        ["-q", "PSI"],
        ["-n", "IP,EIP,TCP,ETCP,UDP"],
        ["-H"],
    ):
        theirs = run_sadf(["-d"], recording.safile, report)
        result = run_hostward("sadf", ["-d", str(recording.hwfile), "--", *report])
        assert result.returncode == 0, result.stderr
        assert csv_problems(theirs, result.stdout) == [], report


@pytest.mark.parametrize(
    ("time_flag", "tz"), [("-U", "America/New_York"), ("-T", "America/New_York"), ("-t", "")]
)
def test_sadf_time_flags_match_sadf(recording: Recording, time_flag: str, tz: str) -> None:
    """-U: seconds since the epoch; -T: the reader's local time; -t: the file creator's local time, which a
    hostward file does not record: it is the reader's, so it matches sadf where both are the same zone."""

    environ = environment(TZ=tz) if tz else environment()  # New York: local time visibly differs from UTC
    theirs = run_sadf(["-d", time_flag], recording.safile, ["-u"], environ)
    result = run_hostward("sadf", ["-d", time_flag, str(recording.hwfile), "--", "-u"], environ)
    assert result.returncode == 0, result.stderr
    assert csv_problems(theirs, result.stdout) == [], time_flag


@pytest.mark.parametrize(("flag", "meaning"), [("-r", "raw counters"), ("-H", "the data file")])
def test_sadf_refuses_its_own_options_it_does_not_write_with_sadfs_meaning(
    recording: Recording, flag: str, meaning: str
) -> None:
    result = run_hostward("sadf", [flag, str(recording.hwfile)])
    assert result.returncode == 2
    assert f"sadf option {flag} ({meaning}" in result.stderr and result.stderr.count("\n") == 1


def test_sadf_json_matches_sadf(recording: Recording) -> None:
    import json

    report = [
        "-u",
        "-q",
        "ALL",
        "-r",
        "-S",
        "-b",
        "-B",
        "-W",
        "-w",
        "-d",
        "-H",
        "-v",
        "-n",
        "DEV,EDEV,SOCK,IP,EIP,TCP,ETCP,UDP,SOCK6",
    ]
    theirs = json.loads(run_sadf(["-j"], recording.safile, report))
    ours = json.loads(run_hostward("sadf", ["-j", str(recording.hwfile), "--", *report]).stdout)
    host_t, host_o = theirs["sysstat"]["hosts"][0], ours["sysstat"]["hosts"][0]
    for key in ("nodename", "sysname", "release", "machine", "number-of-cpus", "file-date"):
        assert host_t[key] == host_o[key]
    stats_t, stats_o = host_t["statistics"], host_o["statistics"]
    assert len(stats_t) == len(stats_o) == INTERVALS
    for record_t, record_o in zip(stats_t, stats_o, strict=True):
        assert json_keys(record_t) == json_keys(record_o)
        assert record_t["timestamp"] == record_o["timestamp"]


def test_restart_and_comment_records_match_sar(tmp_path: Path) -> None:
    """A LINUX RESTART splits the data: each segment gets its own header and averages; comments (-C) are
    printed in every activity block, restarts once."""
    sadc = require_binary("sadc", "sar")["sadc"]
    rec = record(sadc, tmp_path, 2, ("#deployed v2", 2, "restart", 3))
    for report in (["-u", "-q", "-C"], ["-r"], ["-n", "DEV", "-C"]):
        theirs = run_sar(report, rec.safile)
        ours = run_hostward("sar", [*report, "-f", str(rec.hwfile)]).stdout
        assert compare(theirs, ours, measured=measured(rec)) == [], report
    assert "LINUX RESTART\t(2 CPU)" in ours
    assert ours.count("Average:") == 2 * 4  # two segments, four interfaces


def test_recording_has_the_expected_shape(recording: Recording) -> None:
    assert Path(recording.safile).stat().st_size > 0
    assert len(recording.samples) == INTERVALS + 1
