"""Parser of sar's text reports (``sar -A`` and any subset), in every locale sysstat 12.x writes.

What varies with the locale (sysstat common.c init_nls, sa_common.c set_record_timestamp_string):

* the time column is ``strftime("%X")``: ``17:33:55`` (C, de_DE, S_TIME_FORMAT=ISO) or ``05:33:55 PM``
  (en_US); the banner date is ``%x``: ``11/27/26`` (C), ``11/27/2026`` (en_US), ``27.11.2026`` (de_DE),
  ``2026-11-27`` (ISO), ``27/11/2026`` (fr_FR, it_IT...);
* values use the locale's decimal point (``0,95`` in de_DE);
* ``Average:`` is translated (po/*.po: ``Durchschn.:``, ``Moyenne :``...).

sar prints one block per activity, each going through the whole day again: times go back at every block,
and within a block a time earlier than the previous one means the report crossed midnight. A header line
carries the time of the sample before the block's first row, which gives the first row's interval.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from hostward.collect.host import HostInfo
from hostward.errors import ParseError
from hostward.store.sysstat.imported import ImportedRow
from hostward.store.sysstat.labels import AVERAGE_LABELS
from hostward.store.sysstat.schema import ITEM_HEADERS, Schema, match_headers
from hostward.validate import quote

_BANNER = re.compile(
    r"^(?P<sys>\S+) (?P<rel>\S+) \((?P<node>[^)]*)\)\s+(?P<date>\S+)\s+_(?P<mach>\S+)_\s+\((?P<cpus>\d+) CPU\)\s*$"
)
_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(?:\s?([AaPp])\.?[Mm]\.?)?(?=\s|$)")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_LABEL = re.compile(r"^([^\d\s][^:：\t]{0,30}[:：])(?=\s)")
# Banners of other systems' sar (Solaris/illumos, AIX, HP-UX): "SunOS host 5.11 11.4.0 sun4v    11/27/2026".
_FOREIGN = re.compile(r"^(SunOS|AIX|HP-UX|IRIX|OSF1|UnixWare|SCO_SV|Darwin|FreeBSD)\b")
_AVERAGES = frozenset({"Average:", *AVERAGE_LABELS.values()})


@dataclass(slots=True)
class ParsedReport:
    """Everything read from one text file."""

    host: HostInfo
    rows: list[ImportedRow] = field(default_factory=list)
    restarts: list[float] = field(default_factory=list)
    comments: list[tuple[float, str]] = field(default_factory=list)  # COM lines: time and text
    unknown: dict[str, int] = field(default_factory=dict)  # unknown report -> rows kept
    unknown_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)


# CPU shares: sysstat bounds them to 0-100 (it clamps counters that go backwards), so beyond is a damaged file
CPU_PERCENT = frozenset({"%user", "%usr", "%nice", "%system", "%sys", "%iowait", "%steal", "%irq", "%soft",
                         "%guest", "%gnice", "%idle"})  # fmt: skip


def parse_number(token: str, column: str = "") -> float:
    """A value of a sar/sadf report: finite and not negative (no sar column is), CPU shares at most 100.
    ValueError quoting at most 120 characters of the token."""
    try:
        value = float(token.replace(",", "."))
    except ValueError:
        raise ValueError(f"{column or 'value'} {quote(token)} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{column or 'value'} {quote(token)} is not a finite number")
    if value < 0 or (column in CPU_PERCENT and value > 100):
        expected = "0 to 100" if column in CPU_PERCENT else "0 or more"
        raise ValueError(f"{column or 'value'} {quote(token)} is out of range (expected {expected})")
    return value


def parse_banner_date(text: str, *, day_first: bool) -> dt.date | None:
    """The ``%x`` date of a banner in the formats sysstat's locales produce; None when unrecognised."""
    for pattern, order in (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
        (r"(\d{4})/(\d{1,2})/(\d{1,2})", "ymd"),
        (r"(\d{4})年(\d{1,2})月(\d{1,2})日", "ymd"),
        (r"(\d{1,2})\.(\d{1,2})\.(\d{2,4})", "dmy"),
        (r"(\d{1,2})/(\d{1,2})/(\d{2,4})", "dmy" if day_first else "mdy"),
        (r"(\d{1,2})-(\d{1,2})-(\d{2,4})", "dmy" if day_first else "mdy"),
    ):
        m = re.fullmatch(pattern, text)
        if not m:
            continue
        a, b, c = (int(g) for g in m.groups())
        parts = dict(zip(order, (a, b, c), strict=True))
        if order == "mdy" and parts["m"] > 12 >= parts["d"]:
            parts["m"], parts["d"] = parts["d"], parts["m"]  # 27/11/2026 cannot be month-first
        year = parts["y"] + 2000 if parts["y"] < 100 else parts["y"]
        try:
            return dt.date(year, parts["m"], parts["d"])
        except ValueError:
            return None
    return None


