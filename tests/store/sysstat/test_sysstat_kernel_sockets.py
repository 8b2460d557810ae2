"""sar -v, -n SOCK and -n SOCK6 from an sa file recorded by the real sadc with ``-S XALL`` while sockets open,
close and wait in TIME_WAIT: imported, then reported by hostward, byte for byte what sar prints, in every
locale sysstat writes; and -A carries the sections in sar's place."""

from __future__ import annotations

import pytest
from tests.report.sidebyside import socket_traffic
from tests.store.sysstat.conftest import (
    LOCALES,
    XallDay,
    assert_sars_bytes,
    assert_sections_as_in_sar_a,
    xall_import,
)

pytestmark = pytest.mark.peer

FLAGS: tuple[tuple[str, ...], ...] = (("-v",), ("-n", "SOCK"), ("-n", "SOCK6"), ("-v", "-n", "SOCK6,SOCK"),
                                      ("-n", "IP,EIP"), ("-n", "TCP,ETCP"), ("-n", "UDP"), ("-H",))  # fmt: skip


@pytest.fixture(scope="module")
def xall(tmp_path_factory: pytest.TempPathFactory) -> XallDay:
    kept = ("A_KTABLES", "A_NET_SOCK", "A_NET_IP", "A_NET_EIP", "A_NET_TCP", "A_NET_ETCP", "A_NET_UDP")
    return xall_import(tmp_path_factory, "xall", traffic=lambda _: socket_traffic(), kept=kept)


@pytest.mark.parametrize("name", list(LOCALES))
def test_imported_kernel_tables_and_sockets_are_sars_bytes(xall: XallDay, name: str) -> None:
    ours = assert_sars_bytes(xall, FLAGS, name)
    assert "tcp-tw" in ours[1] and "ip6-frag" in ours[2]


def test_sections_sit_where_sar_a_puts_them(xall: XallDay) -> None:
    """-A of the imported file: -v between -S and -q, SOCK after the interface reports, SOCK6 after SOCK."""
    headers = ("kbswpfree", "kbhugfree", "dentunusd", "runq-sz", "rxerr/s", "totsck", "irec/s", "ihdrerr/s", "active/s",
               "atmptf/s", "idgm/s", "tcp6sck")  # fmt: skip
    assert_sections_as_in_sar_a(xall, headers)
