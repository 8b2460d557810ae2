"""Reading data files: one file, one day, or a time range spread over several days.

A day's data is ``<data_dir>/hwYYYYMMDD`` (sysstat: ``saYYYYMMDD``), ``.xz``-compressed once the day is old
enough (sysstat's COMPRESSAFTER). When the recorder could not append to a day's file (it was written by a
hostward with different collectors, or found damaged) it moved it aside as ``hwYYYYMMDD.N`` (readable parts,
read first, in order) or ``hwYYYYMMDD.damaged-N`` (kept for inspection, never read) and started afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from hostward.collect.host import HostInfo
from hostward.collect.sample import SystemSample
from hostward.errors import NoRecording, StoreError
from hostward.frozen import frozen
from hostward.gcpause import collector_paused
from hostward.store.codec import FileHeader
from hostward.store.model import DayData, Entry, RestartMark
from hostward.store.paths import XZ_SUFFIX, damaged_parts, day_parts
from hostward.store.stream import FrameReader, Scan, chunks


def _warn(message: str, *args: object) -> None:
    # Imported here: logging is ~4 ms of a report's start-up, and only a damaged or torn file is warned about.
    import logging  # noqa: PLC0415

    logging.getLogger(__name__).warning(message, *args)


@frozen
class ScanResult:
    header: FileHeader
    entries: tuple[Entry, ...]
    previous: SystemSample | None
    valid_size: int  # offset just past the last complete frame
    truncated: str | None  # why the tail was ignored, when it was
    damaged: str | None = None  # salvage: why the entries stop before the end of the file


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
    with collector_paused():
        frames = FrameReader(iter((data,)))
        result = Scan(frames, name, salvage=salvage, processes=processes, parts=parts)
        entries = tuple(result)
    return ScanResult(
        result.header, entries, result.previous, result.valid_size, result.truncated, result.damaged
    )


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
    result = _open(path, salvage, processes, parts)
    with collector_paused():
        entries = tuple(result)
    _ended(path, result, strict)
    damage = (result.damaged,) if result.damaged else ()
    return DayData(result.header.host, entries, result.previous, damage)


def _open(path: Path, salvage: bool, processes: bool, parts: frozenset[str] | None) -> Scan:
    """A scan of ``path`` (plain or xz) read a piece at a time; StoreError at once when it is not readable,
    not ours, or its header is damaged."""
    return Scan(FrameReader(chunks(path)), str(path), salvage=salvage, processes=processes, parts=parts)


def _ended(path: Path, result: Scan, strict: bool = False) -> None:
    if result.truncated:
        if strict:
            raise StoreError(f"{path}: {result.truncated}")
        _warn("%s: ignoring %s", path, result.truncated)


def read_day(
    data_dir: Path,
    day: dt.date,
    *,
    salvage: bool = False,
    processes: bool = True,
    parts: frozenset[str] | None = None,
    files: list[Path] | None = None,
) -> DayData:
    """Everything recorded on ``day`` (local time). StoreError when nothing was. ``files``: the day's parts when
    the caller has listed them already (``day_parts``)."""
    if files is None:
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
        _warn("%s (moved aside as damaged; nothing in it could be read)", exc)
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
        if files := day_parts(data_dir, day):
            data = read_day(data_dir, day, salvage=salvage, processes=processes, parts=parts, files=files)
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


class Recording:
    """A recording read as a report consumes it: entries decoded one at a time, so memory does not grow with
    the day's length (issue 17). ``host`` and ``previous`` (as in DayData) are known before the first entry;
    ``damage`` once the entries are exhausted. Iterate once. ``has_samples``: whether any entry is a sample
    (read ahead up to the first one: the entries before it are restart and comment marks)."""

    def __init__(self, host: HostInfo, previous: SystemSample | None, entries: Iterator[Entry]) -> None:
        self.host = host
        self.previous = previous
        self.damage: list[str] = []
        self._entries = entries
        self._ahead: list[Entry] = []
        for entry in entries:
            self._ahead.append(entry)
            if isinstance(entry, SystemSample):
                break
        self.has_samples = bool(self._ahead) and isinstance(self._ahead[-1], SystemSample)

    @classmethod
    def of(cls, data: DayData) -> Recording:
        """A recording already read whole (days with damaged parts, time ranges)."""
        recording = cls(data.host, data.previous, iter(data.entries))
        recording.damage = list(data.damage)
        return recording

    def __iter__(self) -> Iterator[Entry]:
        ahead, self._ahead = self._ahead, []
        yield from ahead
        yield from self._entries


def stream_file(path: Path, *, processes: bool = True, parts: frozenset[str] | None = None) -> Recording:
    """``read_file(path, salvage=True, ...)`` as a stream: damage ends the entries and is said in ``damage``."""
    return _stream_parts([path], processes, parts)


def stream_day(
    data_dir: Path, day: dt.date, *, processes: bool = True, parts: frozenset[str] | None = None
) -> Recording:
    """``read_day(data_dir, day, salvage=True, ...)`` as a stream. A day with a part moved aside as damaged
    is read whole (its parts are put in time order first)."""
    files = day_parts(data_dir, day)
    if not files:
        raise NoRecording(f"no data recorded for {day.isoformat()} in {data_dir}")
    if damaged_parts(data_dir, day):
        return Recording.of(read_day(data_dir, day, salvage=True, processes=processes, parts=parts))
    return _stream_parts(files, processes, parts)


def _stream_parts(files: list[Path], processes: bool, parts: frozenset[str] | None) -> Recording:
    first = _open_part(files[0], processes, parts)
    damage: list[str] = []

    def entries() -> Iterator[Entry]:
        for i, path in enumerate(files):
            scan = first if i == 0 else _open_part(path, processes, parts)
            yield from scan
            _ended(Path(scan.name), scan)
            if scan.damaged:
                damage.append(scan.damaged)

    recording = Recording(first.header.host, None, entries())
    recording.previous = first.previous  # final once an entry was read (Recording reads ahead to one)
    recording.damage = damage
    return recording


def _open_part(path: Path, processes: bool, parts: frozenset[str] | None) -> Scan:
    try:
        return _open(path, True, processes, parts)
    except StoreError:
        # The recorder's housekeeping may have compressed the file between listing and reading.
        xz = path.with_name(path.name + XZ_SUFFIX)
        if not path.exists() and xz.exists():
            return _open(xz, True, processes, parts)
        raise
