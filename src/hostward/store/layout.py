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

import functools
from collections.abc import Callable
from operator import attrgetter

from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.disk import DiskStats
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.net import NetDev
from hostward.collect.pressure import Pressure, PressureLine, PressureSet
from hostward.collect.sample import ClockSample, MemcachedSample, SystemSample
from hostward.store.framing import Corrupt
from hostward.store.plan import SamplePlan, make_plan
from hostward.store.records import Maker, maker
from hostward.store.schema import SCHEMA
from hostward.store.shape import (
    OPTIONAL_GROUPS,
    OPTIONAL_LISTS,
    PSI_RESOURCES,
    Shape,
    bits_float,
    float_bits,
    list_names,
    record_class,
)
from hostward.store.tails import build_lists, interrupts_at, serial_at, softnet_at

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a report's start-up, issue 17)
if TYPE_CHECKING:
    from typing import Any

# The parts of a sample (SystemSample fields after the timestamp and uptime), in the order a sample is built.
PART_ORDER: tuple[str, ...] = (
    "cpu", "load", "memory", "vmstat", "disks", "nets", "pressure", "time", "caches", *OPTIONAL_GROUPS,
    "interrupts", "serial", "softnet", *OPTIONAL_LISTS,
)  # fmt: skip
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
_get_cache = attrgetter(*SCHEMA["cache"])
_get_serial = attrgetter(*SCHEMA["serial"])
_get_optional = {group: attrgetter(*SCHEMA[group]) for group in OPTIONAL_GROUPS}


def _fields_getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """attrgetter of ``names`` that gives a tuple even for one field (sar -m CPU's records have one)."""
    get: Callable[[Any], Any] = attrgetter(*names)
    return get if len(names) > 1 else lambda item: (get(item),)


_get_list = {group: _fields_getter(SCHEMA[group]) for group in OPTIONAL_LISTS}


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
    for cache in sample.caches:
        ints += _get_cache(cache)
    for group, get in _get_optional.items():
        record = getattr(sample, group)
        if record is not None:
            ints += get(record)
    if sample.interrupts is not None:
        ints += sample.interrupts.counts
    for port in sample.serial:
        ints += _get_serial(port)
    if sample.softnet is not None:
        ints += sample.softnet.values
    for group, get_list in _get_list.items():
        for item in getattr(sample, group) or ():
            ints += get_list(item)
    # NetDev.full_duplex is a bool among the ints: bool is an int subclass, so the zigzag and delta
    # arithmetic treat it as 0/1 without a conversion pass over the whole vector.
    return ints, floats


