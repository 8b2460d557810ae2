"""/proc/tty/driver/serial as sadc reads it (rd_stats.c read_tty_driver_serial): ports with tx/rx accounting,
counters printed only when not zero, 32-bit values; root's file on the live kernel; the store keeping them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import require_root
from tests.store.conftest import HOST, series

from hostward.collect.serial import SerialLine, parse_serial, read_serial
from hostward.errors import CollectError
from hostward.procfs import ProcFS
from hostward.store import DataFileWriter, read_file
from hostward.store.shape import shape_of

TEXT = """\
serinfo:1.0 driver revision:
0: uart:16550A port:000003F8 irq:4 tx:17 rx:0 RTS|CTS|DTR|DSR|CD
1: uart:16550A port:000002F8 irq:3 tx:4294967297 rx:12 fe:1 pe:2 brk:3 oe:4 CTS|DSR|CD
2: uart:unknown port:000003E8 irq:4
"""


def test_ports_with_accounting_only_and_32_bit_values() -> None:
    assert parse_serial(TEXT) == (
        SerialLine(0, rx=0, tx=17),
        SerialLine(1, rx=12, tx=1, frame=1, parity=2, brk=3, overrun=4),
    )
    assert parse_serial(None) == () == parse_serial("serinfo:1.0 driver revision:\n")


@given(st.text(alphabet=st.sampled_from(list("0123456789 :txrfepbkoa\n-|")), max_size=300))
def test_any_text_gives_ports_within_32_bits(text: str) -> None:
    for port in parse_serial(text):
        assert all(0 <= v < 2**32 for v in dataclasses.astuple(port))


def test_unreadable_file_is_no_ports() -> None:
    def denied(relpath: str) -> str | None:
        raise CollectError(f"cannot read /proc/{relpath}: Permission denied")

    assert read_serial(denied) == ()


def test_live_kernel_as_root() -> None:
    require_root()  # /proc/tty/driver is root's; the test machines' ttyS0 is the VM's console
    ports = read_serial(ProcFS().read_optional)
    assert ports and ports[0].line == 0 and ports[0].tx > 0  # the console has printed at boot


def test_store_round_trip_with_ports_coming_and_going(tmp_path: Path) -> None:
    samples = [
        dataclasses.replace(s, serial=(SerialLine(0, rx=i, tx=100 * i), SerialLine(1, frame=i % 2)))
        for i, s in enumerate(series(6))
    ]
    samples[2] = dataclasses.replace(samples[2], serial=())
    samples[4] = dataclasses.replace(samples[4], serial=(SerialLine(3, tx=5),))
    path = tmp_path / "hw"
    with DataFileWriter.open(path, dt.date(2026, 12, 5), HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    assert read_file(path).entries == tuple(samples)
    assert shape_of(samples[4]).serial == (3,) and shape_of(samples[2]).serial == ()
