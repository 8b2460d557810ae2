"""/proc/interrupts as sadc reads it (rd_stats.c read_stat_irq): names, per-CPU counts, offline CPUs, the
single-count ERR/MIS lines, 32-bit values; the live kernel's file; and the store keeping them exactly."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from tests.store.conftest import HOST, series

from hostward.collect.interrupts import Interrupts, LineMemo, parse_interrupts, read_interrupts
from hostward.collect.sample import SystemSample, sample_system
from hostward.procfs import ProcFS
from hostward.store import DataFileWriter, read_file
from hostward.store.layout import Unflattener, flatten
from hostward.store.schema import SCHEMA
from hostward.store.shape import shape_of

# A 4-CPU host with CPU 2 offline (no column), as the kernel prints it: counts then chip, hwirq, devices.
FOUR_CPUS_ONE_OFFLINE = """\
            CPU0       CPU1       CPU3
   0:         44          0          0   IO-APIC   2-edge      timer
   9:          0          5          1   IO-APIC   9-fasteoi   acpi
 120: 4294967296         12          7   PCI-MSI 65536-edge      nvme0q0
NMI:          3          2          1   Non-maskable interrupts
LOC:    4022413    4182797      99999   Local timer interrupts
VERYLONGNAME:  1  2  3   made-up line: sadc keeps 7 characters
ERR:          0
MIS:          7
"""


def test_fixture_text_as_sadc_reads_it() -> None:
    irqs = parse_interrupts(FOUR_CPUS_ONE_OFFLINE)
    assert irqs is not None
    assert irqs.names == ("0", "9", "120", "NMI", "LOC", "VERYLON", "ERR", "MIS")
    assert irqs.cpus == 4  # CPU 0..3, CPU 2's column all zero
    assert [irqs.count(0, c) for c in range(4)] == [44, 0, 0, 0]
    assert [irqs.count(1, c) for c in range(4)] == [0, 5, 0, 1]
    assert irqs.count(2, 0) == 0  # 2**32 kept in an unsigned int
    assert [irqs.count(4, c) for c in range(4)] == [4022413, 4182797, 0, 99999]
    assert [irqs.count(7, c) for c in range(4)] == [7, 0, 0, 0]  # MIS: one count, the rest of the line is 0
    assert irqs.all_cpus(4) == 4022413 + 4182797 + 99999
    sums = irqs.per_cpu_sums()
    assert sums == (44 + 3 + 4022413 + 1 + 7, 5 + 12 + 2 + 4182797 + 2, 0, 1 + 7 + 1 + 99999 + 3)


def test_no_file_or_no_header_is_no_record() -> None:
    assert parse_interrupts(None) is None
    assert parse_interrupts("") is None
    assert parse_interrupts("LOC: 1 2 timer\n") is None  # no CPU header: sadc finds no CPU
    assert parse_interrupts("   CPU0\n") is None  # a header and no interrupt


def _one_word_at_a_time(text: str) -> Interrupts | None:
    """sadc's loop written plainly: per line, per online CPU, strtoul on the next word (the parser's fast path for
    lines of plain counts must give the same)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        parts = line.split("CPU")[1:]
        if parts and all(p[:1].isdigit() for p in parts):
            ids = [int(re.findall(r"^\d+", p)[0]) for p in parts]
            body = lines[i + 1 :]
            break
    else:
        return None
    names, counts = [], []
    for line in body:
        label, colon, rest = line.partition(":")
        if not colon:
            continue
        names.append(label.lstrip(" ")[:7])
        row, words = [0] * (max(ids) + 1), rest.split()
        for k, cpu in enumerate(ids):
            if k >= len(words) or not (words[k].isascii() and words[k].isdigit()):
                break
            row[cpu] = int(words[k]) % 2**32
        counts += row
    return Interrupts(tuple(names), max(ids) + 1, tuple(counts)) if names else None


