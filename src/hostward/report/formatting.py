"""Locale-dependent pieces of sar's text: time column, banner date, decimal separator, the "Average:" label.

sysstat calls setlocale() for LC_TIME, LC_NUMERIC and LC_MESSAGES (common.c init_nls). So the time column is
``strftime("%X")`` (24 h in C and de_DE, 12 h with AM/PM in en_US), the banner date ``strftime("%x")``, a
value is printed with the locale's decimal point, and "Average:" is translated. ``S_TIME_FORMAT=ISO`` switches
to ``%H:%M:%S`` and ``%Y-%m-%d`` (common.c is_iso_time_fmt, sa_common.c set_record_timestamp_string).

:class:`ReportFormat` holds these choices; the CLI builds it once with :func:`from_environment` (which sets the
process locale, something only the CLI may do) and the renderers stay pure.
"""

from __future__ import annotations

# The C module that the locale module wraps: setlocale() with a name, localeconv() and the categories are its
# own, and importing locale.py (~0.8 ms) was a part of every report's start-up (issue 17).
import _locale as locale
import os
import time
from collections.abc import Mapping

from hostward.frozen import frozen, replace
from hostward.safetext import safe_name
from hostward.store.sysstat.labels import AVERAGE_LABELS, SUMMARY_LABELS

_LOCALE_ERROR: type[Exception] = locale.Error  # type: ignore[attr-defined]  # (missing from typeshed's _locale)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from hostward.collect.host import HostInfo


@frozen
class Colors:
    """sysstat's S_COLORS escape sequences (common.c init_colors; defaults from common.h C_*).

    ``percent_high``/``percent_low``: a percentage at or above 75 / 50; ``zero``/``value``: a value that prints
    as zero / any other; ``item``: CPU, device and interface names; ``restart``/``comment``: LINUX RESTART and
    COM lines. Each is followed by ``normal``.
    """

    percent_high: str = "\x1b[31;1m"
    percent_low: str = "\x1b[35;1m"
    zero: str = "\x1b[34;22m"
    value: str = "\x1b[34;1m"
    item: str = "\x1b[32;22m"
    restart: str = "\x1b[31;22m"
    comment: str = "\x1b[33;22m"
    normal: str = "\x1b[0m"

    def for_value(self, value: float, places: int, percent: bool) -> str:
        """common.c cprintf_pc (percentages) and cprintf_f / cprintf_u64 (other values)."""
        if percent:
            if value >= 75.0:
                return self.percent_high
            if value >= 50.0:
                return self.percent_low
            if (places > 0 and value < (0.05 if places == 1 else 0.005)) or (places == 0 and value <= 0.5):
                return self.zero
            return self.value
        if places > 0:
            lim = 0.05 if places == 1 else 0.005
            return self.zero if -lim < value < lim else self.value
        return self.zero if -0.5 <= value <= 0.5 else self.value


# S_COLORS_SGR letters (common.c init_colors) and the Colors field each one sets.
_SGR_KEYS = {"H": "percent_high", "M": "percent_low", "Z": "zero", "N": "value", "I": "item", "C": "comment",
             "R": "restart"}  # fmt: skip


def colors_from_environment(environ: Mapping[str, str], tty: bool) -> Colors | None:
    """S_COLORS: "never" (no colours), "always", anything else or unset: colours when stdout is a terminal.
    S_COLORS_SGR ("H=31;1:Z=34;22:...") changes single colours; malformed entries are ignored, as sysstat does."""
    wanted = environ.get("S_COLORS")
    if wanted == "never" or (wanted != "always" and not tty):
        return None
    chosen: dict[str, str] = {}
    for entry in environ.get("S_COLORS_SGR", "").split(":"):
        if not 3 <= len(entry) <= 7 or entry[1] != "=" or entry[2:].strip(";0123456789"):
            continue
        if entry[0] in _SGR_KEYS:
            chosen[_SGR_KEYS[entry[0]]] = f"\x1b[{entry[2:]}m"
    return Colors(**chosen)


