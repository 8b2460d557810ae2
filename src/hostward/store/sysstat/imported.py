"""Imported report rows: what ``sar -A`` text and ``sadf -d`` CSV carry (computed values, not counters).

Text reports cannot become raw samples, so they are kept as rows, beside the day files:
``<data_dir>/imported/imYYYYMMDD.jsonl`` (local day of the row). The first line of a file names the host;
every other line is one :class:`ImportedRow` or one restart. Rows are keyed by (timestamp, activity, item,
average): re-importing the same text adds nothing. Files are replaced atomically (temporary file + rename).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hostward.atomic import writing
from hostward.collect.host import HostInfo
from hostward.errors import StoreError
from hostward.safefs import make_dirs

IMPORTED_DIR = "imported"
PREFIX = "im"


@dataclass(frozen=True, slots=True)
class ImportedRow:
    """One row of a text report. ``activity`` is a hostward activity name ("cpu", "net_dev") or, for a
    report hostward does not define, ``"sar:"`` followed by its column headers. ``values`` holds every column
    of the source, by column name (an activity column's ``name``; the header text for unknown columns)."""

    timestamp: float  # the row's time (end of its interval), seconds since the epoch
    interval_seconds: float | None  # length of the interval the row covers, when the source says
    activity: str
    item: str | None
    values: tuple[tuple[str, float], ...]
    average: bool = False  # an "Average:" row; its timestamp is the last row's of the same block
    # Records that share a second (sadc appending right after a sample, a restart within the same second):
    # 0 for the first, 1 for the next ... so that neither is taken for a repeat of the other.
    ordinal: int = 0

    def value_map(self) -> Mapping[str, float]:
        return dict(self.values)

    @property
    def key(self) -> tuple[float, int, str, str | None, bool]:
        return (self.timestamp, self.ordinal, self.activity, self.item, self.average)

    @property
    def order(self) -> tuple[float, int, bool]:
        return (self.timestamp, self.ordinal, self.average)


@dataclass(frozen=True, slots=True)
class ImportedDay:
    host: HostInfo
    rows: tuple[ImportedRow, ...]
    restarts: tuple[float, ...] = ()  # LINUX RESTART times
    comments: tuple[tuple[float, str], ...] = ()  # COM lines (sar -C, sadf -C): time and text

    def activities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.activity for r in self.rows))


def imported_dir(data_dir: Path) -> Path:
    return data_dir / IMPORTED_DIR


def imported_path(data_dir: Path, day: dt.date) -> Path:
    return imported_dir(data_dir) / f"{PREFIX}{day:%Y%m%d}.jsonl"


def _host_json(host: HostInfo) -> str:
    return json.dumps(
        {"host": [host.sysname, host.release, host.nodename, host.machine, host.cpu_count]},
        separators=(",", ":"),
    )