@given(st.text(alphabet=st.sampled_from(list("CPU0123456789 :\nLOCabc-\t")), max_size=400))
def test_any_text_parses_into_a_consistent_record_or_none(text: str) -> None:
    irqs = parse_interrupts(text)
    if max((int(n) for n in re.findall(r"CPU(\d+)", text)), default=0) < 8192:
        assert irqs == _one_word_at_a_time(text)
    if irqs is not None:
        assert len(irqs.counts) == len(irqs.names) * irqs.cpus
        assert all(0 <= n < 2**32 for n in irqs.counts)
        assert all(len(name) <= 7 for name in irqs.names)


_LINES = st.sampled_from(
    [
        "           CPU0       CPU1",
        "           CPU0       CPU2",
        "   0:         44          0   IO-APIC   2-edge      timer",
        "   0:         45          0   IO-APIC   2-edge      timer",
        "LOC:    4022413    4182797   Local timer interrupts",
        "LOC:    4022413",
        "ERR:          0",
        "NMI: 4294967296 3 x",
        "no colon here",
        "",
    ]
)


@given(st.lists(st.lists(_LINES, max_size=8).map("\n".join), min_size=1, max_size=6))
def test_a_line_memo_never_changes_the_result(texts: list[str]) -> None:
    """The recorder's LineMemo across a run of texts (lines moving, repeated, headers changing CPUs): each
    result equals a parse without it."""
    memo = LineMemo()
    for text in texts:
        assert parse_interrupts(text, memo) == parse_interrupts(text)


def test_a_line_memo_over_the_live_file() -> None:
    procfs = ProcFS()
    memo = LineMemo()
    for _ in range(20):
        text = procfs.read_optional("interrupts")
        assert parse_interrupts(text, memo) == parse_interrupts(text)
    assert memo.rows  # it remembered the last text's lines


def test_live_kernel_counts_move_by_themselves() -> None:
    procfs = ProcFS()
    first = read_interrupts(procfs.read_optional)
    assert first is not None and "LOC" in first.names  # the local timer: every x86 kernel has it
    online = sum(c is not None for c in sample_system(procfs).cpu.per_cpu)
    assert first.cpus >= online
    for _ in range(200):  # the local timer ticks by itself; /proc reads make the CPU work meanwhile
        again = read_interrupts(procfs.read_optional)
        assert again is not None
        if sum(again.per_cpu_sums()) != sum(first.per_cpu_sums()):
            break
    assert sum(again.per_cpu_sums()) > sum(first.per_cpu_sums())


def _with_irqs(i: int, sample: SystemSample, names: tuple[str, ...] = ("24", "LOC", "CAL")) -> SystemSample:
    counts = tuple(1000 * i + 7 * k for k in range(len(names) * 2))
    return dataclasses.replace(sample, interrupts=Interrupts(names, 2, counts))


def test_store_round_trip_with_interrupts_coming_going_and_changing(tmp_path: Path) -> None:
    samples = [_with_irqs(i, s) for i, s in enumerate(series(8))]
    samples[3] = dataclasses.replace(samples[3], interrupts=None)  # recorded without -I for one sample
    samples[6] = _with_irqs(6, samples[6], ("24", "25", "LOC", "CAL"))  # an interrupt was added
    path = tmp_path / "hw"
    with DataFileWriter.open(path, dt.date(2026, 12, 5), HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    assert read_file(path).entries == tuple(samples)
    assert shape_of(samples[6]).irqs == ("24", "25", "LOC", "CAL") and shape_of(samples[6]).irq_cpus == 2
    assert shape_of(samples[3]).irqs == ()


def test_file_of_a_version_without_irq_reads_none() -> None:
    sample = series(1)[0]
    assert sample.interrupts is None
    old_schema = {g: names for g, names in SCHEMA.items() if g != "irq"}
    ints, floats = flatten(sample)
    assert Unflattener(old_schema).build(shape_of(sample), ints, floats) == sample