@frozen
class ReportFormat:
    """How times, dates and numbers are written. The default is sysstat under LANG=C."""

    time_fmt: str = "%H:%M:%S"
    date_fmt: str = "%m/%d/%y"
    decimal_point: str = "."
    average_label: str = "Average:"
    summary_label: str = "Summary:"  # sar -F's last block
    utc: bool = False  # sar prints local time; sadf prints UTC unless -t
    decimals: int | None = None  # --dec: places of every value printed with decimals (None: its own)
    colors: Colors | None = None  # S_COLORS: None prints no escape sequence
    human: bool = False  # sar -h / --human: sizes with unit letters, percentages with a "%" sign

    def places(self, decimals: int) -> int:
        """common.c cprintf_f/cprintf_pc: --dec replaces the places of values that have some; integers stay."""
        return decimals if decimals == 0 or self.decimals is None else self.decimals

    def clock(self, timestamp: float) -> str:
        """The time column of a row (sar's timestamp string)."""
        tm = time.gmtime(timestamp) if self.utc else time.localtime(timestamp)
        return time.strftime(self.time_fmt, tm)

    def date(self, timestamp: float) -> str:
        tm = time.gmtime(timestamp) if self.utc else time.localtime(timestamp)
        return time.strftime(self.date_fmt, tm)

    def number(self, value: float, decimals: int, width: int = 9) -> str:
        text = f"{value:z{width}.{decimals}f}"  # z: a tiny negative prints 0.00, never -0.00 (sysstat)
        return text.replace(".", self.decimal_point) if self.decimal_point != "." else text


C_FORMAT = ReportFormat()


def pad(text: str, width: int = 11) -> str:
    """``printf("%-11s")``: C pads by bytes, so a UTF-8 label ("Průměr:") gets fewer spaces than characters."""
    return text + " " * max(width - len(text.encode("utf-8")), 0)


def from_environment(environ: Mapping[str, str] | None = None) -> ReportFormat:
    """Set LC_TIME/LC_NUMERIC/LC_MESSAGES from the environment (as sar does) and describe the result.

    Only the CLI calls this: it changes the process locale. A locale that is not installed leaves C in place,
    as setlocale() failing does in sar.
    """
    env = os.environ if environ is None else environ
    for category in (locale.LC_TIME, locale.LC_NUMERIC):
        try:
            locale.setlocale(category, "")
        except _LOCALE_ERROR:
            locale.setlocale(category, "C")
    iso = env.get("S_TIME_FORMAT") == "ISO"
    decimal = str(locale.localeconv()["decimal_point"]) or "."
    return ReportFormat(
        time_fmt="%H:%M:%S" if iso else "%X",
        date_fmt="%Y-%m-%d" if iso else "%x",
        decimal_point=decimal,
        average_label=average_label(env),
        summary_label=average_label(env, SUMMARY_LABELS, "Summary:"),
    )


def average_label(
    environ: Mapping[str, str], labels: Mapping[str, str] = AVERAGE_LABELS, english: str = "Average:"
) -> str:
    """gettext's choice for sysstat's "Average:" (or another message, given its ``labels``): LANGUAGE, then
    LC_ALL, LC_MESSAGES, LANG; C means English.

    As with gettext, LANGUAGE is only honoured when the message locale itself is not C.
    """
    messages = environ.get("LC_ALL") or environ.get("LC_MESSAGES") or environ.get("LANG") or "C"
    if messages.split(".")[0] in ("C", "POSIX") or not _installed(messages):
        return english
    candidates = [c for c in environ.get("LANGUAGE", "").split(":") if c] + [messages]
    for candidate in candidates:
        name = candidate.split(".")[0].split("@")[0]
        for key in (name, name.split("_")[0]):
            if key in labels:
                return labels[key]
        if name.startswith("en"):
            return english
    return english


def _installed(name: str) -> bool:
    """True when setlocale() would accept the locale (else glibc stays in C and translates nothing)."""
    saved = locale.setlocale(locale.LC_MESSAGES)
    try:
        locale.setlocale(locale.LC_MESSAGES, name)
    except _LOCALE_ERROR:
        return False
    finally:
        locale.setlocale(locale.LC_MESSAGES, saved)
    return True


def shown_host(host: HostInfo) -> HostInfo:
    """The header's names as reports show them (sar's first line, sadf's host fields): an imported sa file's
    are whatever its writer put there, terminal escapes included."""
    return replace(
        host,
        sysname=safe_name(host.sysname),
        release=safe_name(host.release),
        nodename=safe_name(host.nodename),
        machine=safe_name(host.machine),
    )
