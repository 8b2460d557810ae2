"""Reading only some parts of each sample: what a report's activities read, nothing else.

A sample holds every activity's counters, but ``sar -u`` reads only the CPU times: building the memory,
paging, disk, interface and pressure records of every sample of a day was most of the time and memory such
a report took (issue 17). A reader asked for ``parts`` (names of SystemSample fields, ``SAMPLE_PARTS``)
builds those; a field not asked for holds a shared empty record (all zero; no disks, interfaces, pressure,
clock or caches). The timestamp and the uptime, which every report needs, are always read.
"""

from __future__ import annotations

import functools
from typing import Any

from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.disk import DiskStats
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.net import NetDev
from hostward.collect.pressure import Pressure, PressureLine, PressureSet
from hostward.collect.sample import MemcachedSample, SystemSample
from hostward.frozen import frozen
from hostward.store.layout import (
    _W_CACHE,
    _W_CPU,
    _W_DISK,
    _W_LOAD_F,
    _W_LOAD_I,
    _W_MEM,
    _W_NET,
    _W_PSI_F,
    _W_PSI_I,
    _W_STAT,
    _W_TIME,
    _W_VM,
    PART_ORDER,
    SamplePlan,
    _makers,
)
from hostward.store.schema import SCHEMA
from hostward.store.shape import OPTIONAL_GROUPS, OPTIONAL_LISTS, bits_float
from hostward.store.tails import build_lists, interrupts_at, serial_at, softnet_at

SAMPLE_PARTS = frozenset(PART_ORDER)


@frozen
class _Blank:
    cpu: CpuStat
    load: LoadAvg
    memory: MemInfo
    vmstat: VmStat


@functools.cache
def _blank() -> _Blank:
    make = _makers()
    zeros = [0] * max(_W_CPU, _W_STAT, _W_LOAD_I, _W_MEM, _W_VM)
    return _Blank(
        cpu=make.cpu_stat(zeros, 0, make.cpu_times(zeros, 0), ()),
        load=make.load(zeros, 0, 0.0, 0.0, 0.0),
        memory=make.memory(zeros, 0, frozenset()),
        vmstat=make.vmstat(zeros, 0),
    )


