"""Parser of ``sadf -d`` output (sysstat 12.x "database" format, sadf.c / render.c render_*).

Each activity starts with a header ``# hostname;interval;timestamp;[ITEM;]col;col...``, then one line per
sample and item: ``host;interval;timestamp;[item;]value;...``. The timestamp is ``YYYY-MM-DD HH:MM:SS UTC``
(default), local time without "UTC" (``-t``/``-T``), or seconds since the epoch (``-U``); values use the
locale's decimal point (sadf honours LC_NUMERIC). CPU "all" is written as -1. Restarts are
``host;-1;timestamp;LINUX-RESTART\\t(N CPU)`` and comments ``host;-1;timestamp;COM text``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from hostward.collect.host import HostInfo
from hostward.digits import is_digits
from hostward.errors import ParseError
from hostward.store.sysstat.imported import ImportedRow
from hostward.store.sysstat.sar_text import ParsedReport, parse_number
from hostward.store.sysstat.schema import ITEM_HEADERS, Schema, match_headers
from hostward.validate import FIRST_DATE, LAST_DATE, quote

_STAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})( UTC)?$")


def looks_like_sadf(text: str) -> bool:
    return text.lstrip().startswith("# hostname;interval;timestamp")


def _timestamp(text: str) -> float:
    """sadf's time field as POSIX seconds, within the dates the store can hold (hostward.validate)."""
    if is_digits(text) and len(text) <= 12:
        value = float(text)  # sadf -U
    else:
        m = _STAMP.match(text)
        if not m:
            raise ValueError(f"unrecognised timestamp {quote(text)}")
        y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
        if not FIRST_DATE.year <= y <= LAST_DATE.year:
            raise ValueError(f"timestamp {quote(text)} out of range ({FIRST_DATE} to {LAST_DATE})")
        if m.group(7):
            value = float(calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)))
        else:
            value = dt.datetime(y, mo, d, h, mi, s).timestamp()
    if not _FIRST <= value <= _LAST:
        raise ValueError(f"timestamp {quote(text)} out of range ({FIRST_DATE} to {LAST_DATE})")
    return value


_FIRST = calendar.timegm(FIRST_DATE.timetuple())
_LAST = calendar.timegm(LAST_DATE.timetuple())


def _expand(wild: tuple[str | None, tuple[str, ...], str], count: int) -> Schema:
    """The schema of a line under a header ending in ``NAME*``: the fixed columns, then ``count`` - fixed
    repeated ones, named as sar's text names them ("all CPU0 CPU1" for ``CPU*``)."""
    item_head, fixed, stem = wild
    extra = max(count - len(fixed), 0)
    if stem == "CPU":
        repeated = ("all", *(f"CPU{i}" for i in range(extra - 1))) if extra else ()
    else:
        repeated = tuple(f"{stem}{i}" for i in range(extra))
    return match_headers(item_head, (*fixed, *repeated))


def parse_sadf_csv(text: str, name: str) -> ParsedReport:
    """Parse a whole ``sadf -d`` file; ParseError naming ``name`` and the line for anything unexpected."""
    report: ParsedReport | None = None
    schema: Schema | None = None
    has_item = False
    cpus = 0
    merged: dict[tuple[float, int, str, str | None, bool], ImportedRow] = {}
    restarts: list[float] = []
    comments: list[tuple[float, str]] = []
    unknown: dict[str, int] = {}
    unknown_columns: dict[str, tuple[str, ...]] = {}
    host_name: str | None = None
    wild: tuple[str | None, tuple[str, ...], str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split(";")
        if line.startswith("#"):
            heads = [f.strip() for f in fields]
            if heads[:3] != ["# hostname", "interval", "timestamp"] or len(heads) < 4:
                raise ParseError(f"{name}: line {number}: not a sadf -d header")
            has_item = heads[3] in ITEM_HEADERS
            columns = tuple(heads[4:] if has_item else heads[3:])
            item_head = heads[3] if has_item else None
            if columns and columns[-1].endswith("*"):
                # "INTR;CPU*" (sar -A's interrupts): one column per CPU, as many as the lines carry.
                wild = (item_head, columns[:-1], columns[-1][:-1])
                schema = None
                continue
            wild = None
            schema = match_headers(item_head, columns)
            if schema.unknown:
                unknown_columns[schema.activity] = schema.unknown
            continue
        if len(fields) < 4:
            raise ParseError(f"{name}: line {number}: {len(fields)} fields (truncated or garbled line?)")
        host_name = host_name or fields[0]
        try:
            stamp = _timestamp(fields[2])
        except ValueError as exc:
            raise ParseError(f"{name}: line {number}: {exc}") from exc
        if fields[3].startswith("LINUX-RESTART"):
            restarts.append(stamp)
            continue
        if fields[3].startswith("COM "):
            comment = (stamp, ";".join(fields[3:])[4:])
            if comment not in comments:
                comments.append(comment)
            continue
        if wild is not None:
            schema = _expand(wild, len(fields) - (4 if has_item else 3))
            if schema.unknown:
                unknown_columns[schema.activity] = schema.unknown
        if schema is None:
            raise ParseError(
                f"{name}: line {number}: values before any '# hostname;interval;timestamp' header"
            )
        values_text = fields[4:] if has_item else fields[3:]
        if len(values_text) != len(schema.names):
            raise ParseError(
                f"{name}: line {number}: {len(values_text)} values under {len(schema.names)} columns "
                f"(truncated or garbled line?)"
            )
        item: str | None = None
        if has_item:
            item = fields[3]
            if schema.item_header == "CPU":
                if item == "-1":
                    item = "all"
                elif is_digits(item):
                    cpus = max(cpus, int(item) + 1)
        try:
            values = tuple((n, parse_number(t, n)) for n, t in zip(schema.names, values_text, strict=True))
            interval = parse_number(fields[1], "interval")
        except ValueError as exc:
            raise ParseError(f"{name}: line {number}: {exc}") from exc
        row = ImportedRow(stamp, interval if interval > 0 else None, schema.activity, item, values)
        old = merged.get(row.key)
        if old is not None:
            row = ImportedRow(
                stamp,
                row.interval_seconds,
                row.activity,
                item,
                tuple({**dict(old.values), **dict(values)}.items()),
            )
        merged[row.key] = row
        if not schema.known:
            unknown[schema.activity] = unknown.get(schema.activity, 0) + 1
    if host_name is None:
        raise ParseError(f"{name}: no sadf -d data lines")
    report = ParsedReport(HostInfo("Linux", "", host_name, "", max(cpus, 1)))
    report.rows = sorted(merged.values(), key=lambda r: r.timestamp)
    report.restarts = restarts
    report.comments = comments
    report.unknown = unknown
    report.unknown_columns = unknown_columns
    return report