def _seconds(m: re.Match[str]) -> int:
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if m.group(4):  # 12-hour clock: 12:xx AM is 00:xx, 12:xx PM is 12:xx
        hour = hour % 12 + (12 if m.group(4) in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 60:
        raise ValueError(f"time {m.group(0)!r} out of range")
    return hour * 3600 + minute * 60 + second


class _Block:
    """The report being read: its schema, day offset and the previous row's time."""

    def __init__(self, schema: Schema, item_first: bool, item_last: bool, start: int) -> None:
        self.schema = schema
        self.item_first = item_first
        self.item_last = item_last
        self.days = 0
        self.last_sod = start
        self.prev_time: float | None = None  # the header's time: the sample before the first row
        self.group_prev: float | None = None
        self.last_row_time: float | None = None
        self.group_items: set[str | None] = set()  # items of the record being read
        self.same_second: dict[float, int] = {}  # records of this block per second
        self.ordinal = 0


def parse_sar_text(text: str, name: str, *, day_first: bool | None = None) -> ParsedReport:
    """Parse a whole report. Raises ParseError naming ``name`` and the line for anything unexpected; nothing
    is returned for a partly read file."""
    lines = text.splitlines()
    if day_first is None:
        # A translated "Average:" means a non-English locale: their %x dates are day first (27/11/2026).
        day_first = any(line.split(" ", 1)[0] in _AVERAGES - {"Average:"} for line in lines[:20000])
    report: ParsedReport | None = None
    date: dt.date | None = None
    block: _Block | None = None
    merged: dict[tuple[float, int, str, str | None, bool], ImportedRow] = {}
    # (second, activity) -> records seen: in the restart segments before this one, and in this one
    earlier_segments: dict[tuple[float, str], int] = {}
    this_segment: dict[tuple[float, str], int] = {}

    def fail(number: int, why: str) -> ParseError:
        return ParseError(f"{name}: line {number}: {why}")

    # The segment (between restarts) being read: every block of it starts at its first header's time, and
    # nothing in it is earlier; segment[0] is that start, segment[1] the latest time seen.
    segment: list[float | None] = [None, None]

    def at(days: int, sod: int) -> float:
        assert date is not None  # checked by the caller: rows only after a banner
        moment = dt.datetime.combine(date + dt.timedelta(days=days), dt.time()) + dt.timedelta(seconds=sod)
        return moment.timestamp()

    def first_day(sod: int, floor: float | None) -> int:
        """Day offset of a block's first time: the first that is not before ``floor``."""
        days = 0
        while floor is not None and at(days, sod) < floor - 1 and days < 366:
            days += 1
        return days

    def stamp(sod: int, b: _Block) -> float:
        if sod < b.last_sod:
            b.days += 1  # the report crossed midnight
        b.last_sod = sod
        t = at(b.days, sod)
        segment[1] = t if segment[1] is None else max(segment[1], t)
        return t

    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        banner = _BANNER.match(line)
        if banner:
            if banner["sys"] != "Linux":
                raise fail(
                    number, f"sar report of {banner['sys']}: only Linux sysstat reports can be imported"
                )
            date = parse_banner_date(banner["date"], day_first=day_first)
            if date is None:
                raise fail(number, f"unrecognised date {banner['date']!r} in the banner")
            host = HostInfo(banner["sys"], banner["rel"], banner["node"], banner["mach"], int(banner["cpus"]))
            if report is None:
                report = ParsedReport(host)
            elif report.host.nodename != host.nodename:
                raise fail(number, f"report of host {host.nodename!r} after one of {report.host.nodename!r}")
            block = None
            segment[0] = segment[1] = None
            continue
        if report is None or date is None:
            foreign = _FOREIGN.match(line)
            if foreign:
                raise fail(
                    number, f"sar report of {foreign.group(1)}: only Linux sysstat reports can be imported"
                )
            raise fail(
                number,
                "not a sysstat sar report (expected a banner like 'Linux 6.1.0 (host) \\t11/27/26 ...')",
            )
        tm = _TIME.match(line)
        average = False
        if tm:
            try:
                sod = _seconds(tm)
            except ValueError as exc:
                raise fail(number, str(exc)) from exc
            rest = line[tm.end() :]
        else:
            label = _LABEL.match(line)
            if not label:
                raise fail(number, f"unexpected line {line[:60]!r}")
            average, sod, rest = True, -1, line[label.end() :]
        tokens = rest.split()
        if not tokens:
            raise fail(number, "a time without values (truncated line?)")
        if tokens[0] == "LINUX" and len(tokens) > 1 and tokens[1] == "RESTART":
            if sod < 0:
                raise fail(number, "a restart without a time")
            restart = at(first_day(sod, segment[1]), sod)
            report.restarts.append(restart)
            for key, count in this_segment.items():
                earlier_segments[key] = earlier_segments.get(key, 0) + count
            this_segment.clear()
            segment[0] = segment[1] = restart
            block = None
            continue
        if tokens[0] == "COM":
            if sod < 0:
                raise fail(number, "a comment without a time")
            comment = (at(first_day(sod, segment[1]), sod), rest.strip()[3:].strip())
            if comment not in report.comments:  # sar -C repeats it in every activity's block
                report.comments.append(comment)
            continue
        numeric = [bool(_NUMBER.match(t)) for t in tokens]
        if not any(numeric):
            item_first = tokens[0] in ITEM_HEADERS
            item_last = not item_first and tokens[-1] in ITEM_HEADERS
            item_head = tokens[0] if item_first else tokens[-1] if item_last else None
            heads = tuple(tokens[1:] if item_first else tokens[:-1] if item_last else tokens)
            schema = match_headers(item_head, heads)
            if average and block is not None and block.schema == schema:
                continue  # header repeated before the Average lines
            block = _Block(schema, item_first, item_last, max(sod, 0))
            if sod >= 0:
                if segment[0] is None:
                    segment[0] = at(0, sod)
                block.days = first_day(sod, segment[0])
                block.prev_time = stamp(sod, block)
            if schema.unknown:
                report.unknown_columns[schema.activity] = schema.unknown
            continue
        if block is None:
            raise fail(number, "values before any header line")
        schema = block.schema
        expected = len(schema.names) + (1 if block.item_first or block.item_last else 0)
        if len(tokens) != expected:
            raise fail(
                number, f"{len(tokens)} fields under a header of {expected} (truncated or garbled line?)"
            )
        item: str | None = None
        if block.item_first:
            item, tokens = tokens[0], tokens[1:]
        elif block.item_last:
            item, tokens = tokens[-1], tokens[:-1]
        try:
            values = tuple((n, parse_number(t, n)) for n, t in zip(schema.names, tokens, strict=True))
        except ValueError as exc:
            raise fail(number, str(exc)) from exc
        if average:
            if block.last_row_time is None:
                raise fail(number, "an average before any row")
            timestamp, interval = block.last_row_time, None
        else:
            timestamp = stamp(sod, block)
            # A new record: a new time, or an item seen again at the same time (two records in one second,
            # e.g. sadc appending just after a sample). The other items of one record share its time.
            if timestamp != block.last_row_time or item in block.group_items:
                block.group_prev = block.last_row_time if block.last_row_time is not None else block.prev_time
                block.last_row_time = timestamp
                block.group_items = set()
                k = block.same_second.get(timestamp, 0)
                block.same_second[timestamp] = k + 1
                # records of this second in earlier restart segments come first
                block.ordinal = earlier_segments.get((timestamp, schema.activity), 0) + k
                this_segment[(timestamp, schema.activity)] = max(
                    this_segment.get((timestamp, schema.activity), 0), k + 1
                )
            block.group_items.add(item)
            interval = timestamp - block.group_prev if block.group_prev is not None else None
        row = ImportedRow(
            timestamp, interval, schema.activity, item, values, average, 0 if average else block.ordinal
        )
        old = merged.get(row.key)
        if old is not None:  # the same row under two views (-u and -u ALL): one row with every column
            row = ImportedRow(old.timestamp, old.interval_seconds, old.activity, old.item,
                              tuple({**dict(old.values), **dict(values)}.items()), average, old.ordinal)  # fmt: skip
        merged[row.key] = row
        if not schema.known:
            report.unknown[schema.activity] = report.unknown.get(schema.activity, 0) + 1
    if report is None:
        raise ParseError(f"{name}: empty file (no sar banner)")
    if not text.endswith("\n"):
        # sar ends every line with a newline: a file cut in the middle of a time ("06:29:04 P") or of a
        # header would otherwise read as a new, unknown report and be imported without a word.
        raise fail(len(lines), "the last line is cut off (no newline at the end: truncated file?)")
    report.rows = sorted(merged.values(), key=lambda r: r.order)
    return report
