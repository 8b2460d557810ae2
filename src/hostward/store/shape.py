"""A sample's shape: what is not a number — disk and interface names, which CPUs are online, which pressure files
and optional records exist, the memcached servers — written in its own frame when it changes (store/layout.py
flattens the numbers against it), and the exact bit-pattern encoding of floats the vector carries."""

from __future__ import annotations

import functools
import importlib
import struct

from hostward.collect.pressure import Pressure
from hostward.collect.sample import SystemSample
from hostward.frozen import field_names, frozen
from hostward.store.framing import Corrupt, Reader, Writer

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a report's start-up, issue 17)
if TYPE_CHECKING:
    from typing import Any

PSI_RESOURCES = ("cpu", "memory", "io")

_BITS = struct.Struct("<d")

_QBITS = struct.Struct("<q")

# Optional single records of a sample: group name = SystemSample attribute -> (hostward.collect module, record
# class), imported when a file holds the group (``record_class``): ``sar -u`` on a file needs none of them
# (issue 17). Present ones are listed in the shape (``extras``) and follow the cache groups, in this order; a
# group a file lists that this version does not know is skipped.
OPTIONAL_GROUPS: dict[str, tuple[str, str]] = {
    "ktables": ("kernel", "KernelTables"),
    "sockets": ("sockets", "Sockets"),
    "sockets6": ("sockets", "Sockets6"),
    "snmp": ("snmp", "Snmp"),
    "snmp6": ("snmp6", "Snmp6"),
    "nfs": ("nfs", "NfsClient"),
    "nfsd": ("nfs", "NfsServer"),
}


# Optional lists of named records (sar -F's filesystems): group name = SystemSample attribute -> (module, record
# class), as OPTIONAL_GROUPS. A record's str fields name it and live in the shape (``lists``, ``list_names``);
# its int fields go to the vector, one group per item, after the softnet lines. A list this version does not
# know is skipped, as a group is.
OPTIONAL_LISTS: dict[str, tuple[str, str]] = {
    "filesystems": ("filesystems", "Filesystem"),
    "cpufreq": ("power", "CpuFrequency"),  # sar -m CPU: items "all", "0", "1" ...
    "fchosts": ("fchost", "FcHost"),  # sar -n FC: items "host0" ...
}


@functools.cache
def record_class(group: str) -> type[Any]:
    """The record class of an OPTIONAL_GROUPS or OPTIONAL_LISTS group, imported on first use."""
    module, name = OPTIONAL_GROUPS.get(group) or OPTIONAL_LISTS[group]
    cls: type[Any] = getattr(importlib.import_module(f"hostward.collect.{module}"), name)
    return cls


@functools.cache
def list_names(group: str) -> tuple[str, ...]:
    """The str fields naming an item of an OPTIONAL_LISTS group (in the shape, not the vector)."""
    cls = record_class(group)
    return tuple(name for name in field_names(cls) if cls.__annotations__.get(name) in ("str", str))


ItemLists = tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]  # (group, each item's names), in vector order


def float_bits(value: float) -> int:
    return int(_QBITS.unpack(_BITS.pack(value))[0])


def bits_float(value: int) -> float:
    return float(_BITS.unpack(_QBITS.pack(value))[0])


