"""A SystemSample as a flat list of integers, and back.

The recorder stores every sample as one vector of integers so that consecutive samples can be subtracted
(deltas of cumulative counters are small and mostly zero) and packed at C speed. What is not a number (disk and
interface names, which CPUs are online, which pressure files exist) is the sample's *shape*; it changes rarely
and is written in its own frame when it does.

The field names of every record are written in each file's header (the *schema*), so a later hostward whose
collectors gained or lost fields still reads this version's files: a field missing from the file reads as its
default (0), a field the reader no longer knows is ignored.

Floating-point values the kernel prints with two decimals (uptime, load averages, PSI averages) are stored as
hundredths when that is exact, else (only if a caller built a sample by hand) as their IEEE-754 bit pattern;
the wall-clock timestamp is always stored as its bit pattern, so every value reads back exactly.
"""

from __future__ import annotations

import struct
from dataclasses import MISSING, dataclass, fields
from operator import attrgetter
from typing import Any

from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.disk import DiskStats
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.net import NetDev
from hostward.collect.pressure import Pressure, PressureLine, PressureSet
from hostward.collect.sample import ClockSample, SystemSample
from hostward.store.framing import Corrupt, Reader, Writer


def _int_fields(cls: type[Any], exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name not in exclude)


# Group name -> field names, in vector order. Written into every file header.
SCHEMA: dict[str, tuple[str, ...]] = {
    "cpu_times": _int_fields(CpuTimes),
    "cpu_stat": _int_fields(CpuStat, ("all", "per_cpu")),
    "load_int": ("runnable", "threads", "last_pid"),
    "load_float": ("load1", "load5", "load15"),
    "memory": _int_fields(MemInfo, ("missing",)),
    "vmstat": _int_fields(VmStat),
    "disk": _int_fields(DiskStats, ("name", "whole_device", "physical")),
    "net": _int_fields(NetDev, ("name",)),  # full_duplex is stored as 0/1
    "psi_int": ("total_us",),
    "psi_float": ("avg10", "avg60", "avg300"),
    # Added after format 1 shipped: time health (adjtimex, server offset), at the end of a sample's integers
    # when its shape says it has one. Files without the group (the format-1 golden file) read with time None.
    "time": _int_fields(ClockSample),
}
PSI_RESOURCES = ("cpu", "memory", "io")
_BITS = struct.Struct("<d")
_QBITS = struct.Struct("<q")


def float_bits(value: float) -> int:
    return int(_QBITS.unpack(_BITS.pack(value))[0])


def bits_float(value: int) -> float:
    return float(_BITS.unpack(_QBITS.pack(value))[0])


@dataclass(frozen=True, slots=True)
class Shape:
    """Everything about a sample that is not a number."""

    cpu_present: tuple[bool, ...]  # per CPU number: has a line in /proc/stat (online)
    disks: tuple[tuple[str, bool, bool], ...]  # name, whole_device, physical
    nets: tuple[str, ...]
    # None: no PSI at all; else per resource (cpu, memory, io): 0 absent, 1 "some" only, 2 "some" and "full"
    pressure: tuple[int, int, int] | None
    memory_missing: tuple[str, ...]
    time: bool = False  # the sample carries a ClockSample (the "time" group); written only when True

    def int_count(self, schema: dict[str, tuple[str, ...]]) -> int:
        n_cpu = 1 + sum(self.cpu_present)
        lines = sum(self.pressure) if self.pressure else 0
        return (
            1  # timestamp bits
            + n_cpu * len(schema["cpu_times"])
            + len(schema["cpu_stat"])
            + len(schema["load_int"])
            + len(schema["memory"])
            + len(schema["vmstat"])
            + len(self.disks) * len(schema["disk"])
            + len(self.nets) * len(schema["net"])
            + lines * len(schema["psi_int"])
            + (len(schema.get("time", ())) if self.time else 0)
        )

    def float_count(self, schema: dict[str, tuple[str, ...]]) -> int:
        lines = sum(self.pressure) if self.pressure else 0
        return 1 + len(schema["load_float"]) + lines * len(schema["psi_float"])

    def encode(self) -> bytes:
        out = Writer().uint(len(self.cpu_present))
        for present in self.cpu_present:
            out.uint(int(present))
        out.uint(len(self.disks))
        for name, whole, physical in self.disks:
            out.text(name).uint(int(whole)).uint(int(physical))
        out.uint(len(self.nets))
        for name in self.nets:
            out.text(name)
        if self.pressure is None:
            out.uint(0)
        else:
            out.uint(1)
            for code in self.pressure:
                out.uint(code)
        out.uint(len(self.memory_missing))
        for key in self.memory_missing:
            out.text(key)
        if self.time:
            # Appended only when present, so a shape without time health is byte-identical to format 1's.
            out.uint(1)
        return out.bytes()

    @staticmethod
    def decode(data: bytes | memoryview) -> Shape:
        r = Reader(data)
        cpus = tuple(bool(r.uint()) for _ in range(r.count(1 << 16)))
        disks = tuple((r.text(), bool(r.uint()), bool(r.uint())) for _ in range(r.count(1 << 16)))
        nets = tuple(r.text() for _ in range(r.count(1 << 16)))
        pressure: tuple[int, int, int] | None = None
        if r.uint():
            codes = (r.uint(), r.uint(), r.uint())
            if max(codes) > 2:
                raise Corrupt("bad pressure code")
            pressure = codes
        missing = tuple(r.text() for _ in range(r.count(1 << 10)))
        time = bool(r.uint()) if r.pos < len(r.data) else False  # absent before the "time" group existed
        r.done()
        return Shape(cpus, disks, nets, pressure, missing, time)


