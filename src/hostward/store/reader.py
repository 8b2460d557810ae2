"""Reading data files: one file, one day, or a time range spread over several days.

A day's data is ``<data_dir>/hwYYYYMMDD`` (sysstat: ``saYYYYMMDD``), ``.xz``-compressed once the day is old
enough (sysstat's COMPRESSAFTER). When the recorder could not append to a day's file (it was written by a
hostward with different collectors, or found damaged) it moved it aside as ``hwYYYYMMDD.N`` (readable parts,
read first, in order) or ``hwYYYYMMDD.damaged-N`` (kept for inspection, never read) and started afresh.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import lzma
import re
import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from hostward.bounded import DATA_FILE_LIMIT, read_at_most, xz_decompress
from hostward.collect.sample import SystemSample
from hostward.errors import NoRecording, StoreError
from hostward.store import framing as fr
from hostward.store.codec import (
    F_CARRIED,
    F_PROCS,
    FileHeader,
    SampleDecoder,
    decode_header,
    decode_restart,
    decode_stamp_text,
)
from hostward.store.model import CommentMark, DayData, Entry, RestartMark

log = logging.getLogger(__name__)

PREFIX = "hw"
XZ_SUFFIX = ".xz"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_DECODE_ERRORS = (
    fr.Corrupt,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    OverflowError,
    struct.error,
    zlib.error,
)


def day_path(data_dir: Path, day: dt.date) -> Path:
    """Where the recorder writes ``day`` (uncompressed name; the compressed file adds ``.xz``)."""
    return data_dir / f"{PREFIX}{day:%Y%m%d}"


def day_parts(data_dir: Path, day: dt.date) -> list[Path]:
    """Existing readable files of ``day`` in recording order: moved-aside parts ``.1``, ``.2``..., then the
    current file; each either plain or ``.xz`` (plain wins if both exist: compression is finishing)."""
    base = day_path(data_dir, day)
    pattern = re.compile(re.escape(base.name) + r"(?:\.(\d+))?(?:\.xz)?")
    found: dict[int, Path] = {}
    try:
        names = [p.name for p in data_dir.iterdir() if p.name.startswith(base.name)]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StoreError(f"cannot list {data_dir}: {exc.strerror}") from exc
    for name in sorted(names, key=lambda n: n.endswith(XZ_SUFFIX)):  # plain first, so it wins
        match = pattern.fullmatch(name)
        if match:
            part = int(match.group(1)) if match.group(1) else 1 << 30
            found.setdefault(part, data_dir / name)
    return [found[k] for k in sorted(found)]


def damaged_parts(data_dir: Path, day: dt.date) -> list[Path]:
    """Files of ``day`` the recorder moved aside as damaged (``.damaged-N``, plain or ``.xz``), in N order."""
    base = day_path(data_dir, day)
    pattern = re.compile(re.escape(base.name) + r"\.damaged-(\d{1,9})(?:\.xz)?")
    try:
        names = [p.name for p in data_dir.iterdir() if p.name.startswith(base.name + ".damaged-")]
    except OSError:
        return []  # day_parts has said why, or there is nothing
    found: dict[int, Path] = {}
    for name in sorted(names, key=lambda n: n.endswith(XZ_SUFFIX)):
        match = pattern.fullmatch(name)
        if match:
            found.setdefault(int(match.group(1)), data_dir / name)
    return [found[k] for k in sorted(found)]


@dataclass(frozen=True, slots=True)
class ScanResult:
    header: FileHeader
    entries: tuple[Entry, ...]
    previous: SystemSample | None
    valid_size: int  # offset just past the last complete frame
    truncated: str | None  # why the tail was ignored, when it was
    damaged: str | None = None  # salvage: why the entries stop before the end of the file


def _load(path: Path) -> bytes:
    try:
        data = read_at_most(path, DATA_FILE_LIMIT, "a hostward data file")  # not /dev/zero's worth
    except FileNotFoundError as exc:
        raise StoreError(f"{path}: no such data file") from exc
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    if data.startswith(_XZ_MAGIC):
        try:
            return xz_decompress(data, DATA_FILE_LIMIT, str(path), "a hostward data file")
        except lzma.LZMAError as exc:
            raise StoreError(f"{path}: corrupt xz compression ({exc})") from exc
    return data


def scan(
    data: bytes,
    name: str,
    *,
    salvage: bool = False,
    processes: bool = True,
    parts: frozenset[str] | None = None,
) -> ScanResult:
    """Decode a whole data file held in ``data``. Raises StoreError naming ``name`` and the offset of the first
    damaged frame; an incomplete *last* frame (interrupted write) ends the data and is reported in
    ``truncated`` instead. Without ``processes`` the top-process frames are checked (CRC, place in the file)
    but not decoded, and every sample's ``top_processes`` is empty: no sar report reads them, and decoding
    them was most of the cost of reading a day recorded with the default 10 (issue 17). With ``parts`` only
    those fields of each sample are built (store/parts.py: what a report's activities read)."""
    # A day is ~260,000 records that all stay alive: with the cyclic garbage collector running, its
    # collections, triggered every few hundred allocations, traverse the growing heap again and again and
    # took ~40% of the decoding time. Decoding creates no reference cycles, so pausing it loses nothing.
    # (Process-wide, but only ever delays collection; a concurrent scan that found it paused leaves it alone.)
    paused = gc.isenabled()
    gc.disable()
    try:
        return _scan(data, name, salvage, processes, parts)
    finally:
        if paused:
            gc.enable()


def _scan(data: bytes, name: str, salvage: bool, processes: bool, parts: frozenset[str] | None) -> ScanResult:
    fr.check_prefix(data, name)
    offset = fr.PREFIX_SIZE
    try:
        ftype, payload, offset_next = fr.next_frame(data, offset)
        if ftype != fr.T_HEADER:
            raise fr.Corrupt(f"first frame has type {ftype}, expected a header")
        header = decode_header(payload)
    except fr.Truncated as exc:
        raise StoreError(f"{name}: truncated data file at offset {offset}: {exc}") from exc
    except _DECODE_ERRORS as exc:
        raise StoreError(f"{name}: corrupt file header at offset {offset}: {exc}") from exc
    offset = offset_next
    decoder = SampleDecoder(header.schema, parts)
    procs = None
    if processes:
        # Imported here: reports never decode the top processes, and the codec with the process collector
        # behind it is ~6 ms of start-up (issue 17).
        from hostward.store.procs_codec import ProcsDecoder  # noqa: PLC0415

        procs = ProcsDecoder()
    last_sample: str | None = None  # where the sample a T_PROCS frame belongs to went
    awaiting_procs = False  # that sample announced a T_PROCS frame (written in the same write)
    sample_start = offset
    entries: list[Entry] = []
    previous: SystemSample | None = None
    truncated: str | None = None
    damaged: str | None = None
    size = len(data)
    while offset < size:
        try:
            ftype, payload, offset_next = fr.next_frame(data, offset)
            if awaiting_procs and ftype != fr.T_PROCS:
                raise fr.Corrupt("a sample's process frame is missing")
            if ftype == fr.T_SAMPLE:
                sample_start = offset
                sample, flags = decoder.sample(payload)
                carried = bool(flags & F_CARRIED)
                awaiting_procs = bool(flags & F_PROCS)
                last_sample = None
                if not carried:
                    entries.append(sample)
                    last_sample = "entry"
                elif not entries:
                    previous = sample
                    last_sample = "previous"
            elif ftype == fr.T_PROCS:
                if last_sample is None or (last_sample == "previous" and previous is None):
                    raise fr.Corrupt("process frame without its sample")
                if procs is not None:
                    top = procs.decode(payload)
                    if last_sample == "entry":
                        entries[-1] = replace(cast(SystemSample, entries[-1]), top_processes=top)
                    elif previous is not None:
                        previous = replace(previous, top_processes=top)
                last_sample = None
                awaiting_procs = False
            elif ftype == fr.T_SHAPE:
                decoder.shape(payload)
                last_sample = None
            elif ftype == fr.T_RESTART:
                stamp, uptime, host = decode_restart(payload)
                entries.append(RestartMark(stamp, uptime, host))
                last_sample = None
            elif ftype == fr.T_COMMENT:
                stamp, text = decode_stamp_text(payload)
                entries.append(CommentMark(stamp, text))
                last_sample = None
            elif ftype & fr.OPTIONAL:
                pass  # an optional frame of a later version
            else:
                raise fr.Corrupt(f"unknown frame type {ftype} (written by a newer hostward?)")
        except fr.Truncated as exc:
            if _frame_follows(data, offset):
                # A complete frame further on: this is not an interrupted append but a damaged length.
                if salvage:
                    damaged = f"{name}: corrupt data at offset {offset}: {exc}"
                    break
                raise StoreError(f"{name}: corrupt data at offset {offset}: {exc}") from exc
            truncated = f"incomplete last frame at offset {offset} ({size - offset} bytes): {exc}"
            break
        except _DECODE_ERRORS as exc:
            if _is_zero_tail(data, offset):
                truncated = f"zero-filled tail at offset {offset} ({size - offset} bytes)"
                break
            if salvage:
                # Like sar on a damaged sa file: keep what was read before the damage, and say where it is.
                damaged = f"{name}: corrupt data at offset {offset}: {exc}"
                break
            raise StoreError(f"{name}: corrupt data at offset {offset}: {exc}") from exc
        offset = offset_next
    if awaiting_procs and damaged is None:
        # The write of the last sample was cut between its two frames: it is the sample in flight, dropped
        # whole (the writer cuts the file back to ``valid_size`` before appending).
        truncated = f"incomplete last sample at offset {sample_start} ({size - sample_start} bytes)"
        offset = sample_start
        if last_sample == "entry":
            entries.pop()
        else:
            previous = None
    if awaiting_procs and damaged is not None and last_sample == "entry":
        entries.pop()  # its process frame is what was damaged: the sample is not whole
    return ScanResult(header, tuple(entries), previous, offset, truncated, damaged)


def _is_zero_tail(data: bytes, offset: int) -> bool:
    """A crash after the file grew but before its blocks were written leaves zeros (ext4 delayed allocation)."""
    return not data[offset:].strip(b"\0")


def _frame_follows(data: bytes, offset: int) -> bool:
    """Whether a valid (CRC-checked) frame starts anywhere after ``offset``. Only called on the error path,
    where the rest of the file is normally at most one torn frame."""
    for start in range(offset + 1, len(data) - fr.FRAME_OVERHEAD + 1):
        try:
            fr.next_frame(data, start)
        except (fr.Corrupt, fr.Truncated):
            continue
        return True
    return False


def read_file(
    path: Path,
    *,
    strict: bool = False,
    salvage: bool = False,
    processes: bool = True,
    parts: frozenset[str] | None = None,
) -> DayData:
    """Everything in one data file, plain or xz-compressed.

    An incomplete last frame (the recorder was killed during a write, or is writing right now) is left out
    with a warning; with ``strict`` it is a StoreError. Damage anywhere else is a StoreError naming the file
    and the offset; the file is not modified. With ``salvage`` the entries before such damage are returned
    and ``DayData.damage`` says where the rest was lost (reports, like sar, show what they can). Without
    ``processes`` the samples' top processes are left out; with ``parts`` only those fields are read (see
    ``scan``).
    """
    result = scan(_load(path), str(path), salvage=salvage, processes=processes, parts=parts)
    if result.truncated:
        if strict:
            raise StoreError(f"{path}: {result.truncated}")
        log.warning("%s: ignoring %s", path, result.truncated)
    damage = (result.damaged,) if result.damaged else ()
    return DayData(result.header.host, result.entries, result.previous, damage)


def read_day(
    data_dir: Path,
    day: dt.date,
    *,
    salvage: bool = False,
    processes: bool = True,
    parts: frozenset[str] | None = None,
) -> DayData:
    """Everything recorded on ``day`` (local time). StoreError when nothing was."""
    files = day_parts(data_dir, day)
    if not files:
        raise NoRecording(f"no data recorded for {day.isoformat()} in {data_dir}")
    days = [_read_part(path, salvage, processes, parts) for path in files]
    damaged = [_read_damaged(path, processes, parts) for path in damaged_parts(data_dir, day)]
    if any(damaged):
        # A file moved aside as damaged still holds the samples before its damage: report them, in time order
        # with the other parts, and say so (sar shows what it can read of a damaged file too).
        days = sorted((d for d in (*days, *damaged) if d is not None), key=_first_time)
    if len(days) == 1:
        return days[0]
    entries: list[Entry] = []
    for part in days:
        entries += part.entries
    damage = tuple(line for part in days for line in part.damage)
    return DayData(days[0].host, tuple(entries), days[0].previous, damage)


def _read_damaged(path: Path, processes: bool, parts: frozenset[str] | None) -> DayData | None:
    try:
        data = read_file(path, salvage=True, processes=processes, parts=parts)
    except StoreError as exc:
        log.warning("%s (moved aside as damaged; nothing in it could be read)", exc)
        return None
    if not data.entries:
        return None
    why = data.damage[0] if data.damage else f"{path}: moved aside as damaged"
    note = f"{why} (moved aside as damaged; its {len(data.entries)} entries before the damage are reported)"
    return DayData(data.host, data.entries, data.previous, (note,))


def _first_time(data: DayData) -> float:
    return data.entries[0].timestamp if data.entries else float("inf")


def _read_part(path: Path, salvage: bool, processes: bool, parts: frozenset[str] | None) -> DayData:
    try:
        return read_file(path, salvage=salvage, processes=processes, parts=parts)
    except StoreError:
        # The recorder's housekeeping may have compressed the file between listing and reading.
        if not path.exists() and path.with_name(path.name + XZ_SUFFIX).exists():
            xz = path.with_name(path.name + XZ_SUFFIX)
            return read_file(xz, salvage=salvage, processes=processes, parts=parts)
        raise


def read_range(
    data_dir: Path,
    since: dt.datetime,
    until: dt.datetime,
    *,
    salvage: bool = False,
    processes: bool = True,
    parts: frozenset[str] | None = None,
) -> DayData:
    """Entries with ``since <= timestamp <= until`` from every day file in the range, in recording order.

    Naive datetimes are local time. ``previous`` is the last sample before ``since`` when no restart lies
    between it and the first entry, so the first interval in the range can be reported.
    """
    if until < since:
        raise StoreError(f"empty time range: {until.isoformat()} is before {since.isoformat()}")
    start, stop = since.timestamp(), until.timestamp()
    first_day, last_day = since.astimezone().date(), until.astimezone().date()
    host = None
    entries: list[Entry] = []
    previous: SystemSample | None = None
    damage: list[str] = []
    day = first_day
    while day <= last_day:
        if day_parts(data_dir, day):
            data = read_day(data_dir, day, salvage=salvage, processes=processes, parts=parts)
            damage += data.damage
            host = host or data.host
            if not entries and data.previous is not None and data.previous.timestamp < start:
                previous = data.previous
            for entry in data.entries:
                if entry.timestamp < start:
                    if isinstance(entry, SystemSample):
                        previous = entry
                    elif isinstance(entry, RestartMark):
                        previous = None
                elif entry.timestamp <= stop:
                    entries.append(entry)
        day += dt.timedelta(days=1)
    if host is None:
        raise NoRecording(
            f"no data recorded between {since.isoformat(sep=' ')} and {until.isoformat(sep=' ')} in {data_dir}"
        )
    return DayData(host, tuple(entries), previous, tuple(damage))
