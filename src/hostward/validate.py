"""One set of value rules, shared by the configuration file, HOSTWARD_* variables and command-line flags.

A rule checks a value already of the right Python type (``Rule.check``) or parses command-line text
(``Rule.parse``), and refuses a bad one with ONE line that names the key or flag, the allowed range, and at most
:data:`QUOTE_LIMIT` characters of the offending value. ``describe()`` is the range as docs/security.md lists it.
The configuration raises :class:`ConfigError`, the command line :class:`UsageError` (both exit status 2).
``flag("--interval", SECONDS)`` is an argparse ``type=`` callable, so a bad flag never reaches the code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from hostward.errors import HostwardError, UsageError
from hostward.frozen import frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    import datetime as dt
    from typing import Any, Protocol

    class Rule(Protocol):
        def check(self, value: Any, name: str, error: type[HostwardError] = UsageError) -> Any: ...

        def parse(self, text: str, name: str, error: type[HostwardError] = UsageError) -> Any: ...

        def describe(self) -> str: ...


QUOTE_LIMIT = 120  # characters of an offending value or line quoted in a message

KIB, MIB, GIB, TIB = 1 << 10, 1 << 20, 1 << 30, 1 << 40
MAX_SIZE_BYTES = 1 << 60  # 1 EiB: far above any memory size, far below what an int64 file field can hold

# Dates the store can represent: day files are named hwYYYYMMDD and times are POSIX seconds, so the range is
# what both datetime and time_t-as-float agree on in every timezone (the edges are a day inside the limits).
# FIRST_DATE and LAST_DATE are made on first use (datetime is ~1.5 ms of start-up that live reports do without).
if TYPE_CHECKING:
    FIRST_DATE: dt.date
    LAST_DATE: dt.date


def _store_dates() -> tuple[dt.date, dt.date]:
    import datetime as dt  # noqa: PLC0415

    return dt.date(1970, 1, 2), dt.date(9999, 12, 30)


def __getattr__(name: str) -> object:  # PEP 562: validate.FIRST_DATE / LAST_DATE
    if name in ("FIRST_DATE", "LAST_DATE"):
        first, last = _store_dates()
        globals().update(FIRST_DATE=first, LAST_DATE=last)
        return first if name == "FIRST_DATE" else last
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """repr() of a value cut to ``limit`` characters, so a hostile line cannot flood a message or a log."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return text[: limit - 3] + "..."


def excerpt(line: str, limit: int = QUOTE_LIMIT) -> str:
    """A line of input as a message quotes it: printable, at most ``limit`` characters."""
    return quote(line.rstrip("\n"), limit)


def _fail(error: type[HostwardError], name: str, value: object, expected: str) -> HostwardError:
    return error(f"{name}: invalid value {quote(value)} (expected {expected})")