def shape_of(sample: SystemSample) -> Shape:
    pressure: tuple[int, int, int] | None = None
    if sample.pressure is not None:
        codes = []
        for resource in PSI_RESOURCES:
            p: Pressure | None = getattr(sample.pressure, resource)
            codes.append(0 if p is None else 1 if p.full is None else 2)
        pressure = (codes[0], codes[1], codes[2])
    return Shape(
        cpu_present=tuple(c is not None for c in sample.cpu.per_cpu),
        disks=tuple((d.name, d.whole_device, d.physical) for d in sample.disks),
        nets=tuple(n.name for n in sample.nets),
        pressure=pressure,
        memory_missing=tuple(sorted(sample.memory.missing)),
        time=sample.time is not None,
    )


_get_cpu = attrgetter(*SCHEMA["cpu_times"])
_get_stat = attrgetter(*SCHEMA["cpu_stat"])
_get_load_i = attrgetter(*SCHEMA["load_int"])
_get_load_f = attrgetter(*SCHEMA["load_float"])
_get_mem = attrgetter(*SCHEMA["memory"])
_get_vm = attrgetter(*SCHEMA["vmstat"])
_get_disk = attrgetter(*SCHEMA["disk"])
_get_net = attrgetter(*SCHEMA["net"])
_get_psi_f = attrgetter(*SCHEMA["psi_float"])
_get_time = attrgetter(*SCHEMA["time"])


def flatten(sample: SystemSample) -> tuple[list[int], list[float]]:
    """(integers, floats) of a sample, in the order of SCHEMA and its shape; bools count as 0/1."""
    ints: list[int] = [float_bits(sample.timestamp)]
    floats: list[float] = [sample.uptime_seconds]
    cpu = sample.cpu
    ints += _get_cpu(cpu.all)
    for times in cpu.per_cpu:
        if times is not None:
            ints += _get_cpu(times)
    ints += _get_stat(cpu)
    ints += _get_load_i(sample.load)
    floats += _get_load_f(sample.load)
    ints += _get_mem(sample.memory)
    ints += _get_vm(sample.vmstat)
    for disk in sample.disks:
        ints += _get_disk(disk)
    for net in sample.nets:
        ints += _get_net(net)
    if sample.pressure is not None:
        for resource in PSI_RESOURCES:
            p: Pressure | None = getattr(sample.pressure, resource)
            if p is not None:
                for line in (p.some, p.full):
                    if line is not None:
                        ints.append(line.total_us)
                        floats += _get_psi_f(line)
    if sample.time is not None:
        ints += _get_time(sample.time)
    # NetDev.full_duplex is a bool among the ints: bool is an int subclass, so the zigzag and delta
    # arithmetic treat it as 0/1 without a conversion pass over the whole vector.
    return ints, floats


