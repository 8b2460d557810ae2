"""Kernel log lines from any of the usual places, with their timestamp prefixes taken off.

Recognised prefixes (one line may carry several, outermost first):

* ``grep -H``/``-n`` output: ``/var/log/messages:`` and ``123:`` (kept only when a timestamp follows)
* /dev/kmsg records: ``6,1234,364970589,-;message`` (time in µs since boot); ``" KEY=value"`` continuation lines
  are dropped; ``\\xNN`` escapes are undone
* ``journalctl -o json`` objects (``MESSAGE`` as text or a byte array, ``_SOURCE_MONOTONIC_TIMESTAMP``)
* syslog files and ``journalctl -k`` short/short-precise/short-iso/short-full: ``Nov 27 17:00:00 host kernel: ...``,
  ``2026-11-27T17:00:00.123456+00:00 host kernel: ...`` (lines of other programs are skipped)
* ``journalctl -o short-monotonic``: ``[  364.970589] host kernel: ...``
* dmesg: ``[  364.970589] ...``, ``dmesg -T`` ``[Fri Nov 27 17:00:00 2026] ...``, ``dmesg -x`` facility/level,
  ``dmesg -r`` ``<4>[...]``, ``--time-format iso``, and printk caller ids ``[ T1234]``/``[ C1]``

Lines are read in bounded chunks, so a multi-gigabyte log, or one without newlines, is streamed in constant memory.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from hostward.bounded import KERNEL_LOG_LIMIT, too_large
from hostward.digits import is_digits
from hostward.frozen import frozen
from hostward.oom.kernlog.ctime import CTIME_ANY, normalise_ctime
from hostward.oom.kernlog.sanitize import decode_kernel_escapes, decode_rsyslog_escapes

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import BinaryIO

MAX_LINE_BYTES = 64 * 1024


@frozen
class KernelLine:
    message: str
    monotonic_seconds: float | None  # seconds since boot, as printk stamps it
    wall_time: str | None  # wall-clock text as the source wrote it (syslog/journal/dmesg -T)
    line_number: int
    # An indented line without a timestamp: dmesg and journalctl continue a record so (ContinuedLine). A class
    # attribute (not annotated, so not a field): constructing the millions of ordinary lines stays as cheap.
    continued = False


class ContinuedLine(KernelLine):
    __slots__ = ()
    continued = True


_KMSG = re.compile(r"^(\d+),(\d+),(\d+),[^;]*;(.*)$", re.S)
_KMSG_CONT = re.compile(r"^ [A-Z_]+=")
_MONO = re.compile(r"^(?:<\d+>)?\[\s*(\d+\.\d+)\]\s?(.*)$", re.S)
_CTIME = re.compile(
    r"^(?:<\d+>)?\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})\]\s?(.*)$", re.S
)
_FACILITY = re.compile(
    r"^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local\d)\s*:"
    r"\s*(?:emerg|alert|crit|err|warn|notice|info|debug)\s*:\s?(.*)$",
    re.S,
)
_SYSLOG_BSD = re.compile(
    r"^(?:<\d+>)?(\w{3} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?) (\S+) ([^\s:\[]+)(?:\[\d+\])?: ?(.*)$", re.S
)
_ISO = r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
_SYSLOG_ISO = re.compile(rf"^(?:<\d+>(?:1 )?)?({_ISO}) (\S+) ([^\s:\[]+)(?:\[\d+\])?: ?(.*)$", re.S)
_DMESG_ISO = re.compile(rf"^({_ISO}) (.*)$", re.S)
# RFC 5424: "<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD|-] MSG"
_RFC5424 = re.compile(rf"^<\d+>1 ({_ISO}) (\S+) (\S+) \S+ \S+ (?:-|(?:\[.*?\])+) ?(.*)$", re.S)
# journalctl -o short-full: "Fri 2026-11-27 17:00:00 UTC host kernel: ..."
_SYSLOG_FULL = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+) (\S+) ([^\s:\[]+)(?:\[\d+\])?: ?(.*)$",
    re.S,
)
_HOST_KERNEL = re.compile(r"^\S+ kernel(?:\[\d+\])?: ?(.*)$", re.S)
_CALLER = re.compile(r"^\[\s*[TC]\d+\]\s?")
_GREP = re.compile(r"^(?:[^\s:\[{]+:)?(?:\d+[:-])?(?=\S)")
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]*)*")  # mail/forum quoting ("> > ") and indentation
# A second record glued onto a line (a lost newline): a printk stamp (always 6 decimals) or a dmesg -T stamp.
_GLUED = re.compile(
    r"(?:<\d>)?\[\s*\d+\.\d{6}\]|\[[^\W\d]\S{0,11} [^\W\d]\S{0,11} +\d{1,2} \d\d:\d\d:\d\d(?: \d{4})?\]"
)


def split_line(raw: str, line_number: int = 0) -> KernelLine | None:
    """One kernel message from one raw line, or None for lines that carry none (other programs, kmsg
    continuations, blank lines)."""
    line = raw.rstrip("\r\n")
    if not line or line.isspace():
        return None
    if line[0] in " \t>" and not _KMSG_CONT.match(line):
        return _split_quoted(line, line_number)
    parsed = _split(line, line_number)
    if parsed is not None and (parsed.monotonic_seconds is not None or parsed.wall_time is not None):
        return parsed
    grep = _GREP.match(line)
    if grep and grep.end() > 0:
        again = _split(line[grep.end() :], line_number)
        if again is not None and (again.monotonic_seconds is not None or again.wall_time is not None):
            return again
    return parsed


def _split_quoted(line: str, line_number: int) -> KernelLine | None:
    """A line indented or quoted (``> ``) by mail or a forum; indented without a stamp, it continues a record."""
    indented = line[0] != ">"
    line = line[_QUOTE.match(line).end() :]  # type: ignore[union-attr]  # matches any string
    if not line or line.isspace():
        return None
    parsed = split_line(line, line_number)
    if indented and parsed is not None and parsed.monotonic_seconds is None and parsed.wall_time is None:
        return ContinuedLine(parsed.message, None, None, line_number)
    return parsed


def _split(line: str, number: int) -> KernelLine | None:
    first = line[0]
    if first == " " and _KMSG_CONT.match(line):
        return None
    if first == "{":
        return _from_json(line, number)
    mono: float | None = None
    wall: str | None = None
    # Dispatch on the first character: most lines then cost one or two regex matches.
    if first == "[":
        if m := _MONO.match(line):
            mono, line = float(m[1]), m[2]
            if hk := _HOST_KERNEL.match(line):  # journalctl -o short-monotonic
                line = hk[1]
        elif m := _CTIME.match(line):
            wall, line = m[1], m[2]
        elif m := CTIME_ANY.match(line):  # dmesg -T in another locale, or without the year
            wall, line = normalise_ctime(m[2], m[3], m[4], m[5]), m[6]
    elif is_digits(first):
        if m := _KMSG.match(line):
            return _finish(decode_kernel_escapes(m[4]), int(m[3]) / 1e6, None, number)
        if m := _SYSLOG_ISO.match(line):
            if m[3] != "kernel":
                return None
            wall, line = m[1], m[4]
            if "#" in line:  # rsyslog escapes control characters as #ooo
                line = decode_rsyslog_escapes(line)
        elif m := _DMESG_ISO.match(line):
            wall, line = m[1], m[2]
    elif first == "<":
        if m := _RFC5424.match(line) or _SYSLOG_BSD.match(line) or _SYSLOG_ISO.match(line):
            if m[3] != "kernel":
                return None
            wall, line = m[1], m[4]
            if "#" in line:  # rsyslog escapes control characters as #ooo
                line = decode_rsyslog_escapes(line)
        elif m := _MONO.match(line) or _CTIME.match(line):
            if m.re is _MONO:
                mono = float(m[1])
            else:
                wall = m[1]
            line = m[2]
    elif first.isalpha():
        if m := _FACILITY.match(line):
            return _split(m[1], number)
        if m := _SYSLOG_BSD.match(line) or _SYSLOG_FULL.match(line):
            if m[3] != "kernel":
                return None
            wall, line = m[1], m[4]
            if "#" in line:  # rsyslog escapes control characters as #ooo
                line = decode_rsyslog_escapes(line)
    if mono is None and (m := _MONO.match(line)):  # syslog lines keep the printk stamp inside the message
        mono, line = float(m[1]), m[2]
    # dmesg prints what /dev/kmsg escaped (\x0a for a newline in a process name); undo it as for kmsg.
    return _finish(decode_kernel_escapes(line) if "\\x" in line else line, mono, wall, number)


def _finish(message: str, mono: float | None, wall: str | None, number: int) -> KernelLine | None:
    if message.startswith("["):  # printk caller id ([ T1234]) after the stamp
        message = _CALLER.sub("", message, count=1)
    message = message.rstrip()
    if not message:
        return None
    if mono is not None and not 0 <= mono <= MAX_UPTIME_SECONDS:
        return None  # a stamp no kernel printed (negative, NaN, or centuries of uptime)
    return KernelLine(message, mono, wall, number)


# The kernel prints integers of at most 20 digits (u64): a longer run of digits is not a kernel line, and a
# report built from it would show absurd sizes and pids. The OOM parser drops such lines like any foreign line
# (oomparse: only the lines that may belong to a report pay for the scan).
ABSURD_NUMBER = re.compile(r"\d{21,}")
MAX_UPTIME_SECONDS = 1e10  # about 317 years


def _from_json(line: str, number: int) -> KernelLine | None:
    import json  # noqa: PLC0415  (a journal in JSON only: a dict look-up once imported)

    try:
        record = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        return _finish(line, None, None, number)
    if not isinstance(record, dict):
        return None
    transport = record.get("_TRANSPORT")
    if transport not in (None, "kernel") and record.get("SYSLOG_IDENTIFIER") != "kernel":
        return None
    message = record.get("MESSAGE")
    if isinstance(message, list):  # journald stores non-UTF-8 messages as byte arrays
        try:
            message = bytes(int(b) & 0xFF for b in message).decode("utf-8", errors="surrogateescape")
        except (TypeError, ValueError):
            return None
    if not isinstance(message, str):
        return None
    mono = _micro(record.get("_SOURCE_MONOTONIC_TIMESTAMP") or record.get("__MONOTONIC_TIMESTAMP"))
    real = _micro(record.get("_SOURCE_REALTIME_TIMESTAMP") or record.get("__REALTIME_TIMESTAMP"))
    wall = None
    if real is not None:
        try:
            wall = dt.datetime.fromtimestamp(real, dt.UTC).isoformat(timespec="microseconds")
        except (OverflowError, ValueError, OSError):
            wall = None
    # One journal entry is one kernel record: a newline in it comes from a process name and stays part of it.
    return _finish(message.rstrip("\n"), mono, wall, number)


def _micro(value: object) -> float | None:
    try:
        return int(str(value)) / 1e6 if value is not None else None
    except ValueError:
        return None


def iter_raw_lines(
    stream: BinaryIO,
    max_line_bytes: int = MAX_LINE_BYTES,
    *,
    limit: int = KERNEL_LOG_LIMIT,
    name: str = "input",
) -> Iterator[str]:
    """Decoded lines of a binary stream; a longer line is cut at ``max_line_bytes`` and its rest dropped.
    InputTooLarge once more than ``limit`` bytes were read (/dev/zero, an endless pipe, a gzip bomb)."""
    consumed = 0
    while True:
        chunk = stream.readline(max_line_bytes)
        if not chunk:
            return
        consumed += len(chunk)
        if not chunk.endswith(b"\n") and len(chunk) >= max_line_bytes:
            while consumed <= limit:  # discard the remainder of an over-long line
                rest = stream.readline(max_line_bytes)
                consumed += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
        if consumed > limit:
            raise too_large(name, limit, "a kernel log")
        yield chunk.decode("utf-8", errors="surrogateescape")


def kernel_lines(raw_lines: Iterable[str]) -> Iterator[KernelLine]:
    split = split_line
    for number, raw in enumerate(raw_lines, start=1):
        parsed = split(raw, number)
        if parsed is None:
            continue
        if "[" in parsed.message:
            yield from _unglue(parsed)
        else:
            yield parsed


def _unglue(line: KernelLine) -> Iterator[KernelLine]:
    """Two kernel records on one line (a lost newline): cut before each further printk or dmesg -T stamp."""
    rest = line
    while (m := _GLUED.search(rest.message, 1)) is not None:
        head = rest.message[: m.start()].rstrip()
        tail = split_line(rest.message[m.start() :], rest.line_number)
        if tail is None or (tail.monotonic_seconds is None and tail.wall_time is None):
            break
        if head:
            yield KernelLine(head, rest.monotonic_seconds, rest.wall_time, rest.line_number)
        wall = tail.wall_time if tail.wall_time is not None else rest.wall_time
        rest = KernelLine(tail.message, tail.monotonic_seconds, wall, rest.line_number)
    yield rest
