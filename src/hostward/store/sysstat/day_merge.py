"""Writing imported entries into hostward's ordinary day files, idempotently.

Entries are keyed by (kind, timestamp): a sample already stored for that second, on that host, is skipped, so
importing the same file twice (or two overlapping files) stores each sample once. Entries go to the day of
their local time, like the recorder's. A day file that already holds entries later than an imported one is
rewritten in timestamp order (temporary file + rename, so a reader never sees a half-merged day); otherwise
the new entries are appended. Nothing is written before the whole input has been decoded, so a bad input
leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hostward.atomic import replacing
from hostward.collect.host import HostInfo
from hostward.collect.sample import SystemSample
from hostward.errors import StoreError
from hostward.store.model import CommentMark, DayData, Entry, RestartMark
from hostward.store.paths import day_parts, day_path
from hostward.store.reader import read_day
from hostward.store.writer import DataFileWriter


@dataclass(frozen=True, slots=True)
class MergeResult:
    added: int
    skipped: int  # already in the store
    days: tuple[dt.date, ...]


def _key(entry: Entry) -> tuple[str, float]:
    kind = "s" if isinstance(entry, SystemSample) else "r" if isinstance(entry, RestartMark) else "c"
    return (kind, entry.timestamp)


def local_day(timestamp: float) -> dt.date:
    return dt.datetime.fromtimestamp(timestamp).date()


def merge_entries(data_dir: Path, host: HostInfo, entries: Iterable[Entry]) -> MergeResult:
    """Store ``entries`` (in time order) into ``data_dir``'s day files, skipping those already there."""
    by_day: dict[dt.date, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: e.timestamp):
        by_day.setdefault(local_day(entry.timestamp), []).append(entry)
    added = skipped = 0
    previous: SystemSample | None = None
    for day in sorted(by_day):
        new = by_day[day]
        a, s = _merge_day(data_dir, day, host, new, previous)
        added += a
        skipped += s
        last = new[-1]
        previous = last if isinstance(last, SystemSample) else None
    return MergeResult(added, skipped, tuple(sorted(by_day)))


def _merge_day(
    data_dir: Path, day: dt.date, host: HostInfo, new: list[Entry], previous: SystemSample | None
) -> tuple[int, int]:
    path = day_path(data_dir, day)
    parts = day_parts(data_dir, day)
    existing = read_day(data_dir, day) if parts else DayData(host, ())
    if existing.entries and existing.host.nodename != host.nodename:
        raise StoreError(
            f"{path} holds data of host {existing.host.nodename!r}; refusing to mix in {host.nodename!r} "
            f"(import into another --data-dir)"
        )
    have = {_key(e) for e in existing.entries}
    fresh = [e for e in new if _key(e) not in have]
    skipped = len(new) - len(fresh)
    if not fresh:
        return 0, skipped
    last_existing = existing.entries[-1].timestamp if existing.entries else float("-inf")
    if fresh[0].timestamp > last_existing:
        carry = previous if not existing.entries and not parts else None
        if parts and (len(parts) > 1 or parts[0].name != path.name):
            raise StoreError(f"{path}: the day is split in parts or compressed; cannot append imported data")
        _write(path, day, existing.host if existing.entries else host, fresh, carry, append=True)
    else:
        if len(parts) > 1 or parts[0].name != path.name:
            raise StoreError(
                f"{path}: the day is split in parts or compressed; cannot merge imported data into it"
            )
        merged = sorted([*existing.entries, *fresh], key=lambda e: e.timestamp)
        with replacing(path, what="replace") as tmp:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()  # left by a killed import of the same pid number
            _write(tmp, day, existing.host, merged, existing.previous, append=False)
    return len(fresh), skipped


def _write(
    path: Path,
    day: dt.date,
    host: HostInfo,
    entries: list[Entry],
    carry: SystemSample | None,
    *,
    append: bool,
) -> None:
    del append  # DataFileWriter.open appends to an existing file and creates a missing one
    with DataFileWriter.open(path, day, host) as writer:
        if carry is not None:
            writer.write_sample(carry, carried=True)
        for entry in entries:
            if isinstance(entry, SystemSample):
                writer.write_sample(entry)
            elif isinstance(entry, RestartMark):
                writer.write_restart(entry)
            elif isinstance(entry, CommentMark):
                writer.write_comment(entry)
        writer.sync()