class Unflattener:
    """Rebuilds samples from vectors written with a file's schema (which may be older or newer than ours).

    A report reads a whole day (8,640 samples at 10 s), so this is built for speed: per shape, a plan tells
    how the file's vectors map onto our layout (the identity for files of this version; otherwise an index
    list applied at C speed), and every record is made by a generated constructor (store/records.py).
    """

    def __init__(self, file_schema: dict[str, tuple[str, ...]], partial: PartialBuild | None = None) -> None:
        self.schema = file_schema
        self._plans: dict[Shape, SamplePlan] = {}
        self._make = _makers()
        # Builds only some parts of each sample (store/parts.py), for reports that read only those.
        self._partial = partial

    def plan(self, shape: Shape) -> SamplePlan:
        plan = self._plans.get(shape)
        if plan is None:
            plan = self._plans[shape] = make_plan(self.schema, shape)
        return plan

    def build(self, shape: Shape, ints: list[int], floats: list[float]) -> SystemSample:
        return self.build_planned(self.plan(shape), ints, floats)

    def build_planned(
        self,
        plan: SamplePlan,
        ints: list[int],
        floats: list[float],
        timestamp: float | None = None,
        *,
        deltas: list[int] | None = None,
        previous: SystemSample | None = None,
    ) -> SystemSample:
        """The sample of ``plan``'s shape; ``timestamp`` when the caller has it already (else ints[0] holds
        its bit pattern). ``deltas`` (the file's difference vector, integers then floats) and ``previous``
        (the sample it is a difference from, of the same plan): a disk, interface or pressure line whose
        differences are all zero is the previous sample's record again, shared instead of rebuilt (records
        are immutable). Idle loop devices, virtual interfaces and quiet pressure lines are most of a sample."""
        if len(ints) != plan.n_int or len(floats) != plan.n_float:
            raise Corrupt("sample size does not match its shape")
        same = (
            deltas if previous is not None and plan.int_index is None and plan.float_index is None else None
        )
        if plan.int_index is not None:
            ints = list(map([*ints, *plan.int_defaults].__getitem__, plan.int_index))
        if plan.float_index is not None:
            floats = list(map([*floats, *plan.float_defaults].__getitem__, plan.float_index))
        if self._partial is not None:
            return self._partial(plan, ints, floats, timestamp)
        make = self._make
        make_times = make.cpu_times
        all_times = make_times(ints, 1)
        pos = 1 + _W_CPU
        per_cpu: list[CpuTimes | None] = []
        for present in plan.shape.cpu_present:
            if present:
                per_cpu.append(make_times(ints, pos))
                pos += _W_CPU
            else:
                per_cpu.append(None)
        cpu = make.cpu_stat(ints, pos, all_times, tuple(per_cpu))
        pos += _W_STAT
        load = make.load(ints, pos, *floats[1 : 1 + _W_LOAD_F])
        pos += _W_LOAD_I
        memory = make.memory(ints, pos, plan.missing)
        pos += _W_MEM
        vmstat = make.vmstat(ints, pos)
        pos += _W_VM
        make_disk = make.disk
        disks: list[DiskStats] = []
        for i, (name, whole, physical) in enumerate(plan.shape.disks):
            if same is not None and previous is not None and same[pos : pos + _W_DISK] == _ZERO_DISK:
                disks.append(previous.disks[i])
            else:
                disks.append(make_disk(ints, pos, name, whole, physical))
            pos += _W_DISK
        make_net = make.net
        nets: list[NetDev] = []
        for i, name in enumerate(plan.shape.nets):
            if same is not None and previous is not None and same[pos : pos + _W_NET] == _ZERO_NET:
                nets.append(previous.nets[i])
            else:
                nets.append(make_net(ints, pos, name))
            pos += _W_NET
        pressure = None
        if plan.shape.pressure is not None:
            make_line = make.psi_line
            fpos = 1 + _W_LOAD_F
            found: list[Pressure | None] = []
            old: list[PressureLine] = []
            if same is not None and previous is not None and previous.pressure is not None:
                old = _pressure_lines(previous.pressure)
            line_no = 0
            for code in plan.shape.pressure:
                lines: list[PressureLine] = []
                for _ in range(code):
                    f_at = plan.n_int + fpos  # the floats' differences follow all the integers'
                    if (
                        old
                        and same is not None
                        and same[pos : pos + _W_PSI_I] == _ZERO_PSI_I
                        and same[f_at : f_at + _W_PSI_F] == _ZERO_PSI_F
                    ):
                        lines.append(old[line_no])
                    else:
                        lines.append(make_line(ints, pos, *floats[fpos : fpos + _W_PSI_F]))
                    pos += _W_PSI_I
                    fpos += _W_PSI_F
                    line_no += 1
                found.append(
                    make.pressure(None, 0, lines[0], lines[1] if code > 1 else None) if lines else None
                )
            pressure = make.pressure_set(None, 0, *found)
        clock = make.time(ints, pos) if plan.shape.time else None
        if plan.shape.time:
            pos += _W_TIME
        caches = []
        for server in plan.shape.caches:
            caches.append(make.cache(ints, pos, server))
            pos += _W_CACHE
        optional: dict[str, Any] = dict.fromkeys(OPTIONAL_GROUPS)
        for group in plan.shape.extras:
            if (
                group in OPTIONAL_GROUPS
            ):  # else a group of a later version, left out of our vector by the plan
                optional[group] = make.optional(group)(ints, pos)
                pos += len(SCHEMA[group])
        return make.sample(  # type: ignore[no-any-return]
            None,
            0,
            bits_float(ints[0]) if timestamp is None else timestamp,
            floats[0],
            cpu,
            load,
            memory,
            vmstat,
            tuple(disks),
            tuple(nets),
            pressure,
            clock,
            tuple(caches),
            *optional.values(),
            interrupts_at(plan.shape, ints, pos),
            serial_at(plan.shape, ints, pos, make.serial),
            softnet_at(plan.shape, ints, pos),
            *build_lists(make.listed, plan.shape, ints, pos, None).values(),
        )


