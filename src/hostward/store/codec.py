"""Payloads of the frames: header, restart, comment, shape and sample frames.

Samples are delta-encoded: a *keyframe* holds the sample's integers, every other sample frame the differences
from the previous sample frame, each as a zigzag varint. Consecutive readings of cumulative counters differ
little and most do not move at all within an interval, so a delta costs about one byte per value (~360 bytes
for this machine's ~350 values, against ~480 for a keyframe and ~1,700 for sadc's record); xz squeezes a closed
day of such frames below the size of the xz-compressed sa file. Measured alternatives (int64 arrays, per-frame
zlib) were either larger on disk, larger once xz'd, or slower; see bench/record_size.py.

A keyframe is written at the start of every file, after a shape change, after a failed write and every
``KEYFRAME_EVERY`` samples, so a reader can start decoding at any keyframe.
"""

from __future__ import annotations

import datetime as dt
import math
from itertools import repeat
from operator import add, mul, sub, truediv

from hostward.collect.host import HostInfo
from hostward.collect.sample import SystemSample
from hostward.frozen import frozen
from hostward.store.framing import Corrupt, Reader, Writer, decode_varint_ends, decode_varints
from hostward.store.layout import Unflattener
from hostward.store.layout import flatten as flatten_sample
from hostward.store.parts import PartsBuilder, SampleBuild
from hostward.store.plan import SamplePlan
from hostward.store.schema import SCHEMA, decode_schema, encode_schema
from hostward.store.shape import Shape, bits_float, float_bits, shape_of

KEYFRAME_EVERY = 60

# sample frame flags
F_KEY = 0x01  # absolute values, not differences
F_CARRIED = 0x02  # the previous day's last sample, copied to the top of a new day's file (not a report row)
F_RAWFLOAT = 0x04  # floats stored as IEEE-754 bit patterns instead of hundredths
F_MSTIME = 0x08  # the timestamp is whole milliseconds (the recorder's), not its IEEE-754 bit pattern
F_PROCS = 0x10  # a T_PROCS frame follows in the same write; a sample missing it was torn and is dropped
_KNOWN_FLAGS = F_KEY | F_CARRIED | F_RAWFLOAT | F_MSTIME | F_PROCS


@frozen
class FileHeader:
    day: dt.date  # the local day the file holds
    created: float  # wall clock when the file was created
    host: HostInfo
    schema: dict[str, tuple[str, ...]]


def encode_host(out: Writer, host: HostInfo) -> None:
    out.text(host.sysname).text(host.release).text(host.nodename).text(host.machine).uint(host.cpu_count)


def decode_host(r: Reader) -> HostInfo:
    return HostInfo(r.text(), r.text(), r.text(), r.text(), r.count(1 << 24))


def encode_header(header: FileHeader) -> bytes:
    out = Writer().uint(header.day.toordinal()).sint(float_bits(header.created))
    encode_host(out, header.host)
    encode_schema(out, header.schema)
    return out.bytes()


def decode_header(data: bytes | memoryview) -> FileHeader:
    r = Reader(data)
    ordinal = r.uint()
    if not 1 <= ordinal <= dt.date.max.toordinal():
        raise Corrupt(f"impossible day number {ordinal}")
    created = bits_float(_int64(r.sint()))
    host = decode_host(r)
    schema = decode_schema(r)
    r.done()  # a newer version may append fields here only by bumping FORMAT_VERSION
    return FileHeader(dt.date.fromordinal(ordinal), created, host, schema)


def encode_stamp_text(timestamp: float, text: str) -> bytes:
    return Writer().sint(float_bits(timestamp)).text(text).bytes()


def decode_stamp_text(data: bytes | memoryview) -> tuple[float, str]:
    r = Reader(data)
    stamp = bits_float(_int64(r.sint()))
    text = r.text()
    r.done()
    return stamp, text


def encode_restart(timestamp: float, uptime_seconds: float, host: HostInfo) -> bytes:
    out = Writer().sint(float_bits(timestamp)).sint(float_bits(uptime_seconds))
    encode_host(out, host)
    return out.bytes()


