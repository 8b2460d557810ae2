"""Reading only some parts of each sample: what a report's activities read, nothing else.

A sample holds every activity's counters, but ``sar -u`` reads only the CPU times: building the memory,
paging, disk, interface and pressure records of every sample of a day was most of the time and memory such
a report took (issue 17). A reader asked for ``parts`` (names of SystemSample fields, ``SAMPLE_PARTS``)
builds those; a field not asked for holds a shared empty record (all zero; no disks, interfaces, pressure,
clock or caches). The timestamp and the uptime, which every report needs, are always read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.pressure import Pressure, PressureLine, PressureSet
from hostward.collect.sample import SystemSample
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
    _makers,
)
from hostward.store.plan import SamplePlan
from hostward.store.records import Maker
from hostward.store.schema import SCHEMA
from hostward.store.shape import OPTIONAL_GROUPS, OPTIONAL_LISTS, Shape, bits_float
from hostward.store.tails import build_lists, interrupts_at, serial_at, softnet_at

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a report's start-up, issue 17)
if TYPE_CHECKING:
    from typing import Any

SAMPLE_PARTS = frozenset(PART_ORDER)


@frozen
class _Blank:
    cpu: CpuStat
    load: LoadAvg
    memory: MemInfo
    vmstat: VmStat


@functools.cache
def _blank() -> _Blank:
    """Built by the classes themselves, as the makers would build them from zeros (none of these records has a
    bool field, which a maker would make False): a maker is compiled for a part a report reads, not for its
    blank (compiling those of memory, paging and load was ~1.5 ms of sar -u's start-up)."""
    return _Blank(
        cpu=CpuStat(all=CpuTimes(**_zeros("cpu_times")), per_cpu=(), **_zeros("cpu_stat")),
        load=LoadAvg(**_zeros("load_int"), **_zeros("load_float", 0.0)),
        memory=MemInfo(**_zeros("memory"), missing=frozenset()),
        vmstat=VmStat(**_zeros("vmstat")),
    )


def _zeros(group: str, zero: float = 0) -> dict[str, Any]:
    return dict.fromkeys(SCHEMA[group], zero)


SampleBuild = Callable[[list[int], list[float], "float | None"], SystemSample]
_GROUP_INDEX = {group: i for i, group in enumerate(OPTIONAL_GROUPS)}


def _at(make: Maker, pos: int, floats_from: int = 0, floats: int = 0, extra: tuple[Any, ...] = ()) -> Any:
    """A part read by one maker at ``pos`` (and ``floats`` floats from ``floats_from``; ``extra`` after them)."""
    if floats:
        end = floats_from + floats
        return lambda ints, fl: make(ints, pos, *fl[floats_from:end], *extra)
    if extra:
        return lambda ints, fl: make(ints, pos, *extra)
    return lambda ints, fl: make(ints, pos)


def _items(make: Maker, pos: int, width: int, names: tuple[tuple[Any, ...], ...]) -> Any:
    """A tuple of per-item records (disks, interfaces, memcached servers), ``width`` values each from ``pos``."""
    starts = tuple((pos + i * width, item) for i, item in enumerate(names))
    return lambda ints, fl: tuple(make(ints, at, *item) for at, item in starts)


def _cpu(make: Any, present: tuple[bool, ...], stat_pos: int) -> Any:
    """The CPU times: "all", then each CPU's line (None for an offline one), then the counters after them."""
    offsets: list[int | None] = []
    at = 1 + _W_CPU
    for online in present:
        offsets.append(at if online else None)
        at += _W_CPU if online else 0
    make_times, make_stat = make.cpu_times, make.cpu_stat

    def cpu(ints: list[int], fl: list[float]) -> CpuStat:
        per_cpu = tuple([None if at is None else make_times(ints, at) for at in offsets])
        return make_stat(ints, stat_pos, make_times(ints, 1), per_cpu)  # type: ignore[no-any-return]

    return cpu


def _tail_section(read: Callable[..., Any], shape: Shape, pos: int) -> Any:
    """A per-item section after the interrupts (``pos``: where they start; store/tails.py)."""
    return lambda ints, fl: read(shape, ints, pos)


def _listed(make: Any, group: str, shape: Shape, pos: int) -> Any:
    """One OPTIONAL_LISTS group's records (``pos``: where the interrupts start)."""
    only = frozenset({group})
    return lambda ints, fl: build_lists(make.listed, shape, ints, pos, only)[group]


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
        # By id(plan): the plan kept alive with its build, so that its id is not another plan's.
        self._compiled: dict[int, tuple[SamplePlan, SampleBuild]] = {}

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

    def float_head(self, plan: SamplePlan) -> int:
        """How many of a vector's leading floats the parts read: the uptime, then the load averages' and the
        pressure lines' (``layout.flatten``'s order); the decoder leaves the others undecoded."""
        if "pressure" in self.parts:
            return plan.n_float
        return 1 + _W_LOAD_F if "load" in self.parts else 1

    def __call__(
        self, plan: SamplePlan, ints: list[int], floats: list[float], timestamp: float | None
    ) -> SystemSample:
        return self.builder(plan)(ints, floats, timestamp)

    def builder(self, plan: SamplePlan) -> SampleBuild:
        """``plan``'s samples as ``__call__`` builds them, compiled once: a decoder keeps it for the samples of
        the shape it follows."""
        compiled = self._compiled.get(id(plan))
        if compiled is None or compiled[0] is not plan:
            compiled = self._compiled[id(plan)] = (plan, self._compile(plan))
        return compiled[1]

    def _compile(self, plan: SamplePlan) -> SampleBuild:
        """The builder of ``plan``'s samples: where each part starts and what the parts not asked for hold are
        the same for every sample of a shape, so they are worked out once (a day has 86,400 samples)."""
        make, blank, shape, parts = self._make, self._blank, plan.shape, self.parts
        # make.sample's arguments: (None, 0, timestamp, uptime, cpu, load, memory, vmstat, disks, nets, pressure,
        # time, caches, *OPTIONAL_GROUPS, interrupts, serial, softnet, *OPTIONAL_LISTS); the parts not asked for
        # keep these.
        groups = len(OPTIONAL_GROUPS)
        template: list[Any] = [None, 0, 0.0, 0.0, blank.cpu, blank.load, blank.memory, blank.vmstat, (), ()]
        template += [None, None, ()] + [None] * groups + [None, (), None] + [None] * len(OPTIONAL_LISTS)
        tail = 13 + groups  # where interrupts, serial, softnet and the lists are among the arguments
        builders: list[tuple[int, Callable[[list[int], list[float]], Any]]] = []
        pos = 1 + (1 + sum(shape.cpu_present)) * _W_CPU
        if "cpu" in parts:
            builders.append((4, _cpu(make, shape.cpu_present, pos)))
        pos += _W_STAT
        if "load" in parts:
            builders.append((5, _at(make.load, pos, 1, _W_LOAD_F)))
        pos += _W_LOAD_I
        if "memory" in parts:
            builders.append((6, _at(make.memory, pos, extra=(plan.missing,))))
        pos += _W_MEM
        if "vmstat" in parts:
            builders.append((7, _at(make.vmstat, pos)))
        pos += _W_VM
        if "disks" in parts:
            builders.append((8, _items(make.disk, pos, _W_DISK, shape.disks)))
        pos += len(shape.disks) * _W_DISK
        if "nets" in parts:
            builders.append((9, _items(make.net, pos, _W_NET, tuple((name,) for name in shape.nets))))
        pos += len(shape.nets) * _W_NET
        if "pressure" in parts and shape.pressure is not None:
            codes, at = shape.pressure, pos
            builders.append((10, lambda ints, floats: self._pressure(codes, ints, floats, at)))
        pos += (sum(shape.pressure) if shape.pressure else 0) * _W_PSI_I
        if shape.time and "time" in parts:
            builders.append((11, _at(make.time, pos)))
        pos += _W_TIME if shape.time else 0
        if "caches" in parts:
            builders.append((12, _items(make.cache, pos, _W_CACHE, tuple((s,) for s in shape.caches))))
        pos += len(shape.caches) * _W_CACHE
        for group in shape.extras:  # kernel tables, sockets (a later version's group is not in our vector)
            if group in OPTIONAL_GROUPS:  # its record class is imported only when a report reads it
                if group in parts:
                    builders.append((13 + _GROUP_INDEX[group], _at(make.optional(group), pos)))
                pos += len(SCHEMA[group])
        if "interrupts" in parts:
            builders.append((tail, _tail_section(interrupts_at, shape, pos)))
        if "serial" in parts:
            builders.append(
                (tail + 1, _tail_section(functools.partial(serial_at, make=make.serial), shape, pos))
            )
        if "softnet" in parts:
            builders.append((tail + 2, _tail_section(softnet_at, shape, pos)))
        for index, group in enumerate(OPTIONAL_LISTS, tail + 3):
            if group in parts:
                builders.append((index, _listed(make, group, shape, pos)))
        sample = make.sample

        def build(ints: list[int], floats: list[float], timestamp: float | None) -> SystemSample:
            args = template.copy()
            args[2] = bits_float(ints[0]) if timestamp is None else timestamp
            args[3] = floats[0]
            for index, part in builders:
                args[index] = part(ints, floats)
            return sample(*args)  # type: ignore[no-any-return]

        return build

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
