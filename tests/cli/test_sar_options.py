"""sar's scripting options: --dev=, --iface=, --dec=, -N (days ago), -f alone and -f DIR.

Parsing is checked directly (every bad value one UsageError line, hypothesis over arbitrary words); the reports
are compared byte for byte with sysstat 12.6's sar on an sa file recorded by the real sadc with -S XALL and
imported, in every locale sar writes.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import require_binary, unavailable
from tests.store.sysstat.conftest import (
    LOCALES,
    available,
    locale_env,
    run_hostward_sar,
    run_sar,
    xall_import,
)

from hostward.cli.sar_args import parse_sar_args
from hostward.cli.sar_options import resolve_day
from hostward.errors import UsageError
from hostward.report.formatting import ReportFormat

# -- parsing ---------------------------------------------------------------------------------------------------


def test_item_lists_filter_the_disk_and_interface_reports() -> None:
    args = parse_sar_args(["-d", "-n", "DEV,EDEV", "--dev=vda,sdb", "--iface=lo"])
    assert args.devices == frozenset({"vda", "sdb"}) and args.ifaces == frozenset({"lo"})
    items = {s.activity.name: s.items for s in args.selection(2)}
    assert items == {"disk": {"vda", "sdb"}, "net_dev": {"lo"}, "net_edev": {"lo"}}


def test_names_at_sysstats_length_limit_are_left_out_silently() -> None:
    """add_list_item: an interface name of 16 bytes or more is dropped; a list left empty filters nothing."""
    assert parse_sar_args(["--iface=0123456789abcdef,lo"]).ifaces == frozenset({"lo"})
    assert parse_sar_args(["--iface=0123456789abcdef"]).ifaces is None
    assert parse_sar_args(["--dev="]).devices is None
    assert parse_sar_args(["--dev=" + "d" * 127]).devices == frozenset({"d" * 127})
    assert parse_sar_args(["--dev=" + "d" * 128]).devices is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dec=3"], "--dec: invalid value '3' (expected 0, 1 or 2)"),
        (["--dec=10"], "--dec: invalid value '10' (expected 0, 1 or 2)"),
        (["--dec="], "--dec: invalid value '' (expected 0, 1 or 2)"),
        (["--dec"], "option --dec needs a value: --dec={0|1|2}"),
        (["--dev", "vda"], "option --dev needs a list: --dev=NAME[,NAME...]"),
        (["--iface"], "option --iface needs a list: --iface=NAME[,NAME...]"),
        (["-1", "-f", "x"], "give the data once: -f FILE, -f DIR, -f alone, or -N (N days ago)"),
        (["-f", "x", "-2"], "give the data once: -f FILE, -f DIR, -f alone, or -N (N days ago)"),
        (["-f", "x", "-f", "y"], "give the data once: -f FILE, -f DIR, -f alone, or -N (N days ago)"),
        (["-1", "-7"], "give the data once: -f FILE, -f DIR, -f alone, or -N (N days ago)"),
        (["-100"], "unknown option or argument '-100' (try --help)"),
        (["-x"], "sar option -x (extended output) is not supported by hostward"),
    ],
)
def test_bad_values_are_one_line(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_sar_args(argv)
    assert str(caught.value) == message


def test_sadf_has_no_dec_option() -> None:
    with pytest.raises(UsageError, match="sadf has no --dec option"):
        parse_sar_args(["--dec=1"], sadf=True)


def test_dec_and_day_options() -> None:
    assert parse_sar_args(["--dec=0"]).decimals == 0
    assert parse_sar_args(["-u", "--dec=1", "2", "3"]).decimals == 1
    assert parse_sar_args(["-7"]).days_ago == 7 and parse_sar_args(["-99"]).days_ago == 99
    # sar's -f [FILE]: a missing name, an option or a number after -f means "the default file"
    for argv in (["-f"], ["-f", "-u"], ["-f", "1", "3"]):
        parsed = parse_sar_args(argv)
        assert parsed.default_file and parsed.file is None
    assert parse_sar_args(["-f", "1", "3"]).interval == 1


def test_places_replace_only_values_with_decimals() -> None:
    fmt = ReportFormat(decimals=0)
    assert (fmt.places(2), fmt.places(0), ReportFormat().places(2), ReportFormat(decimals=1).places(2)) == (
        0,
        0,
        2,
        1,
    )


def test_minus_n_and_f_dir_become_a_day_and_a_directory(tmp_path: Path) -> None:
    today = dt.date(2026, 3, 1)
    args = parse_sar_args(["-1", "--data-dir", str(tmp_path)])
    resolve_day(args, today)
    assert (args.date, args.data_dir, args.days_ago) == (dt.date(2026, 2, 28), tmp_path, None)
    args = parse_sar_args(["-f", str(tmp_path)])
    resolve_day(args, today)
    assert (args.date, args.data_dir, args.file) == (today, tmp_path, None)
    resolve_day(args, today)  # idempotent
    assert (args.date, args.data_dir, args.file) == (today, tmp_path, None)
    for argv in (["-1", "--date", "2026-01-01"], ["-f", str(tmp_path), "--since", "2026-01-01"]):
        with pytest.raises(UsageError):
            resolve_day(parse_sar_args(argv), today)
    with pytest.raises(UsageError, match="give the directory once"):
        resolve_day(parse_sar_args(["-f", str(tmp_path), "--data-dir", str(tmp_path / "other")]), today)


@given(st.text(max_size=12))
def test_any_value_of_the_new_options_parses_or_is_a_usage_error(value: str) -> None:
    for argv in (["--dec=" + value], ["--dev=" + value], ["--iface=" + value], ["-" + value], ["-f", value]):
        try:
            parse_sar_args(argv)
        except UsageError as exc:
            assert "\n" not in str(exc)


# -- against sysstat's sar on one sa file ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    day = xall_import(tmp_path_factory, "options")  # sadc -S XALL 1 4, imported, its 4 samples checked
    return day.sa, day.day_file, day.sar


def _names(report: str, header: str) -> list[str]:
    """The item names of a sar report (the column under ``header``), in order, without Average lines."""
    lines = report.splitlines()
    at = next(i for i, line in enumerate(lines) if header in line.split())
    column = lines[at].split().index(header)
    return [
        line.split()[column] for line in lines[at + 1 :] if line.strip() and not line.startswith("Average")
    ]


@pytest.mark.parametrize("name", list(LOCALES))
def test_filters_and_decimals_are_sars_bytes(imported: tuple[Path, Path, str], name: str) -> None:
    sa, day_file, sar = imported
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    devices = _names(run_sar(sar, ("-d",), sa, LOCALES["C"]), "DEV")
    ifaces = sorted(set(_names(run_sar(sar, ("-n", "DEV"), sa, LOCALES["C"]), "IFACE")))
    assert devices and "lo" in ifaces
    flag_sets: tuple[tuple[str, ...], ...] = (
        ("-d", f"--dev={devices[-1]}"),
        ("-d", "--dev=no-such-disk"),
        ("-n", "DEV,EDEV", f"--iface=lo,{ifaces[0]}"),
        ("-n", "DEV", "--iface=0123456789abcdefX"),  # too long for sysstat: ignored, no filter
        ("--dec=0", "-u", "-r", "ALL", "-q", "-d", "-n", "DEV", "-B", "-b", "-w", "-W", "-S"),
        ("--dec=1", "-u", "ALL", "-P", "ALL", "-q", "ALL", "-v", "-H", "-n", "SOCK,IP,TCP,UDP"),
        ("--dec=2", "-r"),
    )
    ours = run_hostward_sar(flag_sets, day_file, loc)
    for flags, text in zip(flag_sets, ours, strict=True):
        theirs = run_sar(sar, flags, sa, loc)
        assert text == theirs, f"sar {' '.join(flags)} in {name}:\n{text}\n--- sar:\n{theirs}"
    if name == "C":  # the filter did filter: one device on every line
        assert _names(ours[0], "DEV") == [devices[-1]] * 3 and "lo" in ours[2]


def _hostward(argv: list[str], *, faketime: str | None = None) -> subprocess.CompletedProcess[str]:
    prefix = []
    if faketime is not None:
        prefix = [require_binary("faketime")["faketime"], "-f", faketime]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "hostward", *argv],
        capture_output=True,
        text=True,
        check=False,
        env=locale_env(LOCALES["C"]),
        timeout=120,
    )


def test_f_dir_and_days_ago_read_the_day_sar_would(imported: tuple[Path, Path, str]) -> None:
    """-f DIR: today's file in DIR; -N: the file of N days ago (checked N days later under faketime)."""
    sa, day_file, sar = imported
    theirs = run_sar(sar, ("-u", "-n", "DEV"), sa, LOCALES["C"])
    data_dir = day_file.parent
    sadf_bin = require_binary("sadf")["sadf"]
    their_csv = subprocess.run(
        [sadf_bin, "-d", str(sa)], capture_output=True, text=True, check=True, env=locale_env(LOCALES["C"])
    ).stdout
    by_dir = _hostward(["sar", "-u", "-n", "DEV", "-f", str(data_dir)])
    assert (by_dir.returncode, by_dir.stdout, by_dir.stderr) == (0, theirs, "")
    for back in (1, 7):
        ago = _hostward(
            ["sar", f"-{back}", "-u", "-n", "DEV", "--data-dir", str(data_dir)], faketime=f"+{back}d"
        )
        assert (ago.returncode, ago.stdout, ago.stderr) == (0, theirs, "")
        sadf = _hostward(["sadf", "-d", f"-{back}", "--data-dir", str(data_dir)], faketime=f"+{back}d")
        assert (sadf.returncode, sadf.stdout, sadf.stderr) == (0, their_csv, "")
    not_yet = _hostward(["sar", "-1", "--data-dir", str(data_dir)])
    day_before = dt.date.fromtimestamp(os.stat(sa).st_mtime) - dt.timedelta(days=1)
    assert not_yet.returncode == 1 and not_yet.stdout == ""
    assert f"no data recorded for {day_before.isoformat()} in {data_dir}" in not_yet.stderr
