"""A_SERIAL of a sysstat 12.6 sa file -> ``SerialLine`` records (sa_decode_optional.py calls this for each record).

``struct stats_serial {unsigned int rx, tx, frame, parity, brk, overrun, line;}`` (rd_stats.h), one per port
sadc read in that record; kept as they are, so sar -y on the imported file is sar's.
"""

from __future__ import annotations

from hostward.collect.serial import SerialLine

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


def decode_serial(items: list[tuple[Any, ...]] | None) -> tuple[SerialLine, ...]:
    out = []
    for item in items or ():
        rx, tx, frame, parity, brk, overrun, line = (int(x) for x in item)
        out.append(SerialLine(line, rx, tx, frame, parity, brk, overrun))
    return tuple(out)