def decode_restart(data: bytes | memoryview) -> tuple[float, float, HostInfo]:
    r = Reader(data)
    stamp = bits_float(_int64(r.sint()))
    uptime = bits_float(_int64(r.sint()))
    host = decode_host(r)
    r.done()
    return stamp, uptime, host


def _int64(value: int) -> int:
    if not -(1 << 63) <= value < 1 << 63:
        raise Corrupt("float bit pattern out of range")
    return value


class _Varints(dict[int, bytes]):
    """Zigzag varint of any integer, remembered for the small ones: the ~350 values of a delta frame are mostly
    small, recurring differences, so ``b"".join(map(varints.__getitem__, values))`` encodes a frame at C speed
    (the recorder does this at every sample; a Python loop per value was a sixth of its sampling cost)."""

    def __missing__(self, value: int) -> bytes:
        z = value << 1 if value >= 0 else (~value << 1) | 1
        out = bytearray()
        while z >= 0x80:
            out.append((z & 0x7F) | 0x80)
            z >>= 7
        out.append(z)
        encoded = bytes(out)
        if -_REMEMBERED <= value < _REMEMBERED:  # one or two bytes: at most 16,384 entries (~1.5 MB)
            self[value] = encoded
        return encoded


_REMEMBERED = 1 << 13
_VARINT = _Varints().__getitem__


def _zigzag_bytes(values: list[int]) -> bytes:
    """Zigzag varints of arbitrary-size integers (bools count as 0/1)."""
    return b"".join(map(_VARINT, values))


def _floats_to_ints(floats: list[float]) -> tuple[list[int], bool]:
    """Hundredths when that reads back exactly (every value the kernel prints), else bit patterns."""
    try:
        scaled = list(map(round, map(mul, floats, repeat(100))))
    except (ValueError, OverflowError):  # nan, inf
        return [float_bits(f) for f in floats], True
    if list(map(truediv, scaled, repeat(100))) == floats:
        return scaled, False
    return [float_bits(f) for f in floats], True


class SampleEncoder:
    """Turns samples into (shape payload or None, sample payload), keeping the delta chain."""

    def __init__(self, keyframe_every: int = KEYFRAME_EVERY) -> None:
        self.keyframe_every = keyframe_every
        self._shape: Shape | None = None
        self._prev: list[int] | None = None
        self._prev_repr = 0
        self._since_key = 0

    def reset(self) -> None:
        """Forget the chain: the next sample is a keyframe (new file, failed write, reopen)."""
        self._shape = None
        self._prev = None

    def encode(self, sample: SystemSample, *, carried: bool = False) -> tuple[bytes | None, bytes]:
        ints, floats = flatten_sample(sample)
        float_ints, raw = _floats_to_ints(floats)
        # The recorder labels samples to the millisecond: stored as such, the timestamp's delta is 2 bytes
        # of little entropy instead of ~4 bytes of float noise (it shows in the xz-compressed size).
        stamp_ms = round(sample.timestamp * 1000) if math.isfinite(sample.timestamp) else None
        ms_time = stamp_ms is not None and stamp_ms / 1000 == sample.timestamp
        if ms_time and stamp_ms is not None:
            ints[0] = stamp_ms
        vector = ints + float_ints
        shape = _shape_of_cached(sample, self._shape)
        shape_payload = None
        if shape is not self._shape:
            shape_payload = shape.encode()
            self._shape = shape
            self._prev = None
        prev = self._prev
        representation = (F_RAWFLOAT if raw else 0) | (F_MSTIME if ms_time else 0)
        flags = representation | (F_CARRIED if carried else 0) | (F_PROCS if sample.top_processes else 0)
        # A delta is only meaningful between vectors in the same representation.
        if prev is None or representation != self._prev_repr or self._since_key >= self.keyframe_every:
            body = _zigzag_bytes(vector)
            flags |= F_KEY
            self._since_key = 1
        else:
            if len(vector) != len(prev):  # cannot happen: the shape fixes the length (map() would truncate)
                raise ValueError("sample vector length changed within a shape")
            body = _zigzag_bytes(list(map(sub, vector, prev)))
            self._since_key += 1
        self._prev = vector
        self._prev_repr = representation
        return shape_payload, bytes((flags,)) + body


