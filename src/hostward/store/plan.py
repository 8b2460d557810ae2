"""How to read the sample vectors of one shape in one file: where each of this version's values sits in the
file's vector, and the defaults of the fields an older (or newer) writer's schema lacks."""

from __future__ import annotations

import importlib

from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.disk import DiskStats
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.net import NetDev
from hostward.collect.pressure import PressureLine
from hostward.collect.sample import ClockSample, MemcachedSample
from hostward.frozen import frozen, is_named_tuple
from hostward.store.framing import Corrupt
from hostward.store.schema import SCHEMA
from hostward.store.shape import Shape, record_class

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a report's start-up, issue 17)
if TYPE_CHECKING:
    from typing import Any


@frozen
class SamplePlan:
    """How to read the vectors of one shape in one file."""

    shape: Shape
    n_int: int  # values per sample in the file
    n_float: int
    # None when the file's layout is ours (files of this version); else, for each of our values, its index in
    # the file's vector extended by the defaults (a field the file lacks reads as its default; a field we do
    # not know is skipped).
    int_index: tuple[int, ...] | None
    int_defaults: tuple[Any, ...]
    float_index: tuple[int, ...] | None
    float_defaults: tuple[float, ...]
    missing: frozenset[str]  # MemInfo.missing


def _int_groups(shape: Shape) -> list[str]:
    """The integer groups of a sample of ``shape`` in vector order, after the timestamp (as ``flatten``)."""
    lines = sum(shape.pressure) if shape.pressure else 0
    groups = ["cpu_times"] * (1 + sum(shape.cpu_present)) + ["cpu_stat", "load_int", "memory", "vmstat"]
    groups += ["disk"] * len(shape.disks) + ["net"] * len(shape.nets) + ["psi_int"] * lines
    groups += ["time"] if shape.time else []
    return (
        groups
        + ["cache"] * len(shape.caches)
        + list(shape.extras)
        + ["irq"] * (len(shape.irqs) * shape.irq_cpus)
        + ["serial"] * len(shape.serial)
        + ["softnet"] * shape.softnet
        + [group for group, items in shape.lists for _ in items]
    )


def _float_groups(shape: Shape) -> list[str]:
    """The float groups after the uptime."""
    return ["load_float"] + ["psi_float"] * (sum(shape.pressure) if shape.pressure else 0)


def _index(
    file_schema: dict[str, tuple[str, ...]], groups: list[str], size: int, as_float: bool
) -> tuple[tuple[int, ...] | None, tuple[Any, ...]]:
    index, defaults, pos = [0], [], 1
    for group in groups:
        theirs = file_schema.get(group, ())
        for name in SCHEMA.get(group, ()):  # a group we do not know is skipped
            if name in theirs:
                index.append(pos + theirs.index(name))
            else:
                default = _default(_group_class(group), name)
                defaults.append(float(default) if as_float else default)
                index.append(size + len(defaults) - 1)
        pos += len(theirs)
    if pos != size:
        raise Corrupt("sample size does not match its shape")
    if not defaults and index == list(range(size)):
        return None, ()
    return tuple(index), tuple(defaults)


def make_plan(file_schema: dict[str, tuple[str, ...]], shape: Shape) -> SamplePlan:
    n_int, n_float = shape.int_count(file_schema), shape.float_count(file_schema)
    int_index, int_defaults = _index(file_schema, _int_groups(shape), n_int, as_float=False)
    float_index, float_defaults = _index(file_schema, _float_groups(shape), n_float, as_float=True)
    return SamplePlan(
        shape,
        n_int,
        n_float,
        int_index,
        int_defaults,
        float_index,
        float_defaults,
        frozenset(shape.memory_missing),
    )


_GROUP_CLASSES: dict[str, type[Any]] = {
    "cpu_times": CpuTimes,
    "cpu_stat": CpuStat,
    "load_int": LoadAvg,
    "load_float": LoadAvg,
    "memory": MemInfo,
    "vmstat": VmStat,
    "disk": DiskStats,
    "net": NetDev,
    "psi_int": PressureLine,
    "psi_float": PressureLine,
    "time": ClockSample,
    "cache": MemcachedSample,
}
# The per-item sections' records: (hostward.collect module, class), imported when an older file lacks a field.
_TAIL_CLASSES = {
    "irq": ("interrupts", "Interrupts"),  # one "count" per interrupt and CPU: a missing one reads 0
    "serial": ("serial", "SerialLine"),
    "softnet": ("softnet", "Softnet"),  # every field defaults to 0
}


def _group_class(group: str) -> type[Any]:
    cls = _GROUP_CLASSES.get(group)
    if cls is not None:
        return cls
    if group in _TAIL_CLASSES:
        module, name = _TAIL_CLASSES[group]
        tail: type[Any] = getattr(importlib.import_module(f"hostward.collect.{module}"), name)
        return tail
    return record_class(group)


def _default(cls: type[Any], name: str) -> Any:
    if is_named_tuple(cls):  # collect.cpu.CpuTimes
        return cls._field_defaults.get(name, 0)
    # Imported here: only a file of another version lacks a field, and dataclasses is ~6 ms of start-up.
    import dataclasses  # noqa: PLC0415

    for f in dataclasses.fields(cls):
        if f.name == name and f.default is not dataclasses.MISSING:
            return f.default
    return 0
