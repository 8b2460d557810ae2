"""Byte-level layout of a data file: the file prefix, CRC-checked frames, and the varint value lists inside.

A data file is::

    prefix   8-byte magic b"\\x89HWDATA\\n", u16 format version, u16 reserved (0)        12 bytes
    frame*   u32 length | u8 type | payload (length - 1 bytes) | u32 CRC-32 of all before it in the frame

All integers are little-endian. The magic's first byte is non-ASCII and it ends in "\\n" so that a file mangled
by a text-mode transfer or a foreign file (an sa file starts with 0xd596) is recognised at once. The CRC covers
the length field too, so a flipped length bit is caught instead of sending the reader off into the weeds.
Frames are appended with one ``write()`` each; a file whose last frame is incomplete was interrupted mid-write
(``kill -9`` of a large write, power loss) and is read up to that frame.

Frame types with bit 0x80 set are optional: a reader that does not know them skips them. Any other unknown
type means the file was written by a newer, incompatible hostward and is refused with a clear message.
"""

from __future__ import annotations

import functools
import re
import struct
import zlib

from hostward.errors import StoreError

MAGIC = b"\x89HWDATA\n"
FORMAT_VERSION = 1
PREFIX = struct.Struct("<8sHH")
PREFIX_SIZE = PREFIX.size  # 12
FRAME_HEAD = struct.Struct("<IB")  # length (type byte + payload), type
FRAME_CRC = struct.Struct("<I")
FRAME_OVERHEAD = FRAME_HEAD.size + FRAME_CRC.size  # 9 bytes around each payload
MAX_FRAME = 64 << 20  # no legitimate frame is near this; a larger length is corruption

T_HEADER = 1  # first frame: day, host, field schema
T_RESTART = 2  # the recorder started (sar: LINUX RESTART)
T_COMMENT = 3  # sadc -C
T_SHAPE = 4  # which CPUs, disks, interfaces, pressure files the following samples hold
T_SAMPLE = 5  # one SystemSample, keyframe or delta against the previous sample frame
T_PROCS = 6  # top processes of the sample frame just before
OPTIONAL = 0x80


def prefix_bytes() -> bytes:
    return PREFIX.pack(MAGIC, FORMAT_VERSION, 0)


def _import_hint() -> str:
    """How foreign history gets in; generic, since the file may be junk (cli/import_.py names the command
    for files it recognises as sysstat's)."""
    return (
        "; history from sysstat (sa files, sar text, sadf -d CSV) is brought in with 'hostward import FILE'"
    )


def check_prefix(data: bytes, name: str) -> int:
    """Validate the 12-byte prefix and return the format version. Raises StoreError naming the file."""
    if len(data) < PREFIX_SIZE:
        if MAGIC.startswith(data[:8]) and data:
            raise StoreError(
                f"{name}: truncated data file ({len(data)} bytes, header needs {PREFIX_SIZE}) at offset 0"
            )
        raise StoreError(
            f"{name}: not a hostward data file (offset 0: no header){_import_hint() if data else ''}"
        )
    magic, version, _reserved = PREFIX.unpack_from(data)
    if magic != MAGIC:
        hint = " (it looks like a sysstat sa file)" if data[:2] in (b"\x96\xd5", b"\xd5\x96") else ""
        raise StoreError(f"{name}: not a hostward data file at offset 0{hint}{_import_hint()}")
    if version == 0 or version > FORMAT_VERSION:
        raise StoreError(
            f"{name}: data format version {version} at offset 8 is not supported by this hostward "
            f"(reads versions 1 to {FORMAT_VERSION}); upgrade hostward to read it"
        )
    return int(version)


def frame(ftype: int, payload: bytes) -> bytes:
    head = FRAME_HEAD.pack(len(payload) + 1, ftype)
    return head + payload + FRAME_CRC.pack(zlib.crc32(payload, zlib.crc32(head)))


class Corrupt(Exception):
    """Raised inside the decoders; the reader turns it into a StoreError naming the file and offset."""


class Truncated(Exception):
    """The data ends inside a frame: an interrupted write, or a file cut short."""


def next_frame(data: bytes | memoryview, offset: int) -> tuple[int, memoryview, int]:
    """Frame at ``offset`` -> (type, payload, offset of the next frame). Raises Truncated or Corrupt."""
    end = len(data)
    if offset + FRAME_HEAD.size > end:
        raise Truncated("incomplete frame header")
    length, ftype = FRAME_HEAD.unpack_from(data, offset)
    if length == 0 or length > MAX_FRAME:
        raise Corrupt(f"impossible frame length {length}")
    stop = offset + 4 + length + FRAME_CRC.size
    if stop > end:
        raise Truncated(f"frame of {length} bytes runs past the end of the file")
    view = memoryview(data)
    (crc,) = FRAME_CRC.unpack_from(data, stop - 4)
    if zlib.crc32(view[offset : stop - 4]) != crc:
        raise Corrupt("checksum mismatch")
    return ftype, view[offset + 5 : stop - 4], stop