@frozen
class Number:
    """A finite int or float in [low, high] (``above_low``: low itself excluded)."""

    low: float
    high: float
    integer: bool = False
    above_low: bool = False
    unit: str = ""  # "seconds", "days", "%", "bytes" ... for the message

    def describe(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        unit = "" if not self.unit else (self.unit if self.unit == "%" else f" {self.unit}")
        low = f"above {_number(self.low)}" if self.above_low else f"from {_number(self.low)}"
        return f"{kind} {low} to {_number(self.high)}{unit}"

    def check(self, value: Any, name: str, error: type[HostwardError] = UsageError) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(error, name, value, self.describe())
        if self.integer and isinstance(value, float):
            if not value.is_integer():
                raise _fail(error, name, value, self.describe())
            value = int(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise _fail(error, name, value, self.describe())
        below = value <= self.low if self.above_low else value < self.low
        if below or value > self.high:
            raise _fail(error, name, value, self.describe())
        return value

    def parse(self, text: str, name: str, error: type[HostwardError] = UsageError) -> Any:
        stripped = text.strip()
        try:
            value: int | float = int(stripped, 10) if self.integer else float(stripped)
        except ValueError:
            # sys.set_int_max_str_digits refuses > 4300 digits with ValueError too: "not a number" is right.
            raise _fail(error, name, text, self.describe()) from None
        return _checked_text(self, value, text, name, error)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _checked_text(rule: Rule, value: Any, text: str, name: str, error: type[HostwardError]) -> Any:
    """rule.check(value), quoting the text as the user typed it when it fails."""
    try:
        return rule.check(value, name, error)
    except HostwardError:
        raise _fail(error, name, text, rule.describe()) from None


def parse_size(text: str, name: str = "size", error: type[HostwardError] = UsageError) -> int:
    """'512M', '1.5G', '4096', '200MiB' -> bytes (binary multiples, as free(1) and the cgroup files use)."""
    match = _SIZE.match(text) if len(text) <= 64 else None
    if not match:
        raise _fail(error, name, text, "a size such as 512M, 1G, 200MiB or 4096")
    number = float(match[1])
    factor = {"": 1, "k": KIB, "m": MIB, "g": GIB, "t": TIB}[match[2].lower()]
    size = number * factor
    if not size <= MAX_SIZE_BYTES:
        raise _fail(error, name, text, "a size up to 1 EiB")
    return int(size)


_SIZE = re.compile(r"^\s*(\d{1,30}(?:\.\d{1,30})?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)


@frozen
class Size:
    """A size with units (512M, 1G, 4096), from ``low`` bytes up to 1 EiB; "" allowed when ``optional``."""

    low: int = 0
    optional: bool = False

    def describe(self) -> str:
        text = "a size such as 512M, 1G, 200MiB or 4096" + (
            f", at least {self.low} bytes" if self.low else ""
        )
        return text + (' (or "" for none)' if self.optional else "")

    def check(self, value: Any, name: str, error: type[HostwardError] = UsageError) -> Any:
        if not isinstance(value, str):
            raise _fail(error, name, value, self.describe())
        self.parse(value, name, error)
        return value

    def parse(self, text: str, name: str, error: type[HostwardError] = UsageError) -> Any:
        if self.optional and text == "":
            return text
        size = parse_size(text, name, error)
        if size < self.low:
            raise _fail(error, name, text, self.describe())
        return text


@frozen
class Threshold:
    """A level as a percentage ("5%", 0-100) or an absolute size ("512M"); "" allowed when ``optional``."""

    optional: bool = True

    def describe(self) -> str:
        return 'a percentage 0-100% such as "5%", or a size such as "512M"' + (
            ' (or "" for the default)' if self.optional else ""
        )

    def check(self, value: Any, name: str, error: type[HostwardError] = UsageError) -> Any:
        if not isinstance(value, str):
            raise _fail(error, name, value, self.describe())
        return self.parse(value, name, error)

    def parse(self, text: str, name: str, error: type[HostwardError] = UsageError) -> Any:
        stripped = text.strip()
        if self.optional and stripped == "":
            return text
        if stripped.endswith("%"):
            try:
                PERCENT.parse(stripped[:-1][:64], name, error)
            except HostwardError:
                raise _fail(error, name, text, self.describe()) from None
            return text
        parse_size(stripped, name, error)
        return text


@frozen
class Text:
    """A string of at most ``limit`` characters without control characters; non-empty unless ``optional``."""

    limit: int = 4096
    optional: bool = True
    what: str = "text"

    def describe(self) -> str:
        empty = "" if self.optional else "non-empty "
        return f"{empty}{self.what} of at most {self.limit} characters, no control characters"

    def check(self, value: Any, name: str, error: type[HostwardError] = UsageError) -> Any:
        if not isinstance(value, str):
            raise _fail(error, name, value, self.describe())
        return self.parse(value, name, error)

    def parse(self, text: str, name: str, error: type[HostwardError] = UsageError) -> Any:
        bad = (not text and not self.optional) or len(text) > self.limit
        if bad or any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise _fail(error, name, text, self.describe())
        return text


@frozen
class PathValue:
    """A non-empty path without NUL or newline (a file or directory hostward reads or writes)."""

    def describe(self) -> str:
        return "a non-empty path"

    def check(self, value: Any, name: str, error: type[HostwardError] = UsageError) -> Any:
        from pathlib import Path  # noqa: PLC0415  (pathlib only where a path is checked: the commands
        # that never take a path, such as cache stats, start ~3 ms sooner)

        text = str(value) if isinstance(value, Path) else value
        if not isinstance(text, str):
            raise _fail(error, name, value, self.describe())
        return Path(self.parse(text, name, error))

    def parse(self, text: str, name: str, error: type[HostwardError] = UsageError) -> Any:
        if not text.strip() or "\0" in text or "\n" in text or len(text) > 4096:
            raise _fail(error, name, text, self.describe())
        from pathlib import Path  # noqa: PLC0415  (see check)

        try:
            return Path(text).expanduser()
        except RuntimeError:  # "~nosuchuser/...", or "~" with no home directory
            raise _fail(error, name, text, "a path whose ~user names an existing user") from None


@frozen
class DateValue:
    """A calendar date YYYY-MM-DD that the store can hold (1970-01-02 to 9999-12-30)."""

    def describe(self) -> str:
        first, last = _store_dates()
        return f"a date YYYY-MM-DD from {first} to {last}"

    def check(self, value: Any, name: str, error: type[HostwardError] = UsageError) -> Any:
        import datetime as dt  # noqa: PLC0415

        first, last = _store_dates()
        if not isinstance(value, dt.date) or not first <= _day(value) <= last:
            raise _fail(error, name, value, self.describe())
        return value

    def parse(self, text: str, name: str, error: type[HostwardError] = UsageError) -> Any:
        import datetime as dt  # noqa: PLC0415

        try:
            value = dt.date.fromisoformat(text.strip())
        except ValueError:
            raise _fail(error, name, text, self.describe()) from None
        return _checked_text(self, value, text, name, error)


@frozen
class DateTimeValue:
    """A local date and time YYYY-MM-DD[ HH:MM[:SS]] within the store's dates."""

    def describe(self) -> str:
        first, last = _store_dates()
        return f"a date/time YYYY-MM-DD[ HH:MM[:SS]] from {first} to {last}"

    def check(self, value: Any, name: str, error: type[HostwardError] = UsageError) -> Any:
        import datetime as dt  # noqa: PLC0415

        first, last = _store_dates()
        if not isinstance(value, dt.datetime) or not first <= value.date() <= last:
            raise _fail(error, name, value, self.describe())
        return value

    def parse(self, text: str, name: str, error: type[HostwardError] = UsageError) -> Any:
        import datetime as dt  # noqa: PLC0415

        try:
            value = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            raise _fail(error, name, text, self.describe()) from None
        return _checked_text(self, value, text, name, error)


def _day(value: dt.date) -> dt.date:
    import datetime as dt  # noqa: PLC0415

    return value.date() if isinstance(value, dt.datetime) else value


@frozen
class Choice:
    """One of a fixed set of words."""

    words: tuple[str, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(repr(w) for w in self.words)

    def check(self, value: Any, name: str, error: type[HostwardError] = UsageError) -> Any:
        if value not in self.words:
            raise _fail(error, name, value, self.describe())
        return value

    def parse(self, text: str, name: str, error: type[HostwardError] = UsageError) -> Any:
        return self.check(text, name, error)


@frozen
class Words:
    """A non-empty list of words from a fixed set (a TOML list, or comma-separated on a command line or in an
    environment variable); upper case, as sadc's -S keywords are written."""

    words: tuple[str, ...]

    def describe(self) -> str:
        return "a non-empty list of " + ", ".join(self.words)

    def check(self, value: Any, name: str, error: type[HostwardError] = UsageError) -> Any:
        items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
        if not items or any(not isinstance(w, str) or w not in self.words for w in items):
            raise _fail(error, name, ",".join(map(str, items)), self.describe())
        return tuple(dict.fromkeys(items))  # repeated words once, in the order given

    def parse(self, text: str, name: str, error: type[HostwardError] = UsageError) -> Any:
        return self.check(tuple(w.strip() for w in text.split(",") if w.strip()), name, error)


# The ranges used across hostward; config.RULES and the command-line flags pick from these.
PERCENT = Number(0, 100, unit="%")
SAMPLE_INTERVAL = Number(1, 86400, unit="seconds")  # the recorder: 1 s up to a day
DELAY = Number(0, 3600, unit="seconds")  # grace, sustain, spacing of requests
TIMEOUT = Number(0, 3600, above_low=True, unit="seconds")  # a wait that must end
DAYS = Number(0, 36500, integer=True, unit="days")  # retention, compression age (0: never)
COUNT = Number(1, 2**31 - 1, integer=True)  # "stop after N", "the last N", "N rows"
SMALL_COUNT = Number(0, 10000, integer=True)  # "keep N" (0: none)
PORT = Number(0, 65535, integer=True)
WHOLE_SECONDS = Number(1, 86400, integer=True, unit="seconds")  # sar's interval and -i
PID = Number(1, 4194304, integer=True)  # the kernel's PID_MAX_LIMIT on 64-bit
PROCESS_COUNT = Number(0, 4194304, integer=True)  # how many processes to keep (0: none)
NON_EMPTY_PATH = PathValue()
DATE = DateValue()
DATETIME = DateTimeValue()
SIZE = Size()
THRESHOLD = Threshold()


def flag(name: str, rule: Rule) -> Callable[[str], Any]:
    """An argparse ``type=`` callable: parses the text with ``rule``; a bad value is one UsageError line."""

    def convert(text: str) -> Any:
        return rule.parse(text, name, UsageError)

    convert.__name__ = name  # argparse names the type in its own messages
    return convert
