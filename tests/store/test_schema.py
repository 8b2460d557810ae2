"""Files keep their field schema: a later hostward with more or fewer collector fields still reads them."""

from __future__ import annotations

import dataclasses

from tests.store.conftest import base_sample

from hostward.collect.cpu import CpuTimes
from hostward.store.layout import Unflattener, flatten
from hostward.store.schema import SCHEMA
from hostward.store.shape import shape_of


def test_field_missing_from_the_file_reads_as_default_and_unknown_fields_are_ignored() -> None:
    sample = base_sample()
    ints, floats = flatten(sample)
    shape = shape_of(sample)
    # Pretend the file was written by a version whose MemInfo had no mem_available_kb but an extra field,
    # and whose VmStat had one more counter at the front.
    old = dict(SCHEMA)
    mem = list(SCHEMA["memory"])
    idx = mem.index("mem_available_kb")
    mem[idx] = "future_memory_field"
    old["memory"] = tuple(mem)
    old["vmstat"] = ("future_vm_counter", *SCHEMA["vmstat"])
    vm_start = (
        1 + (1 + 2) * len(SCHEMA["cpu_times"]) + len(SCHEMA["cpu_stat"]) + len(SCHEMA["load_int"]) + len(mem)
    )
    file_ints = [*ints[:vm_start], 4242, *ints[vm_start:]]
    rebuilt = Unflattener(old).build(shape, file_ints, [round(f * 100) / 100 for f in floats])
    assert rebuilt.memory.mem_available_kb == 0
    assert rebuilt.memory.mem_total_kb == sample.memory.mem_total_kb
    assert rebuilt.vmstat == sample.vmstat
    assert rebuilt.disks == sample.disks and rebuilt.nets == sample.nets
    assert rebuilt.pressure == sample.pressure


def test_same_schema_is_identity() -> None:
    sample = base_sample()
    ints, floats = flatten(sample)
    assert Unflattener(dict(SCHEMA)).build(shape_of(sample), ints, floats) == sample


def test_spelled_out_groups_name_their_record_fields() -> None:
    # store/schema.py spells these groups out (their classes are imported only for files holding them): a field
    # added to a record must be added to its group, or it would silently not be recorded.
    from hostward.collect.interrupts import Interrupts
    from hostward.collect.serial import SerialLine
    from hostward.collect.softnet import FIELDS as SOFTNET_FIELDS
    from hostward.store.shape import OPTIONAL_GROUPS, OPTIONAL_LISTS, list_names, record_class

    for group in OPTIONAL_GROUPS:
        assert SCHEMA[group] == tuple(f.name for f in dataclasses.fields(record_class(group))), group
    for group in OPTIONAL_LISTS:
        names = list_names(group)
        assert names, group
        fields = tuple(f.name for f in dataclasses.fields(record_class(group)) if f.name not in names)
        assert SCHEMA[group] == fields, group
    assert SCHEMA["serial"] == tuple(f.name for f in dataclasses.fields(SerialLine) if f.name != "line")
    assert SCHEMA["softnet"] == SOFTNET_FIELDS
    assert SCHEMA["irq"] == ("count",) and {f.name for f in dataclasses.fields(Interrupts)} >= {"counts"}


def test_a_file_without_guest_nice_reads_cpu_lines_with_it_at_zero() -> None:
    """A CPU line is a named tuple (issue 17): an older file's missing field takes its default, as a record's
    did (store/plan.py _default read it through dataclasses, which knows no named tuple)."""
    sample = base_sample()
    ints, floats = flatten(sample)
    old = dict(SCHEMA, cpu_times=SCHEMA["cpu_times"][:-1])  # a kernel era before guest_nice (2.6.33)
    width = len(SCHEMA["cpu_times"])
    lines = 1 + len(sample.cpu.per_cpu)
    file_ints = [ints[0]]
    for line in range(lines):
        file_ints += ints[1 + line * width : width * (line + 1)]  # each line without its last field
    file_ints += ints[1 + lines * width :]
    rebuilt = Unflattener(old).build(shape_of(sample), file_ints, floats)
    expected = [sample.cpu.all, *sample.cpu.per_cpu]
    got = [rebuilt.cpu.all, *rebuilt.cpu.per_cpu]
    assert [type(t) for t in got] == [CpuTimes] * lines
    assert [t._replace(guest_nice=0) for t in expected if t is not None] == got
    assert rebuilt.memory == sample.memory and rebuilt.vmstat == sample.vmstat
