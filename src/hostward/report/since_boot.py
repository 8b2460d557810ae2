"""``sar 0``: statistics since boot, as rates between an all-zero sample and the current one.

sar.c write_stats_startup zeroes the previous record (its uptime too) and every activity's previous buffer,
then prints one ordinary report: each counter's rate is its value over the uptime, each gauge is read as it
is, and there is no ``Average:`` line. :func:`boot_sample` builds that zeroed previous sample from a real one, so
the items (CPUs, devices, interfaces) are the same and only the numbers differ.
"""

from __future__ import annotations

from hostward.collect.sample import SystemSample
from hostward.frozen import is_named_tuple, replace

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any


def _zero(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str | bytes):
        return value
    if isinstance(value, int | float):
        return type(value)(0)
    if isinstance(value, tuple):
        zeroed = tuple(_zero(v) for v in value)
        named: Any = value
        return named._make(zeroed) if is_named_tuple(type(value)) else zeroed  # a named tuple keeps its type
    if isinstance(value, dict):
        return {k: _zero(v) for k, v in value.items()}
    names = type(value).__dict__.get("__frozen_fields__")
    if names is not None:  # a @frozen record (hostward.frozen): without importing dataclasses
        return replace(value, **{name: _zero(getattr(value, name)) for name in names})
    if hasattr(type(value), "__dataclass_fields__"):  # the optional records still made by dataclasses
        import dataclasses  # noqa: PLC0415

        return dataclasses.replace(
            value, **{f.name: _zero(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        )
    return value


def boot_sample(sample: SystemSample) -> SystemSample:
    """``sample`` with every counter and gauge at 0, keeping its names and its time (sar labels the header
    line with the current time: the zeroed record keeps the current record's hour, minute and second)."""
    zeroed: SystemSample = _zero(sample)
    return replace(zeroed, timestamp=sample.timestamp)
