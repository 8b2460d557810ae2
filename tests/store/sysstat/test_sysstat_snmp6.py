"""sar -n IP6, EIP6, ICMP6, EICMP6, UDP6 from an sa file recorded by the real sadc with ``-S XALL`` while IPv6
traffic over ::1 moves the counters: imported (no longer dropped), then reported by hostward byte for byte as
sar prints them, in every locale sysstat writes; and -A carries the five sections in sar's place."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.conftest import require_binary, require_root, unavailable
from tests.report.sidebyside import ipv6_traffic
from tests.store.sysstat.conftest import LOCALES, available, locale_env, run_hostward_sar, run_sar

from hostward.cli.sar_args import parse_sar_args
from hostward.report.imported import render_imported
from hostward.report.selection import ReportOptions
from hostward.store.sysstat import import_files, read_imported

pytestmark = pytest.mark.peer

FLAGS: tuple[tuple[str, ...], ...] = (("-n", "IP6"), ("-n", "EIP6"), ("-n", "ICMP6"), ("-n", "EICMP6"),
                                      ("-n", "UDP6"), ("-n", "UDP6,SOCK6,IP6,EICMP6,EIP6,ICMP6"))  # fmt: skip
SECTIONS = ("A_NET_IP6", "A_NET_EIP6", "A_NET_ICMP6", "A_NET_EICMP6", "A_NET_UDP6")


@pytest.fixture(scope="module")
def xall(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    found = require_binary("sadc", "sar")
    require_root()  # the traffic's raw sockets
    work = tmp_path_factory.mktemp("xall6")
    sa = work / "sa"
    with ipv6_traffic():
        subprocess.run(
            [found["sadc"], "-S", "XALL", "1", "4", str(sa)], check=True, env=locale_env(LOCALES["C"])
        )
    done = import_files([sa], work / "data")
    assert done[0].kind == "sa" and done[0].added == 4
    assert not any(f"{name} (" in note for note in done[0].skipped for name in SECTIONS), done[0].skipped
    return sa, work / "data" / f"hw{done[0].days[0]:%Y%m%d}", found["sar"]


@pytest.mark.parametrize("name", list(LOCALES))
def test_imported_ipv6_reports_are_sars_bytes(xall: tuple[Path, Path, str], name: str) -> None:
    sa, day_file, sar = xall
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    ours = run_hostward_sar(FLAGS, day_file, loc)
    for flags, text in zip(FLAGS, ours, strict=True):
        theirs = run_sar(sar, flags, sa, loc)
        assert text == theirs, f"sar {' '.join(flags)} in {name}:\n{text}\n--- sar:\n{theirs}"
    average = ours[1].strip().splitlines()[-1]  # -n EIP6: the rejected packets are in the file, not zeros
    assert average.split()[3] not in ("0.00", "0,00"), average  # iukwnp6/s


def test_sections_sit_where_sar_a_puts_them(xall: tuple[Path, Path, str]) -> None:
    """-A of the imported file: the five after -n SOCK6, in sadc's activity order."""
    sa, day_file, sar = xall
    ours = run_hostward_sar((("-A",),), day_file, LOCALES["C"])[0]
    theirs = run_sar(sar, ("-A",), sa, LOCALES["C"])
    headers = ("idgm/s", "tcp6sck", "irec6/s", "ihdrer6/s", "imsg6/s", "ierr6/s", "idgm6/s")
    assert [h for h in headers if h in ours] == list(headers)
    assert sorted(headers, key=ours.index) == sorted(headers, key=theirs.index)
    for header in headers:  # each block identical to sar's
        block = ours[ours.index(header) - 11 :].split("\n\n")[0]
        assert block in theirs, header


@pytest.mark.parametrize("name", list(LOCALES))
def test_sar_text_of_the_file_imports_to_sars_numbers(
    xall: tuple[Path, Path, str], tmp_path: Path, name: str
) -> None:
    """`sar -A > file` (computed values, no counters) imported as text rows: the IPv6 reports render as sar's."""
    sa, _, sar = xall
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    text = tmp_path / "sar-A.txt"
    text.write_text(run_sar(sar, ("-A",), sa, loc), encoding="utf-8")
    done = import_files([text], tmp_path / "store")
    assert done[0].kind == "sar-text"
    assert not any("6/s" in note for note in done[0].skipped), done[0].skipped  # none kept aside unreported
    day = read_imported(tmp_path / "store", done[0].days[0], done[0].days[-1])
    assert day is not None
    for flags in FLAGS:
        options = ReportOptions(reports=parse_sar_args(list(flags)).selection(day.host.cpu_count))
        ours = "".join(render_imported(day, options, loc.fmt))
        assert ours == run_sar(sar, flags, sa, loc), f"sar {' '.join(flags)} in {name}"