class PartsBuilder:
    """A ``layout.PartialBuild``: samples with only ``parts`` built, from vectors in our layout (offsets as in
    ``Unflattener.build_planned``)."""

    def __init__(self, parts: frozenset[str]) -> None:
        unknown = parts - SAMPLE_PARTS
        if unknown:
            raise ValueError(f"unknown sample parts {sorted(unknown)}")
        self.parts = parts
        self._make = _makers()
        self._blank = _blank()

    def head(self, plan: SamplePlan) -> int:
        """How many of a vector's leading integers the parts read (the timestamp at least): the decoder can
        leave the rest of each frame's integers undecoded (``framing.decode_varint_ends``). Offsets as in
        ``__call__``; the floats (uptime, load, pressure) are few and always read."""
        shape, parts = plan.shape, self.parts
        end = 1 + (1 + sum(shape.cpu_present)) * _W_CPU + _W_STAT
        need = end if "cpu" in parts else 1
        lines = sum(shape.pressure) if shape.pressure else 0
        sizes = [
            ("load", _W_LOAD_I),
            ("memory", _W_MEM),
            ("vmstat", _W_VM),
            ("disks", len(shape.disks) * _W_DISK),
            ("nets", len(shape.nets) * _W_NET),
            ("pressure", lines * _W_PSI_I),
            ("time", _W_TIME if shape.time else 0),
            ("caches", len(shape.caches) * _W_CACHE),
        ]
        sizes += [(group, len(SCHEMA[group])) for group in shape.extras if group in OPTIONAL_GROUPS]
        # sar -I's counts end the vector
        sizes.append(("interrupts", len(shape.irqs) * shape.irq_cpus * len(SCHEMA["irq"])))
        sizes.append(("serial", len(shape.serial) * len(SCHEMA["serial"])))  # sar -y's lines follow them
        sizes.append(("softnet", shape.softnet * len(SCHEMA["softnet"])))  # then sar -n SOFT's
        sizes += [(g, len(items) * len(SCHEMA[g])) for g, items in shape.lists if g in OPTIONAL_LISTS]
        for part, size in sizes:
            end += size
            if part in parts:
                need = end
        return need

    def __call__(
        self, plan: SamplePlan, ints: list[int], floats: list[float], timestamp: float | None
    ) -> SystemSample:
        make, blank, shape, parts = self._make, self._blank, plan.shape, self.parts
        pos = 1 + (1 + sum(shape.cpu_present)) * _W_CPU
        cpu = blank.cpu
        if "cpu" in parts:
            make_times = make.cpu_times
            at = 1 + _W_CPU
            per_cpu: list[CpuTimes | None] = []
            for present in shape.cpu_present:
                if present:
                    per_cpu.append(make_times(ints, at))
                    at += _W_CPU
                else:
                    per_cpu.append(None)
            cpu = make.cpu_stat(ints, pos, make_times(ints, 1), tuple(per_cpu))
        pos += _W_STAT
        load = make.load(ints, pos, *floats[1 : 1 + _W_LOAD_F]) if "load" in parts else blank.load
        pos += _W_LOAD_I
        memory = make.memory(ints, pos, plan.missing) if "memory" in parts else blank.memory
        pos += _W_MEM
        vmstat = make.vmstat(ints, pos) if "vmstat" in parts else blank.vmstat
        pos += _W_VM
        disks: tuple[DiskStats, ...] = ()
        if "disks" in parts:
            make_disk = make.disk
            disks = tuple(
                make_disk(ints, pos + i * _W_DISK, name, whole, physical)
                for i, (name, whole, physical) in enumerate(shape.disks)
            )
        pos += len(shape.disks) * _W_DISK
        nets: tuple[NetDev, ...] = ()
        if "nets" in parts:
            make_net = make.net
            nets = tuple(make_net(ints, pos + i * _W_NET, name) for i, name in enumerate(shape.nets))
        pos += len(shape.nets) * _W_NET
        pressure = None
        if "pressure" in parts and shape.pressure is not None:
            pressure = self._pressure(shape.pressure, ints, floats, pos)
        pos += (sum(shape.pressure) if shape.pressure else 0) * _W_PSI_I
        clock = make.time(ints, pos) if shape.time and "time" in parts else None
        pos += _W_TIME if shape.time else 0
        caches: tuple[MemcachedSample, ...] = ()
        if "caches" in parts:
            make_cache = make.cache
            caches = tuple(make_cache(ints, pos + i * _W_CACHE, s) for i, s in enumerate(shape.caches))
        pos += len(shape.caches) * _W_CACHE
        optional: dict[str, Any] = dict.fromkeys(OPTIONAL_GROUPS)
        for group in shape.extras:  # kernel tables, sockets (a later version's group is not in our vector)
            if group in OPTIONAL_GROUPS:  # its record class is imported only when a report reads it
                if group in parts:
                    optional[group] = make.optional(group)(ints, pos)
                pos += len(SCHEMA[group])
        interrupts = interrupts_at(shape, ints, pos) if "interrupts" in parts else None
        serial = serial_at(shape, ints, pos, make.serial) if "serial" in parts else ()
        softnet = softnet_at(shape, ints, pos) if "softnet" in parts else None
        lists = build_lists(make.listed, shape, ints, pos, parts)
        return make.sample(  # type: ignore[no-any-return]
            None,
            0,
            bits_float(ints[0]) if timestamp is None else timestamp,
            floats[0],
            cpu,
            load,
            memory,
            vmstat,
            disks,
            nets,
            pressure,
            clock,
            caches,
            *optional.values(),
            interrupts,
            serial,
            softnet,
            *lists.values(),
        )

    def _pressure(
        self, codes: tuple[int, int, int], ints: list[int], floats: list[float], pos: int
    ) -> PressureSet:
        make = self._make
        make_line = make.psi_line
        fpos = 1 + _W_LOAD_F
        found: list[Pressure | None] = []
        for code in codes:
            lines: list[PressureLine] = []
            for _ in range(code):
                lines.append(make_line(ints, pos, *floats[fpos : fpos + _W_PSI_F]))
                pos += _W_PSI_I
                fpos += _W_PSI_F
            found.append(make.pressure(None, 0, lines[0], lines[1] if code > 1 else None) if lines else None)
        return make.pressure_set(None, 0, *found)  # type: ignore[no-any-return]
