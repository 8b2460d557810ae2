"""sar -v, -n SOCK and -n SOCK6 from an sa file recorded by the real sadc with ``-S XALL`` while sockets open,
close and wait in TIME_WAIT: imported, then reported by hostward, byte for byte what sar prints, in every
locale sysstat writes; and -A carries the sections in sar's place."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.conftest import require_binary, unavailable
from tests.report.sidebyside import socket_traffic
from tests.store.sysstat.conftest import LOCALES, available, locale_env, run_hostward_sar, run_sar

from hostward.store.sysstat import import_files

pytestmark = pytest.mark.peer

FLAGS: tuple[tuple[str, ...], ...] = (("-v",), ("-n", "SOCK"), ("-n", "SOCK6"), ("-v", "-n", "SOCK6,SOCK"),
                                      ("-n", "IP,EIP"), ("-n", "TCP,ETCP"), ("-n", "UDP"), ("-H",))  # fmt: skip


@pytest.fixture(scope="module")
def xall(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    found = require_binary("sadc", "sar")
    work = tmp_path_factory.mktemp("xall")
    sa = work / "sa"
    with socket_traffic():
        subprocess.run(
            [found["sadc"], "-S", "XALL", "1", "4", str(sa)], check=True, env=locale_env(LOCALES["C"])
        )
    done = import_files([sa], work / "data")
    assert done[0].kind == "sa" and done[0].added == 4
    kept = ("A_KTABLES", "A_NET_SOCK", "A_NET_IP", "A_NET_EIP", "A_NET_TCP", "A_NET_ETCP", "A_NET_UDP")
    assert not any(f"{name} (" in note for note in done[0].skipped for name in kept)
    return sa, work / "data" / f"hw{done[0].days[0]:%Y%m%d}", found["sar"]


@pytest.mark.parametrize("name", list(LOCALES))
def test_imported_kernel_tables_and_sockets_are_sars_bytes(xall: tuple[Path, Path, str], name: str) -> None:
    sa, day_file, sar = xall
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    ours = run_hostward_sar(FLAGS, day_file, loc)
    for flags, text in zip(FLAGS, ours, strict=True):
        theirs = run_sar(sar, flags, sa, loc)
        assert text == theirs, f"sar {' '.join(flags)} in {name}:\n{text}\n--- sar:\n{theirs}"
    assert "tcp-tw" in ours[1] and "ip6-frag" in ours[2]


def test_sections_sit_where_sar_a_puts_them(xall: tuple[Path, Path, str]) -> None:
    """-A of the imported file: -v between -S and -q, SOCK after the interface reports, SOCK6 after SOCK."""
    sa, day_file, sar = xall
    ours = run_hostward_sar((("-A",),), day_file, LOCALES["C"])[0]
    theirs = run_sar(sar, ("-A",), sa, LOCALES["C"])
    headers = ("kbswpfree", "kbhugfree", "dentunusd", "runq-sz", "rxerr/s", "totsck", "irec/s", "ihdrerr/s", "active/s",
               "atmptf/s", "idgm/s", "tcp6sck")  # fmt: skip
    assert [h for h in headers if h in ours] == list(headers)
    assert sorted(headers, key=ours.index) == sorted(headers, key=theirs.index)
    for header in headers:  # each block identical to sar's
        block = ours[ours.index(header) - 11 :].split("\n\n")[0]
        assert block in theirs, header
