"""sar -y: serial line activity per port, as sysstat 12.6 prints it (pr_stats.c print_serial_stats; activity.c
A_SERIAL, header "TTY;rcvin/s;xmtin/s;framerr/s;prtyerr/s;brk/s;ovrun/s").

One row per port of /proc/tty/driver/serial with tx/rx accounting, matched with the previous sample's port of
the same number (a port that was not there before is left out, as sar does); the item is the port number, first
on the line even with -p. Counters are 32-bit (``unsigned int``): a rate is the difference modulo 2**32, as C
computes ``S_VALUE`` on unsigned ints. The file is root's: without root there are no rows, as for sadc.
"""

from __future__ import annotations

from hostward.activities.base import Activity, Column, Interval, ItemSpec, Kind, Row, Tolerance, sar_itv
from hostward.collect.serial import SerialLine

_MASK = 0xFFFFFFFF
_CHARS = Tolerance("characters sent or received on the port between the two reads (the console's output)",
                   abs=100.0, rel=0.1)  # fmt: skip
_ERRS = Tolerance("line errors between the reads", abs=2.0, rel=0.1)
_FIELDS = ("rx", "tx", "frame", "parity", "brk", "overrun")


def tty_rows(span: Interval) -> list[Row]:
    before = {port.line: port for port in span.prev.serial}
    since_boot = span.prev.uptime_seconds == 0  # sar 0: every port against the zeroed record
    out: list[Row] = []
    itv = sar_itv(span.itv_cs)
    for port in span.curr.serial:
        then = before.get(port.line) or (SerialLine(port.line) if since_boot else None)
        if then is None:
            continue
        out.append(
            Row(
                str(port.line),
                tuple(
                    ((getattr(port, f) - getattr(then, f)) & _MASK) / itv * 100 if itv > 0 else 0.0
                    for f in _FIELDS
                ),
            )
        )
    return out


TTY = Activity(
    name="tty",
    flag="-y",
    order=10,  # A_SERIAL, between A_QUEUE and A_DISK in act[]
    title="serial lines: characters received and sent, line errors",
    kind=Kind.COUNTER,
    columns=(
        Column("rcvin/s", "rcvin", "per_second", parity=_CHARS),
        Column("xmtin/s", "xmtin", "per_second", parity=_CHARS),
        Column("framerr/s", "framerr", "per_second", parity=_ERRS),
        Column("prtyerr/s", "prtyerr", "per_second", parity=_ERRS),
        Column("brk/s", "brk", "per_second", parity=_ERRS),
        Column("ovrun/s", "ovrun", "per_second", parity=_ERRS),
    ),
    rows=tty_rows,
    json_section="serial",
    json_list=True,
    item=ItemSpec("TTY", json_key="line", movable=False, ppc_item="ttyS{}", json_number=True),
)