# -- value lists: unsigned/signed varints and strings, for the small, rare frames ---------------------------------


class Writer:
    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf = bytearray()

    def uint(self, value: int) -> Writer:
        if value < 0:
            raise ValueError(f"negative value {value} for an unsigned field")
        buf = self.buf
        while value >= 0x80:
            buf.append((value & 0x7F) | 0x80)
            value >>= 7
        buf.append(value)
        return self

    def sint(self, value: int) -> Writer:
        return self.uint(value << 1 if value >= 0 else ((-value) << 1) - 1)

    def text(self, value: str) -> Writer:
        raw = value.encode("utf-8", errors="surrogateescape")
        self.uint(len(raw))
        self.buf += raw
        return self

    def bytes(self) -> bytes:
        return bytes(self.buf)


class Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes | memoryview) -> None:
        self.data = bytes(data)
        self.pos = 0

    def uint(self) -> int:
        data, pos, shift, value = self.data, self.pos, 0, 0
        while True:
            if pos >= len(data):
                raise Corrupt("value list ends inside a number")
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                break
            shift += 7
            if shift > 700:
                raise Corrupt("number too long")
        self.pos = pos
        return value

    def sint(self) -> int:
        value = self.uint()
        return value >> 1 if not value & 1 else -((value + 1) >> 1)

    def count(self, limit: int = 1 << 20) -> int:
        value = self.uint()
        if value > limit:
            raise Corrupt(f"implausible count {value}")
        return value

    def text(self) -> str:
        size = self.count(MAX_FRAME)
        if self.pos + size > len(self.data):
            raise Corrupt("string runs past the end of its frame")
        raw = self.data[self.pos : self.pos + size]
        self.pos += size
        return raw.decode("utf-8", errors="surrogateescape")

    def rest(self) -> bytes:
        return self.data[self.pos :]

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise Corrupt("frame too short")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def done(self) -> None:
        if self.pos != len(self.data):
            raise Corrupt(f"{len(self.data) - self.pos} unexpected bytes at the end of a frame")


def encode_varints(values: list[int]) -> bytes:
    """Zigzag varints: the fallback body of a sample whose numbers do not fit in 64 bits."""
    out = Writer()
    for value in values:
        out.sint(value)
    return out.bytes()


def decode_varints(data: bytes, count: int) -> list[int]:
    """Exactly ``count`` zigzag varints filling ``data`` (a sample frame's body), else Corrupt.

    This runs for every sample of a day a report reads (8,640 frames of ~350 values at 10 s), so it avoids a
    Python-level step per byte: in a delta frame nine values in ten are single bytes (< 0x80), decoded by a
    table lookup mapped over whole runs of them at C speed; a regular-expression split isolates the few
    multi-byte numbers, which are decoded one by one. About 2.5x faster than a ``Reader.sint`` per value.
    """
    if data.isascii():  # every value a single byte: a delta frame of a quiet interval
        if len(data) != count:
            raise Corrupt(f"sample holds {len(data)} values, its shape says {count}")
        return list(map(_ZZ_BYTE, data))
    # A varint ends at the first byte below 0x80, so the values are the bytes left after deleting the others.
    if data[-1] >= 0x80:
        raise Corrupt("value list ends inside a number")
    found = len(data.translate(None, _HIGH_BYTES))
    if found != count:
        raise Corrupt(f"sample holds {found} values, its shape says {count}")
    # [single-byte run, multi-byte number, single-byte run, ..., single-byte run]
    parts = _MULTI_BYTE.split(data)
    values = list(map(_ZZ_BYTE, parts[0]))
    append, extend = values.append, values.extend
    rest = iter(parts)
    next(rest)
    for raw, run in zip(rest, rest, strict=True):
        if len(raw) == 2:
            z = (raw[0] & 0x7F) | (raw[1] << 7)
        else:
            if len(raw) > _MAX_VARINT_BYTES:
                raise Corrupt("number too long")
            z, shift = 0, 0
            for byte in raw:
                z |= (byte & 0x7F) << shift
                shift += 7
        append((z >> 1) ^ -(z & 1))
        extend(map(_ZZ_BYTE, run))
    return values