def _row_json(row: ImportedRow) -> str:
    return json.dumps(
        {
            "t": row.timestamp,
            "i": row.interval_seconds,
            "a": row.activity,
            "n": row.item,
            "v": [list(p) for p in row.values],
            **({"avg": True} if row.average else {}),
            **({"o": row.ordinal} if row.ordinal else {}),
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def read_imported_file(path: Path) -> ImportedDay:
    """One imported day. StoreError naming the file and line when it is damaged."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise StoreError(f"{path}: no such imported file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc
    rows: list[ImportedRow] = []
    restarts: list[float] = []
    comments: list[tuple[float, str]] = []
    host: HostInfo | None = None
    for number, line in enumerate(lines, 1):
        try:
            obj = json.loads(line)
            if "host" in obj:
                s, r, n, m, c = obj["host"]
                host = HostInfo(str(s), str(r), str(n), str(m), int(c))
            elif "restart" in obj:
                restarts.append(float(obj["restart"]))
            elif "comment" in obj:
                when, text = obj["comment"]
                comments.append((float(when), str(text)))
            else:
                rows.append(
                    ImportedRow(
                        float(obj["t"]),
                        None if obj["i"] is None else float(obj["i"]),
                        str(obj["a"]),
                        None if obj["n"] is None else str(obj["n"]),
                        tuple((str(k), float(v)) for k, v in obj["v"]),
                        bool(obj.get("avg", False)),
                        int(obj.get("o", 0)),
                    )
                )
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{path}: line {number}: damaged imported row ({exc})") from exc
    if host is None:
        raise StoreError(f"{path}: line 1: no host line")
    return ImportedDay(host, tuple(rows), tuple(restarts), tuple(comments))


def read_imported(data_dir: Path, since: dt.date, until: dt.date | None = None) -> ImportedDay | None:
    """Imported rows of the days ``since``..``until`` (one day by default), or None when there are none."""
    last = until or since
    host: HostInfo | None = None
    rows: list[ImportedRow] = []
    restarts: list[float] = []
    comments: list[tuple[float, str]] = []
    day = since
    while day <= last:
        path = imported_path(data_dir, day)
        if path.exists():
            part = read_imported_file(path)
            host = host or part.host
            rows += part.rows
            restarts += part.restarts
            comments += part.comments
        day += dt.timedelta(days=1)
    if host is None:
        return None
    return ImportedDay(host, tuple(rows), tuple(restarts), tuple(comments))


@dataclass(frozen=True, slots=True)
class StoreResult:
    added: int
    skipped: int
    days: tuple[dt.date, ...]


def store_imported(
    data_dir: Path,
    host: HostInfo,
    rows: Iterable[ImportedRow],
    restarts: Iterable[float] = (),
    comments: Iterable[tuple[float, str]] = (),
) -> StoreResult:
    """Merge rows (and restarts, comments) into the day files, skipping those already stored (same key)."""
    by_day: dict[dt.date, tuple[list[ImportedRow], list[float], list[tuple[float, str]]]] = {}

    def day_of(stamp: float) -> tuple[list[ImportedRow], list[float], list[tuple[float, str]]]:
        return by_day.setdefault(dt.datetime.fromtimestamp(stamp).date(), ([], [], []))

    for row in rows:
        day_of(row.timestamp)[0].append(row)
    for stamp in restarts:
        day_of(stamp)[1].append(stamp)
    for comment in comments:
        day_of(comment[0])[2].append(comment)
    added = skipped = 0
    for day, (new_rows, new_restarts, new_comments) in sorted(by_day.items()):
        path = imported_path(data_dir, day)
        old = read_imported_file(path) if path.exists() else ImportedDay(host, ())
        if old.rows and old.host.nodename != host.nodename:
            raise StoreError(
                f"{path} holds rows of host {old.host.nodename!r}; refusing to mix in {host.nodename!r}"
            )
        have = {r.key for r in old.rows}
        fresh: list[ImportedRow] = []
        for row in new_rows:
            if row.key in have:
                skipped += 1
            else:
                have.add(row.key)
                fresh.append(row)
        all_restarts = sorted(set(old.restarts) | set(new_restarts))
        all_comments = sorted(set(old.comments) | set(new_comments))
        if not fresh and len(all_restarts) == len(old.restarts) and len(all_comments) == len(old.comments):
            continue
        added += len(fresh)
        merged = sorted([*old.rows, *fresh], key=lambda r: r.order)
        _write_atomic(
            path,
            [_host_json(old.host if old.rows else host)]
            + [json.dumps({"restart": t}) for t in all_restarts]
            + [json.dumps({"comment": [t, text]}, ensure_ascii=False) for t, text in all_comments]
            + [_row_json(r) for r in merged],
        )
    return StoreResult(added, skipped, tuple(sorted(by_day)))


def _write_atomic(path: Path, lines: list[str]) -> None:
    try:
        make_dirs(path.parent)  # 0750
    except OSError as exc:
        raise StoreError(f"cannot create {path.parent}: {exc.strerror}") from exc
    with writing(path) as handle:
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))
