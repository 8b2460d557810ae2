"""Serial line counters for sar -y, from /proc/tty/driver/serial as sadc reads it (rd_stats.c
read_tty_driver_serial).

One line per port, e.g. ``0: uart:16550A port:000003F8 irq:4 tx:17 rx:0 fe:2 RTS|CTS``: only ports with a
``tx:`` field count (a port without a UART has none); the other counters are printed by the kernel only when
they are not zero. Values are 32-bit as sadc keeps them (``unsigned int``).

The directory /proc/tty/driver is readable by root only: unprivileged, there are no lines, as for sadc run
by an ordinary user (sar then prints no -y report).
"""

from __future__ import annotations

from collections.abc import Callable

from hostward.errors import CollectError
from hostward.frozen import frozen

_MASK = 0xFFFFFFFF
_FIELDS = (("rx:", "rx"), ("fe:", "frame"), ("pe:", "parity"), ("brk:", "brk"), ("oe:", "overrun"))


@frozen
class SerialLine:
    """Characters received and sent, and line errors, of one serial port since boot."""

    line: int  # the port number (ttyS<line>)
    rx: int = 0
    tx: int = 0
    frame: int = 0
    parity: int = 0
    brk: int = 0
    overrun: int = 0


def _number(text: str) -> int:
    """sscanf "%u": the leading digits (after blanks), 0 when there are none."""
    text = text.lstrip(" \t")
    end = 0
    while end < len(text) and text[end].isascii() and text[end].isdigit():
        end += 1
    return int(text[:end]) & _MASK if end else 0


def parse_serial(text: str | None) -> tuple[SerialLine, ...]:
    lines: list[SerialLine] = []
    for row in (text or "").splitlines():
        at = row.find("tx:")
        if at < 0:
            continue
        values = {"tx": _number(row[at + 3 :])}
        for tag, name in _FIELDS:
            found = row.find(tag)
            if found >= 0:
                values[name] = _number(row[found + len(tag) :])
        lines.append(SerialLine(line=_number(row), **values))
    return tuple(lines)


def read_serial(read_optional: Callable[[str], str | None]) -> tuple[SerialLine, ...]:
    """``read_optional`` is ProcFS.read_optional or the recorder's KernelFiles.read_optional. Unreadable (not
    root) or absent: no lines."""
    try:
        return parse_serial(read_optional("tty/driver/serial"))
    except CollectError:
        return ()