def decode_varint_ends(data: bytes, count: int, head: int, tail: int, used: int | None = None) -> list[int]:
    """The first ``head`` and the last ``tail`` of exactly ``count`` zigzag varints filling ``data``, checked
    as ``decode_varints`` checks the whole list (count, last number complete, no number too long); the values
    between them are counted but not decoded (all of them when the ends overlap). Of the last ``tail`` only
    the first ``used`` (all by default) are decoded and returned. ``sar -u`` reads ~40 of a sample's ~500
    values: its CPU times and the uptime (issue 17)."""
    if head + tail >= count:
        return decode_varints(data, count)
    used = tail if used is None or used > tail else max(used, 0)
    if data.isascii():
        if len(data) != count:
            raise Corrupt(f"sample holds {len(data)} values, its shape says {count}")
        start = count - tail
        return list(map(_ZZ_BYTE, data[:head] + data[start : start + used]))
    if data[-1] >= 0x80:
        raise Corrupt("value list ends inside a number")
    found = len(data.translate(None, _HIGH_BYTES))  # a number ends at each byte below 0x80
    if found != count:
        raise Corrupt(f"sample holds {found} values, its shape says {count}")
    # A number too long needs more continuation bytes than a sample's ~40 (all of them, in a row)
    if len(data) - found >= _MAX_VARINT_BYTES and _TOO_LONG in data.translate(_ENDS):
        raise Corrupt("number too long")
    # Each number of the ends as its bytes (C speed), then its value from a table of the numbers seen: a
    # sample's ends are ~40 numbers, mostly two bytes of recurring differences (a CPU's ticks a second).
    numbers = _numbers(data, 0, head)
    if used:
        # The tail read backwards: the numbers after the ``used`` ones, then those (the group, reversed).
        tail_span = _tail_used_reversed(tail - used, used).match(data[::-1])
        if tail_span is None:  # cannot happen: ``count`` complete numbers were found
            raise Corrupt("value list shorter than its count")
        wanted = tail_span.group(1)[::-1]
        numbers += [wanted] if used == 1 else _numbers(wanted, 0, used)
    return list(map(_NUMBER_VALUE, numbers))


def _numbers(data: bytes, start: int, n: int) -> list[bytes]:
    """The bytes of each of the ``n`` varints from ``start`` (which ``data`` holds)."""
    if n <= _GROUPS_UP_TO:
        found = _number_groups(n).match(data, start)
        if found is None:  # cannot happen: the caller counted them
            raise Corrupt("value list shorter than its count")
        return list(found.groups())
    span = _values_span(n).match(data, start)
    if span is None:
        raise Corrupt("value list shorter than its count")
    return _NUMBER.findall(data, start, span.end())


@functools.cache
def _number_groups(n: int) -> re.Pattern[bytes]:
    """Matches ``n`` varints, each its own group: one match gives them all (half the time of finding where
    they end, then finding each)."""
    return re.compile(rb"(?s)" + rb"(.*?[\x00-\x7f])" * n)  # (a lazy ``.*?`` compiles faster than a class)


_GROUPS_UP_TO = 64  # more groups than this: compiling the pattern costs more than it saves in a day's read


class _NumberValues(dict[bytes, int]):
    """Zigzag value of one varint's bytes, remembered for numbers of one or two bytes (at most 16,512)."""

    def __missing__(self, raw: bytes) -> int:
        z, shift = 0, 0
        for byte in raw:
            z |= (byte & 0x7F) << shift
            shift += 7
        value = (z >> 1) ^ -(z & 1)
        if len(raw) <= 2:
            self[raw] = value
        return value


_NUMBER = re.compile(rb"[\x80-\xff]*[\x00-\x7f]")  # one varint: continuation bytes, then its last byte
_NUMBER_VALUE = _NumberValues().__getitem__


@functools.cache
def _values_span(n: int) -> re.Pattern[bytes]:
    """Matches the first ``n`` varints of a list (each: continuation bytes, then a byte below 0x80)."""
    return re.compile(rb"(?:[\x80-\xff]*[\x00-\x7f]){%d}" % n)


@functools.cache
def _tail_used_reversed(after: int, used: int) -> re.Pattern[bytes]:
    """Matches, in a list read backwards (each varint: its final byte, then continuation bytes), its last
    ``after`` varints, then the ``used`` before them as group 1."""
    number = rb"[\x00-\x7f][\x80-\xff]*"
    return re.compile(rb"(?:%s){%d}((?:%s){%d})" % (number, after, number, used))


# Zigzag value of each single-byte varint (0 -> 0, 1 -> -1, 2 -> 1, ...), as a bound lookup for map().
_ZZ_BYTE = tuple((z >> 1) ^ -(z & 1) for z in range(0x80)).__getitem__
_HIGH_BYTES = bytes(range(0x80, 0x100))
_MULTI_BYTE = re.compile(rb"([\x80-\xff]+[\x00-\x7f])")
_MAX_VARINT_BYTES = 101  # as Reader.uint's limit: 700 bits
_ENDS = bytes(0 if b < 0x80 else 1 for b in range(0x100))
_TOO_LONG = b"\x01" * _MAX_VARINT_BYTES
