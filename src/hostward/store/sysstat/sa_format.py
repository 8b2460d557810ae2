"""The container of sysstat 12.x binary data files (``saDD`` / ``saYYYYMMDD``), read natively.

Layout (sa.h, sysstat 12.6.1, FORMAT_MAGIC 0x2175), all in the byte order of the machine that wrote it:

* ``struct file_magic`` (76 bytes): sysstat_magic 0xd596, format_magic, version bytes, header_size,
  upgraded, hdr_types_nr[3], 48 bytes of padding;
* ``struct file_header`` (header_size bytes): creation time, HZ, CPU count + 1, number of activities, date,
  uname strings, timezone; optional ``extra_desc`` structures (skipped, as sa_common.c skip_extra_struct);
* ``sa_act_nr`` x ``struct file_activity`` (act_size bytes each): id, magic, nr, nr2, has_nr, size,
  types_nr[3];
* records: ``struct record_header`` (rec_size bytes: uptime_cs, ust_time, extra_next, record_type, h, m, s)
  followed by, for R_STATS, each activity in file order (an ``__nr_t`` item count first when has_nr, then
  count x nr2 structures of ``size`` bytes: sa_common.c read_file_stat_bunch); for R_RESTART the CPU count;
  for R_COMMENT a 64-byte comment.

This module only cuts the file into typed pieces; sa_decode.py interprets the statistics structures. Any
inconsistency raises StoreError naming the file and the byte offset, as sar's handle_invalid_sa_file does.
"""

from __future__ import annotations

import functools
import struct

from hostward.errors import StoreError
from hostward.frozen import frozen

SYSSTAT_MAGIC = 0xD596
FORMAT_MAGIC = 0x2175  # sysstat >= 11.7.1 (12.x): the only layout read natively
OLD_FORMAT_MAGICS = {0x2171: "sysstat 10.x / 11.0-11.6", 0x2173: "sysstat 11.x"}
FILE_MAGIC_SIZE = 76
HEADER_MIN_SIZE = 335  # offset of sa_tzname (327) + TZNAME_LEN (8)
FILE_HEADER_TYPES = (1, 1, 12)
RECORD_HEADER_TYPES = (2, 0, 1)
RECORD_HEADER_SIZE = 24
FILE_ACTIVITY_SIZE = 36
EXTRA_DESC_SIZE = 24
MAX_COMMENT_LEN = 64
NR_MAX = 65536 * 4096  # sa.h: sanity limit on an item count
MAX_EXTRA_NR, MAX_EXTRA_SIZE = 8192, 1024

R_STATS, R_RESTART, R_LAST_STATS, R_COMMENT = 1, 2, 3, 4
R_EXTRA_MIN, R_EXTRA_MAX = 5, 15
UTSNAME_LEN = 65


@frozen
class SaHeader:
    version: str  # "12.6.1"
    byte_order: str  # "<" or ">"
    created: int  # sa_ust_time, seconds since the epoch
    hz: int
    cpu_nr: int  # sysstat's sa_cpu_nr: CPUs + 1 ("all")
    year: int
    month: int
    day: int
    sizeof_long: int
    sysname: str
    nodename: str
    release: str
    machine: str
    tzname: str


@frozen
class SaActivity:
    """One ``struct file_activity``: what a record holds for this activity."""

    id: int
    magic: int
    nr: int
    nr2: int
    has_nr: bool
    size: int
    types_nr: tuple[int, int, int]


@frozen
class SaRecord:
    """One record. For R_STATS, ``where`` locates the structures of the activities the file was read for
    (``SaFile.located``, in that order): offset in the file's data and item count of each, flat (offset0, count0,
    offset1, count1, ...): ``count * nr2`` structures of ``size`` bytes start at the offset. The others are
    stepped over, not cut out. ``cpu_nr`` for R_RESTART, ``comment`` for R_COMMENT."""

    offset: int
    record_type: int
    uptime_cs: int
    ust_time: int
    hms: tuple[int, int, int]
    where: tuple[int, ...] = ()
    cpu_nr: int = 0
    comment: str = ""


