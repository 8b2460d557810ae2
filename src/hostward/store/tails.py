"""The per-item sections that end a sample's integers, in this order: sar -I's counts (interrupts x CPUs),
sar -y's serial lines, sar -n SOFT's per-CPU lines, then the OPTIONAL_LISTS (sar -F's filesystems). Each reader
takes ``pos``, where the interrupts start, and skips the sections before its own."""

from __future__ import annotations

from collections.abc import Callable

from hostward.store.records import Maker
from hostward.store.schema import SCHEMA
from hostward.store.shape import OPTIONAL_LISTS, Shape

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a report's start-up, issue 17)
if TYPE_CHECKING:  # the records are imported when a file has their section
    from typing import Any

    from hostward.collect.interrupts import Interrupts
    from hostward.collect.serial import SerialLine
    from hostward.collect.softnet import Softnet

_W_IRQ = len(SCHEMA["irq"])
_W_SERIAL = len(SCHEMA["serial"])
_W_SOFTNET = len(SCHEMA["softnet"])


def _serial_start(shape: Shape, pos: int) -> int:
    """Where sar -y's lines start: after the interrupts (``pos``: where the interrupts start)."""
    return pos + len(shape.irqs) * shape.irq_cpus * _W_IRQ


def _softnet_start(shape: Shape, pos: int) -> int:
    """Where sar -n SOFT's lines start: after the serial lines."""
    return _serial_start(shape, pos) + len(shape.serial) * _W_SERIAL


def build_lists(
    makers: Callable[[str], Maker], shape: Shape, ints: list[int], pos: int, wanted: frozenset[str] | None
) -> dict[str, tuple[Any, ...] | None]:
    """The OPTIONAL_LISTS records of a sample, after its softnet lines (``pos``: where the interrupts start;
    ``wanted``: only those groups, None: all); a list of a later version is not in our vector."""
    out: dict[str, tuple[Any, ...] | None] = dict.fromkeys(OPTIONAL_LISTS)
    pos = _softnet_start(shape, pos) + shape.softnet * _W_SOFTNET
    for group, items in shape.lists:
        if group not in OPTIONAL_LISTS:
            continue
        width = len(SCHEMA[group])
        if wanted is None or group in wanted:  # the record class is imported only when it is read
            made = makers(group)
            out[group] = tuple(made(ints, pos + i * width, *names) for i, names in enumerate(items))
        pos += width * len(items)
    return out


def serial_at(shape: Shape, ints: list[int], pos: int, make: Maker) -> tuple[SerialLine, ...]:
    """sar -y's lines, after the interrupts (``pos``: where the interrupts start)."""
    if not shape.serial:
        return ()
    at = _serial_start(shape, pos)
    return tuple(make(ints, at + i * _W_SERIAL, line) for i, line in enumerate(shape.serial))


def softnet_at(shape: Shape, ints: list[int], pos: int) -> Softnet | None:
    """sar -n SOFT's lines, after the interrupts and the serial lines (``pos``: where the interrupts start)."""
    if not shape.softnet:
        return None
    from hostward.collect.softnet import Softnet  # noqa: PLC0415

    at = _softnet_start(shape, pos)
    return Softnet(tuple(ints[at : at + shape.softnet * _W_SOFTNET]))


def interrupts_at(shape: Shape, ints: list[int], pos: int) -> Interrupts | None:
    """sar -I's counts, which end the integers (after ``pos``) when the shape lists interrupts."""
    if not shape.irqs:
        return None
    from hostward.collect.interrupts import Interrupts  # noqa: PLC0415

    return Interrupts(shape.irqs, shape.irq_cpus, tuple(ints[pos : _serial_start(shape, pos)]))
