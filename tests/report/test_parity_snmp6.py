"""sar -n IP6, EIP6, ICMP6, EICMP6, UDP6: sadc and hostward sample the same seconds while IPv6 traffic over ::1
moves the counters (TCP, UDP to an open and a closed port, ICMPv6 echoes, packets the kernel rejects); every
report, sadf -d and sadf -j agree with sysstat's (tests/report/sidebyside.py explains the lock-step)."""

from __future__ import annotations

import json

import pytest
from tests.report.parity_checks import csv_problems, json_keys, require_locale
from tests.report.sidebyside import (
    Recording,
    environment,
    ipv6_traffic,
    recording_fixture,
    run_hostward,
    run_sadf,
    run_sar,
)
from tests.report.sidebyside_compare import assert_matches_sar, compare

pytestmark = [pytest.mark.peer, pytest.mark.slow]

INTERVALS = 5
ALL6 = "IP6,EIP6,ICMP6,EICMP6,UDP6"


# sadc -S XDISK,IPV6,SNMP,INT; root for the raw sockets: ICMPv6 echoes and hand-made IPv6 headers
recording = recording_fixture("parity6", INTERVALS, lambda _: ipv6_traffic(), root=True)


@pytest.mark.parametrize(
    "flags",
    [
        ["-n", "IP6"],
        ["-n", "EIP6"],
        ["-n", "ICMP6"],
        ["-n", "EICMP6"],
        ["-n", "UDP6"],
        ["-n", f"SOCK6,{ALL6}"],
    ],
    ids=lambda f: " ".join(f),
)
def test_report_matches_sar(recording: Recording, flags: list[str]) -> None:
    assert_matches_sar(recording, flags)


# The columns the traffic moves: sar's own average for each must be above zero, so a wrong formula or a
# counter read from the wrong field cannot hide behind zeros on both sides.
MOVED = {
    "IP6": ("irec6/s", "idel6/s", "orq6/s"),
    "EIP6": ("ihdrer6/s", "iukwnp6/s", "onort6/s", "itrpck6/s"),
    "ICMP6": ("imsg6/s", "omsg6/s", "iech6/s", "iechr6/s", "oechr6/s"),
    "EICMP6": ("ierr6/s", "idtunr6/s", "odtunr6/s", "iprmpb6/s", "oprmpb6/s"),
    "UDP6": ("idgm6/s", "odgm6/s", "noport6/s"),
}


@pytest.mark.parametrize("keyword", list(MOVED))
def test_the_traffic_moves_the_columns_on_both_sides(recording: Recording, keyword: str) -> None:
    for text in (
        run_sar(["-n", keyword], recording.safile),
        run_hostward("sar", ["-n", keyword, "-f", str(recording.hwfile)]).stdout,
    ):
        lines = text.strip().splitlines()
        header = next(line for line in lines if MOVED[keyword][0] in line).split()
        average = lines[-1].split()
        assert average[0] == "Average:"
        values = dict(zip(header[1:], average[1:], strict=True))
        assert all(float(values[column]) >= 5 for column in MOVED[keyword]), (keyword, values)


@pytest.mark.parametrize(
    "env",
    [{"LANG": "en_US.UTF-8"}, {"LANG": "de_DE.UTF-8"}, {"LANG": "en_US.UTF-8", "S_TIME_FORMAT": "ISO"}],
    ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items()),
)
def test_locales_match_sar(recording: Recording, env: dict[str, str]) -> None:
    require_locale(env["LANG"])
    environ = environment(**env)
    theirs = run_sar(["-n", ALL6], recording.safile, environ)
    result = run_hostward("sar", ["-n", ALL6, "-f", str(recording.hwfile)], environ)
    assert compare(theirs, result.stdout) == []


def test_sadf_csv_and_json_match_sadf(recording: Recording) -> None:
    def sadf(fmt: str) -> str:
        return run_sadf([fmt], recording.safile, ["-n", ALL6])

    ours = run_hostward("sadf", ["-d", str(recording.hwfile), "--", "-n", ALL6])
    assert ours.returncode == 0, ours.stderr
    assert csv_problems(sadf("-d"), ours.stdout) == []
    theirs_j = json.loads(sadf("-j"))["sysstat"]["hosts"][0]["statistics"]
    ours_j = json.loads(run_hostward("sadf", ["-j", str(recording.hwfile), "--", "-n", ALL6]).stdout)
    stats = ours_j["sysstat"]["hosts"][0]["statistics"]
    assert len(theirs_j) == len(stats) == INTERVALS
    for record_t, record_o in zip(theirs_j, stats, strict=True):
        assert json_keys(record_t) == json_keys(record_o)
        assert record_t["timestamp"] == record_o["timestamp"]
    assert {"network/net-icmp6/onbad6", "network/net-eip6/itrpck6"} <= json_keys(stats[0])
