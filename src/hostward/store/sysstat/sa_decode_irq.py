"""A_IRQ of a sysstat 12.6 sa file -> ``Interrupts`` (sa_decode_optional.py calls this for each record).

The record holds ``count`` (CPUs + 1) blocks of ``nr2`` (interrupts + 1) ``struct stats_irq {unsigned int
irq_nr; char irq_name[8];}`` (rd_stats.h): block 0 is CPU "all" and the only one whose names are filled, item 0
of each block is the "sum" line. hostward keeps the per-CPU counts of the named interrupts and computes the
"all" column and the "sum" line when reporting, as sadc computed them (32-bit sums), so nothing is lost.
"""

from __future__ import annotations

import functools
from itertools import chain

from hostward.collect.interrupts import Interrupts

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


def _name(raw: Any) -> str:
    text = raw.split(b"\0", 1)[0] if isinstance(raw, bytes) else b""
    return text.decode("ascii", errors="replace")


@functools.lru_cache(maxsize=64)  # the same names in every record of a file
def _names(raw: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(_name(r) for r in raw)


def decode_irq(items: list[tuple[Any, ...]] | None, nr2: int) -> Interrupts | None:
    """``items``: every structure of the record in file order (``count * nr2``); None without A_IRQ."""
    if not items or nr2 < 2 or len(items) < 2 * nr2:
        return None  # no interrupts, or no CPU block besides "all"
    cpus = len(items) // nr2 - 1
    names = _names(tuple(item[1] for item in items[1:nr2]))
    # irq_nr is an unsigned int ("I"): within IRQ_MASK as unpacked. Interrupt i of CPU c is item
    # (c + 1) * nr2 + i; counts go interrupt by interrupt, CPU by CPU: one stepped slice per interrupt.
    values = [item[0] for item in items]
    stop = (cpus + 1) * nr2
    counts = tuple(chain.from_iterable(values[nr2 + i : stop : nr2] for i in range(1, nr2)))
    return Interrupts(names, cpus, counts)