@frozen
class SaFile:
    header: SaHeader
    activities: tuple[SaActivity, ...]
    records: tuple[SaRecord, ...]
    damage: str = ""  # why reading stopped before the end (a truncated or damaged record); "" when whole
    data: bytes = b""  # the whole file, which the records' ``where`` point into
    located: tuple[SaActivity, ...] = ()  # the activities each record locates (``keep``), in file order


def looks_like_sa(data: bytes) -> bool:
    """True when ``data`` starts with sysstat's magic in either byte order."""
    return len(data) >= 2 and (
        struct.unpack_from("<H", data)[0] == SYSSTAT_MAGIC
        or struct.unpack_from(">H", data)[0] == SYSSTAT_MAGIC
    )


@functools.cache
def cached_struct(fmt: str) -> struct.Struct:
    return struct.Struct(fmt)


def located_stats(sa: SaFile, rec: SaRecord) -> list[tuple[SaActivity, int, int]]:
    """(activity, offset in ``sa.data``, item count) of each activity ``rec`` locates, in file order."""
    w = rec.where
    return [(act, w[2 * i], w[2 * i + 1]) for i, act in enumerate(sa.located)]


class _Reader:
    def __init__(self, data: bytes, name: str, order: str) -> None:
        self.data = data
        self.name = name
        self.order = order
        self.offset = 0

    def take(self, size: int, what: str) -> bytes:
        end = self.offset + size
        if size < 0 or end > len(self.data):
            raise StoreError(
                f"{self.name}: truncated sysstat file at offset {self.offset}: {what} needs {size} bytes, "
                f"{len(self.data) - self.offset} left"
            )
        chunk = self.data[self.offset : end]
        self.offset = end
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple[int, ...]:
        layout = cached_struct(self.order + fmt)  # an item count per activity per record: compiled once
        return layout.unpack(self.take(layout.size, what))

    def bad(self, why: str, at: int | None = None) -> StoreError:
        return StoreError(
            f"{self.name}: invalid sysstat file at offset {self.offset if at is None else at}: {why}"
        )

    def skip_extras(self) -> None:
        """sa_common.c skip_extra_struct: a chain of extra_desc + unknown structures."""
        while True:
            at = self.offset
            extra_nr, extra_size, extra_next, *_types = self.unpack("6I", "an extra_desc structure")
            if extra_nr > MAX_EXTRA_NR or extra_size > MAX_EXTRA_SIZE:
                raise self.bad(f"extra structures nr={extra_nr} size={extra_size}", at)
            self.take(extra_nr * extra_size, "extra structures")
            if not extra_next:
                return


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def parse_sa(data: bytes, name: str, keep: frozenset[int] | None = None) -> SaFile:
    """Cut a whole sysstat 12.x data file into header, activity list and records. StoreError on anything
    else (another format version, a foreign byte order's garbage, a truncated record), naming the offset.
    ``keep``: the activity ids whose structures the records locate (None: all); every activity is still
    checked as sar reads it (item counts, the record's length)."""
    if len(data) < 4:
        raise StoreError(f"{name}: not a sysstat data file (only {len(data)} bytes)")
    order = "<" if struct.unpack_from("<H", data)[0] == SYSSTAT_MAGIC else ">"
    if struct.unpack_from(order + "H", data)[0] != SYSSTAT_MAGIC:
        raise StoreError(f"{name}: not a sysstat data file (no magic 0xd596 at offset 0)")
    r = _Reader(data, name, order)
    magic = r.unpack("HH4BII3I", "the file magic")
    r.take(FILE_MAGIC_SIZE - 28, "the file magic padding")
    format_magic = magic[1]
    version = f"{magic[2]}.{magic[3]}.{magic[4]}"
    if format_magic != FORMAT_MAGIC:
        known = OLD_FORMAT_MAGICS.get(format_magic)
        what = f"an older format ({known})" if known else "an unknown format"
        raise StoreError(
            f"{name}: sysstat file of {what}: format magic {format_magic:#06x} at offset 2 (version {version}); "
            f"hostward reads format {FORMAT_MAGIC:#06x} (sysstat 11.7.1 and later)"
        )
    header_size, hdr_types = magic[6], tuple(magic[8:11])
    if hdr_types != FILE_HEADER_TYPES or not HEADER_MIN_SIZE <= header_size <= 8192:
        raise r.bad(
            f"unexpected file header layout {hdr_types} of {header_size} bytes (version {version})", 16
        )
    hstart = r.offset
    raw = r.take(header_size, "the file header")
    ust, hz, cpu_nr, act_nr, year = struct.unpack_from(order + "QQIIi", raw, 0)
    act_types = struct.unpack_from(order + "3I", raw, 28)
    rec_types = struct.unpack_from(order + "3I", raw, 40)
    act_size, rec_size, extra_next = struct.unpack_from(order + "3I", raw, 52)
    day, month, sizeof_long = struct.unpack_from(order + "BBb", raw, 64)
    strings = [_cstr(raw[67 + i * UTSNAME_LEN : 67 + (i + 1) * UTSNAME_LEN]) for i in range(4)]
    header = SaHeader(
        version,
        order,
        ust,
        hz,
        cpu_nr,
        year + 1900,
        month + 1,
        day,
        sizeof_long,
        sysname=strings[0],
        nodename=strings[1],
        release=strings[2],
        machine=strings[3],
        tzname=_cstr(raw[327:335]),
    )
    if tuple(rec_types) != RECORD_HEADER_TYPES or rec_size < RECORD_HEADER_SIZE or rec_size > 512:
        raise r.bad(f"unexpected record header layout {tuple(rec_types)} of {rec_size} bytes", hstart + 40)
    if act_size < FILE_ACTIVITY_SIZE or act_size > 1024 or tuple(act_types) != (0, 0, 9) or act_nr > 256:
        raise r.bad(f"unexpected activity list: {act_nr} entries of {act_size} bytes", hstart + 20)
    if extra_next:
        r.skip_extras()
    activities: list[SaActivity] = []
    for _ in range(act_nr):
        at = r.offset
        fields = struct.unpack_from(order + "IIiiii3I", r.take(act_size, "the activity list"))
        act = SaActivity(
            fields[0],
            fields[1],
            fields[2],
            fields[3],
            bool(fields[4]),
            fields[5],
            (fields[6], fields[7], fields[8]),
        )
        if act.size <= 0 or act.size > 1024 or act.nr2 <= 0 or act.nr < 0 or act.nr > NR_MAX:
            raise r.bad(f"activity {act.id} has size {act.size}, nr {act.nr}, nr2 {act.nr2}", at)
        activities.append(act)
    located = tuple(a for a in activities if keep is None or a.id in keep)
    plan = tuple((a.id, a.has_nr, a.size * a.nr2, a.nr, keep is None or a.id in keep) for a in activities)
    found, damage = _records(r, (_steps(plan), plan), rec_size)
    records = [rec for rec in found if rec is not None]
    if damage and not any(rec.record_type == R_STATS for rec in records):
        raise StoreError(damage)  # nothing usable precedes the damage
    return SaFile(header, tuple(activities), tuple(records), damage, data, located)