class Unflattener:
    """Rebuilds samples from vectors written with a file's schema (which may be older or newer than ours)."""

    def __init__(self, file_schema: dict[str, tuple[str, ...]]) -> None:
        self.schema = file_schema
        self._maps = {
            group: _field_map(group, names, file_schema.get(group, ())) for group, names in SCHEMA.items()
        }

    def _take(self, group: str, cls: type[Any], values: list[Any], pos: int, **extra: Any) -> tuple[Any, int]:
        mapping, width, bools = self._maps[group]
        chunk = values[pos : pos + width]
        if mapping is None:  # same fields in the same order: the common case
            for i in bools:
                chunk[i] = bool(chunk[i])
            if extra:
                return cls(**dict(zip(SCHEMA[group], chunk, strict=True)), **extra), pos + width
            return cls(*chunk), pos + width
        kwargs = {name: (chunk[i] if i is not None else default) for name, (i, default) in mapping.items()}
        for name, value in kwargs.items():
            if name in _BOOL_FIELDS[group]:
                kwargs[name] = bool(value)
        return cls(**kwargs, **extra), pos + width

    def build(self, shape: Shape, ints: list[int], floats: list[float]) -> SystemSample:
        if len(ints) != shape.int_count(self.schema) or len(floats) != shape.float_count(self.schema):
            raise Corrupt("sample size does not match its shape")
        take = self._take
        pos = 1
        all_times, pos = take("cpu_times", CpuTimes, ints, pos)
        per_cpu: list[CpuTimes | None] = []
        for present in shape.cpu_present:
            if present:
                times, pos = take("cpu_times", CpuTimes, ints, pos)
                per_cpu.append(times)
            else:
                per_cpu.append(None)
        cpu, pos = take("cpu_stat", CpuStat, ints, pos, all=all_times, per_cpu=tuple(per_cpu))
        fpos = 1
        lf_map, lf_width, _ = self._maps["load_float"]
        load_f = floats[fpos : fpos + lf_width]
        fpos += lf_width
        load_kwargs = _float_kwargs("load_float", lf_map, load_f)
        load, pos = take("load_int", LoadAvg, ints, pos, **load_kwargs)
        memory, pos = take("memory", MemInfo, ints, pos, missing=frozenset(shape.memory_missing))
        vmstat, pos = take("vmstat", VmStat, ints, pos)
        disks = []
        for name, whole, physical in shape.disks:
            disk, pos = take("disk", DiskStats, ints, pos, name=name, whole_device=whole, physical=physical)
            disks.append(disk)
        nets = []
        for name in shape.nets:
            net, pos = take("net", NetDev, ints, pos, name=name)
            nets.append(net)
        pressure = None
        if shape.pressure is not None:
            found: dict[str, Pressure | None] = {}
            pf_map, pf_width, _ = self._maps["psi_float"]
            for resource, code in zip(PSI_RESOURCES, shape.pressure, strict=True):
                lines: list[PressureLine] = []
                for _ in range(code):
                    avg = floats[fpos : fpos + pf_width]
                    fpos += pf_width
                    kwargs = _float_kwargs("psi_float", pf_map, avg)
                    line, pos = take("psi_int", PressureLine, ints, pos, **kwargs)
                    lines.append(line)
                found[resource] = Pressure(lines[0], lines[1] if len(lines) > 1 else None) if lines else None
            pressure = PressureSet(**found)
        clock = None
        if shape.time:
            clock, pos = take("time", ClockSample, ints, pos)
        return SystemSample(
            timestamp=bits_float(ints[0]),
            uptime_seconds=floats[0],
            cpu=cpu,
            load=load,
            memory=memory,
            vmstat=vmstat,
            disks=tuple(disks),
            nets=tuple(nets),
            pressure=pressure,
            time=clock,
        )


def _float_kwargs(
    group: str, mapping: dict[str, tuple[int | None, Any]] | None, values: list[float]
) -> dict[str, float]:
    if mapping is None:
        return dict(zip(SCHEMA[group], values, strict=True))
    return {name: (values[i] if i is not None else float(default)) for name, (i, default) in mapping.items()}


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
}
_BOOL_FIELDS: dict[str, frozenset[str]] = {
    group: frozenset(f.name for f in fields(cls) if f.type in ("bool", bool) and f.name in SCHEMA[group])
    for group, cls in _GROUP_CLASSES.items()
}


def _default(cls: type[Any], name: str) -> Any:
    for f in fields(cls):
        if f.name == name and f.default is not MISSING:
            return f.default
    return 0


def _field_map(
    group: str, ours: tuple[str, ...], theirs: tuple[str, ...]
) -> tuple[dict[str, tuple[int | None, Any]] | None, int, tuple[int, ...]]:
    """How to pick our fields out of a file's group: (None, width, bool positions) when identical, else
    name -> (index in the file or None, default). A field the file lacks takes the dataclass default (or 0)."""
    bools = tuple(i for i, name in enumerate(ours) if name in _BOOL_FIELDS[group])
    if ours == theirs:
        return None, len(theirs), bools
    cls = _GROUP_CLASSES[group]
    mapping = {name: (theirs.index(name) if name in theirs else None, _default(cls, name)) for name in ours}
    return mapping, len(theirs), bools


def encode_schema(out: Writer, schema: dict[str, tuple[str, ...]]) -> None:
    out.uint(len(schema))
    for group, names in schema.items():
        out.text(group).uint(len(names))
        for name in names:
            out.text(name)


def decode_schema(r: Reader) -> dict[str, tuple[str, ...]]:
    schema: dict[str, tuple[str, ...]] = {}
    for _ in range(r.count(1 << 10)):
        group = r.text()
        schema[group] = tuple(r.text() for _ in range(r.count(1 << 12)))
    return schema
