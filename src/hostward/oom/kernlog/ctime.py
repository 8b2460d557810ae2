"""``dmesg -T`` stamps in any installed locale: ``[Fri Nov 27 17:00:00 2026]``, ``[Fr Mär  5 17:00:00 2026]``.

util-linux formats the stamp with strftime("%a %b %e %H:%M:%S %Y") in the reader's LC_TIME, so a log pasted from
a German or French host names its months ``Mär``/``Dez`` or ``févr.``/``déc.``. Rather than a hand-written table,
the month names come from the C library's locale data (``locale -k LC_TIME`` of every locale ``locale -a``
lists), read once, lazily, the first time a stamp does not use the English names. ``setlocale`` is avoided: it
changes the whole process, and the daemon has threads. A stamp whose month is unknown still loses its prefix; it
keeps its text as the wall time.
"""

from __future__ import annotations

import _thread
import os
import re

from hostward.digits import is_digits

ENGLISH_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_LOCALES = 200  # a host with every locale installed has ~500; the common ones sort first enough
_TIMEOUT_SECONDS = 5.0
_LOCK = _thread.allocate_lock()  # threading's Lock, without importing threading (start-up)
_CACHE: dict[str, dict[str, int]] = {}  # "table" -> the month table, once loaded
_FIELD = re.compile(r'^(abmon|mon|ab_alt_mon|alt_mon)="(.*)"$', re.M)


def _key(name: str) -> str:
    return name.strip().rstrip(".").casefold()


def _run(argv: list[str], env: dict[str, str]) -> str:
    import subprocess  # noqa: PLC0415  (only for a stamp in another language: not at start-up)

    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            timeout=_TIMEOUT_SECONDS,
            env=env,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""


def load_month_table(locale_cmd: str = "locale") -> dict[str, int]:
    """Month name (casefolded, trailing dot removed) -> 1..12 over every installed locale, English first."""
    table = {_key(name): number for number, name in enumerate(ENGLISH_MONTHS, start=1)}
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    names = [n for n in _run([locale_cmd, "-a"], base).split() if n not in ("C", "POSIX") and n.isprintable()]
    for name in names[:MAX_LOCALES]:
        text = _run([locale_cmd, "-k", "LC_TIME"], {**base, "LC_ALL": name})
        for _field, values in _FIELD.findall(text):
            for number, month in enumerate(values.split(";")[:12], start=1):
                if month and not is_digits(month):
                    table.setdefault(_key(month), number)
    return table


def month_number(name: str) -> int | None:
    key = _key(name)
    for number, english in enumerate(ENGLISH_MONTHS, start=1):
        if key == english.casefold():
            return number
    with _LOCK:
        if "table" not in _CACHE:
            _CACHE["table"] = load_month_table()
        return _CACHE["table"].get(key)


# "[%a %b %e %H:%M:%S %Y]": weekday and month are words of any script, %e is space-padded, the year optional
# (some builds and `--time-format ctime` variants leave it out).
CTIME_ANY = re.compile(
    r"^(?:<\d+>)?\[([^\W\d]\S{0,11}) ([^\W\d]\S{0,11}) +(\d{1,2}) (\d\d:\d\d:\d\d)(?: (\d{4}))?\]\s?(.*)$",
    re.S,
)


def normalise_ctime(month: str, day: str, clock: str, year: str | None) -> str:
    """The stamp in the C locale's form (``Nov 27 17:00:00 2026``); the original text when the month is unknown."""
    number = month_number(month)
    name = ENGLISH_MONTHS[number - 1] if number is not None else month
    text = f"{name} {int(day):2d} {clock}"
    return f"{text} {year}" if year else text