def _shape_of_cached(sample: SystemSample, current: Shape | None) -> Shape:
    shape = shape_of(sample)
    return current if current is not None and shape == current else shape


class SampleDecoder:
    """Follows the frames of one file: shapes, then keyframes and deltas."""

    def __init__(self, schema: dict[str, tuple[str, ...]], parts: frozenset[str] | None = None) -> None:
        """``parts``: build only these fields of each sample (store/parts.py); None builds them all."""
        self._parts = None if parts is None else PartsBuilder(parts)
        self._unflatten = Unflattener(schema, self._parts)
        self._schema = schema
        self._plan: SamplePlan | None = None
        self._prev: list[int] | None = None
        self._prev_sample: SystemSample | None = None
        self._head = 0  # > 0: only the plan's first _head integers (and its floats) are decoded and kept
        self._floats = 0  # with _head: how many of the floats (the first ones) are decoded and kept
        # With _head: the parts builder of the plan (PartsBuilder.builder).
        self._build: SampleBuild | None = None

    def shape(self, payload: bytes | memoryview) -> None:
        plan = self._plan = self._unflatten.plan(Shape.decode(payload))
        self._prev = None
        self._prev_sample = None
        # A report that reads only the first groups of the vector (sar -u: the CPU times) decodes those and
        # the floats, and keeps the delta chain of those alone; a file of another layout is read whole.
        self._head = 0
        if self._parts is not None and plan.int_index is None and plan.float_index is None:
            head = self._parts.head(plan)
            self._head = head if head < plan.n_int else 0
            self._floats = min(self._parts.float_head(plan), plan.n_float)
            self._build = self._parts.builder(plan)

    def sample(self, payload: bytes | memoryview) -> tuple[SystemSample, int]:
        """-> (sample, flags): test F_CARRIED and F_PROCS in the flags."""
        plan = self._plan
        if plan is None:
            raise Corrupt("sample before any shape frame")
        if not payload:
            raise Corrupt("empty sample frame")
        flags = payload[0]
        if flags & ~_KNOWN_FLAGS:
            raise Corrupt(f"unknown sample flags {flags:#x}")
        n_int = plan.n_int
        if self._head:
            return self._sample_head(plan, payload, flags), flags
        values = decode_varints(bytes(payload[1:]), n_int + plan.n_float)
        deltas = None
        if not flags & F_KEY:
            if self._prev is None:
                raise Corrupt("delta sample without a keyframe before it")
            # Both lists hold exactly the shape's count (decode_varints checks it; a shape frame resets _prev).
            deltas, values = values, list(map(add, self._prev, values))
        self._prev = values
        ints = values[:n_int]
        floats, timestamp = _floats_and_time(flags, ints[0], values[n_int:])
        sample = self._unflatten.build_planned(
            plan, ints, floats, timestamp, deltas=deltas, previous=self._prev_sample
        )
        self._prev_sample = sample
        return sample, flags

    def _sample_head(self, plan: SamplePlan, payload: bytes | memoryview, flags: int) -> SystemSample:
        """``sample`` when only the first ``_head`` integers are read: the same checks, a shorter chain."""
        head = self._head
        values = decode_varint_ends(
            bytes(payload[1:]), plan.n_int + plan.n_float, head, plan.n_float, self._floats
        )
        if not flags & F_KEY:
            if self._prev is None:
                raise Corrupt("delta sample without a keyframe before it")
            values = list(map(add, self._prev, values))
        self._prev = values
        ints = values[:head]
        floats, timestamp = _floats_and_time(flags, ints[0], values[head:])
        assert self._build is not None  # set with _head
        return self._build(ints, floats, timestamp)


def _floats_and_time(flags: int, first: int, float_ints: list[int]) -> tuple[list[float], float]:
    """A sample's floats (bit patterns or hundredths) and its timestamp from its first integer (milliseconds or
    the float's bit pattern: both read back exactly)."""
    if flags & F_RAWFLOAT:
        floats = [bits_float(_int64(v)) for v in float_ints]
    else:
        floats = [v / 100 for v in float_ints]
    return floats, first / 1000 if flags & F_MSTIME else bits_float(_int64(first))


def current_schema() -> dict[str, tuple[str, ...]]:
    return dict(SCHEMA)