# (plan, integers, floats in our layout, timestamp or None) -> the sample
PartialBuild = Callable[["SamplePlan", list[int], list[float], "float | None"], SystemSample]


_W_CPU = len(SCHEMA["cpu_times"])
_W_STAT = len(SCHEMA["cpu_stat"])
_W_LOAD_I = len(SCHEMA["load_int"])
_W_LOAD_F = len(SCHEMA["load_float"])
_W_MEM = len(SCHEMA["memory"])
_W_VM = len(SCHEMA["vmstat"])
_W_DISK = len(SCHEMA["disk"])
_W_NET = len(SCHEMA["net"])
_W_PSI_I = len(SCHEMA["psi_int"])
_W_PSI_F = len(SCHEMA["psi_float"])
_W_TIME = len(SCHEMA["time"])
_W_CACHE = len(SCHEMA["cache"])
_W_SERIAL = len(SCHEMA["serial"])
_ZERO_DISK = [0] * _W_DISK
_ZERO_NET = [0] * _W_NET
_ZERO_PSI_I = [0] * _W_PSI_I
_ZERO_PSI_F = [0] * _W_PSI_F


def _pressure_lines(pressure: PressureSet) -> list[PressureLine]:
    """Every line of a pressure set in vector order (cpu some, cpu full, memory some, ...)."""
    lines = []
    for p in (pressure.cpu, pressure.memory, pressure.io):
        if p is not None:
            lines.append(p.some)
            if p.full is not None:
                lines.append(p.full)
    return lines


class _Makers:
    """Generated record constructors (store/records.py), each compiled on its first use: most commands never read
    a data file, and ``sar -u`` on one builds the CPU records alone (issue 17)."""

    @functools.cached_property
    def cpu_times(self) -> Maker:
        return maker(CpuTimes, SCHEMA["cpu_times"])

    @functools.cached_property
    def cpu_stat(self) -> Maker:
        return maker(CpuStat, SCHEMA["cpu_stat"], ("all", "per_cpu"))

    @functools.cached_property
    def load(self) -> Maker:
        return maker(LoadAvg, SCHEMA["load_int"], SCHEMA["load_float"])

    @functools.cached_property
    def memory(self) -> Maker:
        return maker(MemInfo, SCHEMA["memory"], ("missing",))

    @functools.cached_property
    def vmstat(self) -> Maker:
        return maker(VmStat, SCHEMA["vmstat"])

    @functools.cached_property
    def disk(self) -> Maker:
        return maker(DiskStats, SCHEMA["disk"], ("name", "whole_device", "physical"))

    @functools.cached_property
    def net(self) -> Maker:
        return maker(NetDev, SCHEMA["net"], ("name",))

    @functools.cached_property
    def psi_line(self) -> Maker:
        return maker(PressureLine, SCHEMA["psi_int"], SCHEMA["psi_float"])

    @functools.cached_property
    def pressure(self) -> Maker:
        return maker(Pressure, (), ("some", "full"))

    @functools.cached_property
    def pressure_set(self) -> Maker:
        return maker(PressureSet, (), PSI_RESOURCES)

    @functools.cached_property
    def time(self) -> Maker:
        return maker(ClockSample, SCHEMA["time"])

    @functools.cached_property
    def cache(self) -> Maker:
        return maker(MemcachedSample, SCHEMA["cache"], ("server",))

    @functools.cached_property
    def serial(self) -> Maker:
        from hostward.collect.serial import SerialLine  # noqa: PLC0415  (only files with sar -y's lines)

        return maker(SerialLine, SCHEMA["serial"], ("line",))

    @functools.cached_property
    def sample(self) -> Maker:
        return maker(SystemSample, (), ("timestamp", "uptime_seconds", *PART_ORDER))

    @functools.cache  # noqa: B019  (one _Makers for the process: _makers() is cached)
    def optional(self, group: str) -> Maker:
        """An OPTIONAL_GROUPS record's (KeyError for a group this version does not know)."""
        return maker(record_class(group), SCHEMA[group])

    @functools.cache  # noqa: B019
    def listed(self, group: str) -> Maker:
        """An OPTIONAL_LISTS item's (KeyError for a list this version does not know)."""
        return maker(record_class(group), SCHEMA[group], list_names(group))


@functools.cache
def _makers() -> _Makers:
    return _Makers()
