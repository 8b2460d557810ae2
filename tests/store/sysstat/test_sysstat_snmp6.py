"""sar -n IP6, EIP6, ICMP6, EICMP6, UDP6 from an sa file recorded by the real sadc with ``-S XALL`` while IPv6
traffic over ::1 moves the counters: imported (no longer dropped), then reported by hostward byte for byte as
sar prints them, in every locale sysstat writes; and -A carries the five sections in sar's place."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import require_root
from tests.report.sidebyside import ipv6_traffic
from tests.store.sysstat.conftest import (
    LOCALES,
    XallDay,
    assert_sars_bytes,
    assert_sections_as_in_sar_a,
    locale_or_unavailable,
    run_sar,
    xall_import,
)

from hostward.cli.sar_args import parse_sar_args
from hostward.report.imported import render_imported
from hostward.report.selection import ReportOptions
from hostward.store.sysstat import import_files, read_imported

pytestmark = pytest.mark.peer

FLAGS: tuple[tuple[str, ...], ...] = (("-n", "IP6"), ("-n", "EIP6"), ("-n", "ICMP6"), ("-n", "EICMP6"),
                                      ("-n", "UDP6"), ("-n", "UDP6,SOCK6,IP6,EICMP6,EIP6,ICMP6"))  # fmt: skip
SECTIONS = ("A_NET_IP6", "A_NET_EIP6", "A_NET_ICMP6", "A_NET_EICMP6", "A_NET_UDP6")


@pytest.fixture(scope="module")
def xall(tmp_path_factory: pytest.TempPathFactory) -> XallDay:
    require_root()  # the traffic's raw sockets
    return xall_import(tmp_path_factory, "xall6", traffic=lambda _: ipv6_traffic(), kept=SECTIONS)


@pytest.mark.parametrize("name", list(LOCALES))
def test_imported_ipv6_reports_are_sars_bytes(xall: XallDay, name: str) -> None:
    ours = assert_sars_bytes(xall, FLAGS, name)
    average = ours[1].strip().splitlines()[-1]  # -n EIP6: the rejected packets are in the file, not zeros
    assert average.split()[3] not in ("0.00", "0,00"), average  # iukwnp6/s


def test_sections_sit_where_sar_a_puts_them(xall: XallDay) -> None:
    """-A of the imported file: the five after -n SOCK6, in sadc's activity order."""
    assert_sections_as_in_sar_a(
        xall, ("idgm/s", "tcp6sck", "irec6/s", "ihdrer6/s", "imsg6/s", "ierr6/s", "idgm6/s")
    )


@pytest.mark.parametrize("name", list(LOCALES))
def test_sar_text_of_the_file_imports_to_sars_numbers(xall: XallDay, tmp_path: Path, name: str) -> None:
    """`sar -A > file` (computed values, no counters) imported as text rows: the IPv6 reports render as sar's."""
    sa, sar = xall.sa, xall.sar
    loc = locale_or_unavailable(name)
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