@frozen
class Shape:
    """Everything about a sample that is not a number."""

    cpu_present: tuple[bool, ...]  # per CPU number: has a line in /proc/stat (online)
    disks: tuple[tuple[str, bool, bool], ...]  # name, whole_device, physical
    nets: tuple[str, ...]
    # None: no PSI at all; else per resource (cpu, memory, io): 0 absent, 1 "some" only, 2 "some" and "full"
    pressure: tuple[int, int, int] | None
    memory_missing: tuple[str, ...]
    time: bool = False  # the sample carries a ClockSample (the "time" group); written only when True
    caches: tuple[str, ...] = ()  # memcached servers, one "cache" group each; written only when not empty
    extras: tuple[str, ...] = ()  # OPTIONAL_GROUPS present, in vector order; written only when not empty
    # sar -I: the interrupts of /proc/interrupts and the CPU columns each has (SystemSample.interrupts); their
    # counts ("irq" groups of one value) end the vector. Written only when present.
    irqs: tuple[str, ...] = ()
    irq_cpus: int = 0
    serial: tuple[
        int, ...
    ] = ()  # sar -y: the serial lines' numbers; their "serial" groups follow the interrupts
    # sar -n SOFT: lines of /proc/net/softnet_stat (SystemSample.softnet), one "softnet" group each after the
    # serial lines. Written only when present.
    softnet: int = 0
    lists: ItemLists = ()  # OPTIONAL_LISTS present (even empty), last in the vector; written only when any

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
            + len(self.caches) * len(schema.get("cache", ()))
            + sum(len(schema.get(group, ())) for group in self.extras)
            + len(self.irqs) * self.irq_cpus * len(schema.get("irq", ()))
            + len(self.serial) * len(schema.get("serial", ()))
            + self.softnet * len(schema.get("softnet", ()))
            + sum(len(items) * len(schema.get(group, ())) for group, items in self.lists)
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
        if self.time or self.caches or self.extras or self.irqs or self.serial or self.softnet or self.lists:
            # Appended only when present, so a shape without time health is byte-identical to format 1's.
            out.uint(int(self.time))
        if self.caches or self.extras or self.irqs or self.serial or self.softnet or self.lists:
            out.uint(len(self.caches))
            for server in self.caches:
                out.text(server)
        if self.extras or self.irqs or self.serial or self.softnet or self.lists:
            out.uint(len(self.extras))
            for group in self.extras:
                out.text(group)
        if self.irqs or self.serial or self.softnet or self.lists:
            out.uint(self.irq_cpus).uint(len(self.irqs))
            for name in self.irqs:
                out.text(name)
        if self.serial or self.softnet or self.lists:
            out.uint(len(self.serial))
            for line in self.serial:
                out.uint(line)
        if self.softnet or self.lists:
            out.uint(self.softnet)
        if self.lists:
            out.uint(len(self.lists))
            for group, items in self.lists:
                out.text(group).uint(len(items))
                for names in items:
                    out.uint(len(names))
                    for name in names:
                        out.text(name)
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
        caches = tuple(r.text() for _ in range(r.count(1 << 10))) if r.pos < len(r.data) else ()
        extras = tuple(r.text() for _ in range(r.count(1 << 6))) if r.pos < len(r.data) else ()
        irqs: tuple[str, ...] = ()
        irq_cpus = 0
        if r.pos < len(r.data):
            irq_cpus = r.count(8192)  # sysstat's NR_CPUS
            irqs = tuple(r.text() for _ in range(r.count(1 << 13)))
        serial = tuple(r.uint() for _ in range(r.count(1 << 16))) if r.pos < len(r.data) else ()
        softnet = r.count(8192) if r.pos < len(r.data) else 0  # absent before sar -n SOFT was recorded
        lists: list[tuple[str, tuple[tuple[str, ...], ...]]] = []
        for _ in range(r.count(1 << 6) if r.pos < len(r.data) else 0):
            group = r.text()
            items = tuple(tuple(r.text() for _ in range(r.count(1 << 4))) for _ in range(r.count(1 << 16)))
            lists.append((group, items))
        r.done()
        return Shape(
            cpus,
            disks,
            nets,
            pressure,
            missing,
            time,
            caches,
            extras,
            irqs,
            irq_cpus,
            serial,
            softnet,
            tuple(lists),
        )


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
        caches=tuple(c.server for c in sample.caches),
        extras=tuple(group for group in OPTIONAL_GROUPS if getattr(sample, group) is not None),
        irqs=sample.interrupts.names if sample.interrupts is not None else (),
        irq_cpus=sample.interrupts.cpus if sample.interrupts is not None else 0,
        serial=tuple(s.line for s in sample.serial),
        softnet=sample.softnet.lines if sample.softnet is not None else 0,
        lists=tuple(
            (group, tuple(tuple(getattr(item, n) for n in list_names(group)) for item in records))
            for group in OPTIONAL_LISTS
            if (records := getattr(sample, group)) is not None
        ),
    )
