"""The fast paths of the store (framing.decode_varints, codec._zigzag_bytes, layout.Unflattener's plans and
shared records, records.maker) give exactly what the straightforward code they replaced gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.store.conftest import HOST, base_sample, series

from hostward.collect.cpu import CPU_FIELDS, CpuStat, CpuTimes
from hostward.collect.disk import DiskStats
from hostward.collect.memory import MemInfo
from hostward.collect.net import NetDev
from hostward.collect.sample import ClockSample, SystemSample
from hostward.frozen import field_names
from hostward.store import DataFileWriter, day_path, read_file
from hostward.store.codec import SampleDecoder, SampleEncoder, _zigzag_bytes, current_schema
from hostward.store.framing import Corrupt, Reader, decode_varint_ends, decode_varints, encode_varints
from hostward.store.records import maker

DAY = dt.date(2026, 11, 27)
any_int = st.one_of(
    st.integers(min_value=-70, max_value=70),  # single bytes
    st.integers(min_value=-(1 << 15), max_value=1 << 15),  # two or three bytes
    st.integers(min_value=-(1 << 80), max_value=1 << 80),  # float bit patterns, counters beyond 64 bits
)


def reference_decode(data: bytes, count: int) -> list[int]:
    """The decoder before the fast path: one Reader.sint() per value."""
    reader = Reader(data)
    values = [reader.sint() for _ in range(count)]
    reader.done()
    return values


@given(values=st.lists(any_int, max_size=400))
def test_varints_round_trip(values: list[int]) -> None:
    assert decode_varints(encode_varints(values), len(values)) == values


@settings(max_examples=500)
@given(data=st.binary(max_size=80), count=st.integers(min_value=0, max_value=90))
def test_varint_decoder_agrees_with_the_reference_on_any_bytes(data: bytes, count: int) -> None:
    try:
        expected: list[int] | None = reference_decode(data, count)
    except Corrupt:
        expected = None
    try:
        got: list[int] | None = decode_varints(data, count)
    except Corrupt:
        got = None
    assert got == expected


def test_varint_length_limit_is_the_readers() -> None:
    longest = b"\x80" * 100 + b"\x01"  # 101 bytes: accepted by Reader.uint
    assert decode_varints(b"\x05" + longest, 2) == reference_decode(b"\x05" + longest, 2)
    with pytest.raises(Corrupt):
        decode_varints(b"\x80" + longest, 1)


@settings(max_examples=500)
@given(
    data=st.one_of(st.binary(max_size=80), st.lists(any_int, max_size=60).map(encode_varints)),
    count=st.integers(min_value=0, max_value=90),
    head=st.integers(min_value=0, max_value=60),
    tail=st.integers(min_value=0, max_value=30),
)
def test_decoding_the_ends_is_slicing_a_whole_decode(data: bytes, count: int, head: int, tail: int) -> None:
    """A partial read (store/parts.py) decodes the first and last values only: the same values, and the same
    frames refused (wrong count, a number cut at the end, a number too long anywhere), as a whole decode."""
    if data and data[-1] < 0x80 and count == 0:
        count = len(data.translate(None, bytes(range(0x80, 0x100))))  # often the right count
    try:
        whole = decode_varints(data, count)
        expected: list[int] | None = (
            whole[:head] + whole[len(whole) - tail :] if head + tail < count else whole
        )
    except Corrupt:
        expected = None
    try:
        got: list[int] | None = decode_varint_ends(data, count, head, tail)
    except Corrupt:
        got = None
    assert got == expected


@settings(max_examples=500)
@given(
    data=st.one_of(st.binary(max_size=80), st.lists(any_int, max_size=120).map(encode_varints)),
    count=st.integers(min_value=0, max_value=130),
    head=st.integers(min_value=0, max_value=100),  # beyond 64: found without a group per number
    tail=st.integers(min_value=0, max_value=30),
    used=st.integers(min_value=0, max_value=35),
)
def test_decoding_part_of_the_tail_is_slicing_a_whole_decode(
    data: bytes, count: int, head: int, tail: int, used: int
) -> None:
    """Of the last values only the first ``used`` (sar -u reads the uptime, not the other floats): the same
    values as slicing a whole decode, the same frames refused."""
    if data and data[-1] < 0x80 and count == 0:
        count = len(data.translate(None, bytes(range(0x80, 0x100))))
    try:
        whole = decode_varints(data, count)
        start = len(whole) - tail
        expected: list[int] | None = (
            whole[:head] + whole[start : start + min(used, tail)] if head + tail < count else whole
        )
    except Corrupt:
        expected = None
    try:
        got: list[int] | None = decode_varint_ends(data, count, head, tail, used)
    except Corrupt:
        got = None
    assert got == expected


def test_a_number_too_long_between_the_ends_is_refused() -> None:
    too_long = b"\x80" * 101 + b"\x01"
    with pytest.raises(Corrupt, match="too long"):
        decode_varint_ends(b"\x02" + too_long + b"\x04", 3, 1, 1)


@given(values=st.lists(st.one_of(any_int, st.booleans()), max_size=400))
def test_encoder_varints_are_the_framing_ones(values: list[int]) -> None:
    assert _zigzag_bytes(values) == encode_varints([int(v) for v in values])


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    moves=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 17), any_int), max_size=12),
    every=st.integers(min_value=1, max_value=5),
)
def test_samples_round_trip_through_encoder_and_decoder(
    moves: list[tuple[int, int, int]], every: int
) -> None:
    """Keyframes and deltas of samples whose disks move at random (including huge and negative values)."""
    samples = series(8)
    for i, field, value in moves:
        sample = samples[i % len(samples)]
        disks = list(sample.disks)
        name = dataclasses.fields(DiskStats)[3 + field % 15].name
        change: dict[str, Any] = {name: value}
        disks[i % len(disks)] = dataclasses.replace(disks[i % len(disks)], **change)
        samples[i % len(samples)] = dataclasses.replace(sample, disks=tuple(disks))
    encoder, decoder = SampleEncoder(keyframe_every=every), SampleDecoder(current_schema())
    for sample in samples:
        shape, payload = encoder.encode(sample)
        if shape is not None:
            decoder.shape(shape)
        assert decoder.sample(payload)[0] == sample


def test_unchanged_records_are_shared_and_changed_ones_rebuilt(tmp_path: Path) -> None:
    samples = series(5)
    # Only the first disk and the last interface move; time health arrives with the third sample (a new shape).
    clock = ClockSample(True, 0, 1, 2, 3, 4)
    samples = [
        dataclasses.replace(
            s,
            disks=(dataclasses.replace(s.disks[0], read_ios=s.disks[0].read_ios + i), *samples[0].disks[1:]),
            nets=(*samples[0].nets[:-1], s.nets[-1]),
            time=clock if i >= 2 else None,
        )
        for i, s in enumerate(samples)
    ]
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    read = [e for e in read_file(path).entries if isinstance(e, SystemSample)]
    assert read == samples
    for before, after in itertools.pairwise(read[2:]):
        assert after.disks[1] is before.disks[1] and after.nets[0] is before.nets[0]
        assert after.disks[0] is not before.disks[0] and after.disks[0] != before.disks[0]
    assert read[2].disks[1] is not read[1].disks[1]  # a shape change starts afresh


def test_old_file_schema_reads_through_an_index_plan(tmp_path: Path) -> None:
    """A file whose header lacks a field we have (and has one we do not) reads as before the fast path."""
    sample = base_sample()
    schema = current_schema()
    schema["net"] = (*(n for n in schema["net"] if n != "speed_mbps"), "future_counter")
    encoder, decoder = SampleEncoder(), SampleDecoder(schema)
    shape, payload = encoder.encode(sample)
    assert shape is not None
    decoder.shape(shape)
    # Our encoder wrote our layout; read with the other schema the net group is the same width, so every
    # interface's speed reads as its default and the last counter lands in the unknown field.
    read = decoder.sample(payload)[0]
    assert [n.speed_mbps for n in read.nets] == [0] * len(sample.nets)
    assert [n.rx_bytes for n in read.nets] == [n.rx_bytes for n in sample.nets]
    assert read.disks == sample.disks and read.cpu == sample.cpu


@pytest.mark.parametrize(
    ("cls", "names", "extras"),
    [
        (CpuTimes, field_names(CpuTimes), ()),
        (CpuStat, ("context_switches", "forks", "procs_running", "procs_blocked", "boot_time", "interrupts"), ("all", "per_cpu")),
        (MemInfo, ("mem_total_kb", "dirty_kb"), ("missing",)),
        (NetDev, tuple(f.name for f in dataclasses.fields(NetDev))[1:], ("name",)),
        (ClockSample, ("synchronised", "clock_state", "maxerror_us", "esterror_us", "kernel_offset_ns", "frequency_scaled_ppm"), ()),
    ],
)  # fmt: skip
def test_maker_builds_what_the_constructor_builds(
    cls: type[Any], names: tuple[str, ...], extras: tuple[str, ...]
) -> None:
    make = maker(cls, names, extras)
    values = [7, *range(100, 100 + len(names))]
    extra_values = {
        "all": CpuTimes(1),
        "per_cpu": (None, CpuTimes(2)),
        "missing": frozenset({"Dirty"}),
        "name": "eth0",
    }
    made = make(values, 1, *(extra_values[e] for e in extras))
    expected = cls(
        **{
            n: (bool(v) if n in ("full_duplex", "synchronised") else v)
            for n, v in zip(names, values[1:], strict=True)
        },
        **{e: extra_values[e] for e in extras},
    )
    assert made == expected and type(made) is cls and hash(made) == hash(expected)
    with pytest.raises(AttributeError):  # a frozen record's FrozenInstanceError, or a named tuple's refusal
        made.__setattr__(names[0], 1)
    with pytest.raises(ValueError):
        make(values[:2], 1, *(extra_values[e] for e in extras)) if len(names) > 1 else make([], 0)


def test_maker_falls_back_to_the_constructor_when_it_cannot_be_exact() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int
        b: int = 5

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("negative")

    assert maker(NoSlots, ("a",))([3], 0) == NoSlots(3, 5)
    with pytest.raises(ValueError):
        maker(NoSlots, ("b",))  # a is required
    assert maker(Checked, ("a",))([3], 0) == Checked(3)
    with pytest.raises(ValueError):
        maker(Checked, ("a",))([-1], 0)
    with pytest.raises(ValueError):
        maker(NoSlots, ("nope",))


def test_a_cpu_line_is_its_stored_values_as_a_tuple() -> None:
    """The maker of a named tuple (collect.cpu.CpuTimes) takes the vector's slice as it is: the line a report
    reads by index (activities/cpu.py) is exactly the ten stored values, in CPU_FIELDS order (issue 17)."""
    make = maker(CpuTimes, CPU_FIELDS)
    values = list(range(50, 80))
    line = make(values, 3)
    assert line == tuple(values[3:13]) and type(line) is CpuTimes
    assert [getattr(line, name) for name in CPU_FIELDS] == values[3:13]
    assert line.total == sum(values[3:11])  # guest and guest_nice are in user and nice already
    with pytest.raises(ValueError, match="expected 10 values"):
        make(values, 25)  # five values left: a short vector is a decode error, never a short line


def test_the_longest_number_is_read_and_one_byte_more_refused_whatever_the_ends() -> None:
    """A number of 101 bytes is the longest (Reader.uint's 700 bits); the check for a longer one runs only when
    a frame has that many continuation bytes at all (a sample's ~40 skip it), with the same verdict."""
    longest = b"\x81" * 100 + b"\x01"
    data = b"\x02" + longest + b"\x04\x06"
    for head, tail, used in ((1, 1, 1), (1, 2, 1), (0, 1, 0), (1, 1, 0)):
        whole = decode_varints(data, 4)
        assert decode_varint_ends(data, 4, head, tail, used) == whole[:head] + whole[4 - tail :][:used]
    with pytest.raises(Corrupt, match="too long"):
        decode_varint_ends(b"\x02\x81" + longest + b"\x04\x06", 4, 1, 1, 1)