# Per activity of the file, in order: id, has_nr, bytes per item (size * nr2), nr, whether its place is kept.
_Plan = tuple[tuple[int, bool, int, int, bool], ...]
# The steps over a record (runs of activities of fixed size whose places are not kept merged into one step),
# and the plan itself, walked when a step fails to name the activity where the record is damaged.
_Walk = tuple[_Plan, _Plan]


def _steps(plan: _Plan) -> _Plan:
    steps: list[tuple[int, bool, int, int, bool]] = []
    for step in plan:
        aid, has_nr, item_bytes, nr, kept = step
        if not has_nr and not kept and steps and not steps[-1][1] and not steps[-1][4]:
            first, _, before, _, _ = steps[-1]
            steps[-1] = (first, False, before + item_bytes * nr, 1, False)
        elif not has_nr and not kept:
            steps.append((aid, False, item_bytes * nr, 1, False))
        else:
            steps.append(step)
    return plan if len(steps) == len(plan) else tuple(steps)


def _records(r: _Reader, plan: _Walk, rec_size: int) -> tuple[list[SaRecord | None], str]:
    """The records up to the end, or up to the first damaged one (as sar prints them, then says why it stopped):
    the list and the reason reading stopped ("" at the end of the file)."""
    out: list[SaRecord | None] = []
    while r.offset < len(r.data):
        try:
            _record(r, plan, rec_size, out)
        except StoreError as exc:
            return out, str(exc)
    return out, ""


def _record(r: _Reader, plan: _Walk, rec_size: int, out: list[SaRecord | None]) -> None:
    at = r.offset
    data = r.data
    if at + rec_size > len(data):
        r.take(rec_size, "a record header")  # raises: truncated
    uptime_cs, ust_time, extra_next, rtype, hour, minute, second = cached_struct(
        r.order + "QQIBBBB"
    ).unpack_from(data, at)
    r.offset = at + rec_size
    if not 0 < rtype <= R_EXTRA_MAX or hour > 23 or minute > 59 or second > 60:
        raise r.bad(f"record header with type {rtype} and time {hour:02d}:{minute:02d}:{second:02d}", at)
    hms = (hour, minute, second)
    if rtype in (R_STATS, R_LAST_STATS):
        if extra_next:
            r.skip_extras()
        out.append(SaRecord(at, R_STATS, uptime_cs, ust_time, hms, where=_locate(r, plan)))
    elif rtype == R_RESTART:
        cpu_nr = r.unpack("i", "the CPU count of a restart record")[0]
        if extra_next:
            r.skip_extras()
        out.append(SaRecord(at, rtype, uptime_cs, ust_time, hms, cpu_nr=cpu_nr))
    elif rtype == R_COMMENT:
        text = _cstr(r.take(MAX_COMMENT_LEN, "a comment"))
        if extra_next:
            r.skip_extras()
        out.append(SaRecord(at, rtype, uptime_cs, ust_time, hms, comment=text))
    elif extra_next:  # R_EXTRA*: only extra structures, nothing for us
        r.skip_extras()


def _locate(r: _Reader, walk: _Walk) -> tuple[int, ...]:
    """Step over one record's activities (sa_common.c read_file_stat_bunch), keeping the offset and item count
    of those the plan keeps: nothing is copied or unpacked but the item counts."""
    steps, plan = walk
    start = r.offset
    try:
        return _walk(r, steps)
    except StoreError:
        if steps is plan:
            raise
        r.offset = start
        return _walk(r, plan)  # raises, naming the activity (a merged step would name the first of its run)


def _walk(r: _Reader, plan: _Plan) -> tuple[int, ...]:
    data = r.data
    end = len(data)
    pos = r.offset
    count_of = cached_struct(r.order + "i").unpack_from
    where: list[int] = []
    for aid, has_nr, item_bytes, nr, kept in plan:
        if has_nr:
            if pos + 4 > end:
                r.offset = pos
                r.take(4, f"the item count of activity {aid}")  # raises: truncated
            count = count_of(data, pos)[0]
            pos += 4
            if count < 0 or count > NR_MAX:
                raise r.bad(f"item count {count} for activity {aid}", pos - 4)
        else:
            count = nr
        size = item_bytes * count
        if pos + size > end:
            r.offset = pos
            r.take(size, f"activity {aid}")  # raises: truncated
        if kept:
            where += (pos, count)
        pos += size
    r.offset = pos
    return tuple(where)
