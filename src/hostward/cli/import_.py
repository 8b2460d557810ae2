"""``hostward import``: bring sysstat history (sa files, sar text, sadf -d CSV) into hostward's store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import lzma
import math
import sys
from collections.abc import Iterator
from pathlib import Path

from hostward.cli.sar_args import SarArgs
from hostward.config import load_config
from hostward.errors import StoreError, UsageError
from hostward.report.formatting import ReportFormat
from hostward.report.imported import render_imported
from hostward.report.selection import ReportOptions
from hostward.store.sysstat import import_files, read_imported
from hostward.store.sysstat.imported import ImportedDay
from hostward.store.sysstat.sa_format import looks_like_sa
from hostward.store.sysstat.sadf_csv import looks_like_sadf
from hostward.validate import quote

HELP = """\
usage: hostward import [--data-dir DIR] [--day-first | --month-first] FILE...

Import sysstat history so that 'hostward sar' and 'hostward plot' report it:

  sa files (saDD, saYYYYMMDD, .xz)   binary data of sysstat 12.x read natively (older formats converted
                                     with sysstat's 'sadf -c'); stored as ordinary samples, so every
                                     report is computed exactly as sar computes it
  sar text ('sar -A > file')         any locale: 24 h or AM/PM clock, MM/DD/YY or 4-digit years,
                                     decimal commas, translated "Average:", S_TIME_FORMAT=ISO
  sadf -d CSV ('sadf -d saDD -- -A') UTC, local (-t) or epoch (-U) timestamps

Text reports carry computed values, not counters: they are kept as rows in DIR/imported/ and shown by
'hostward sar' and 'hostward plot'
when a day has no recorded samples. Reports and columns hostward does not define are kept and
listed. Every file is parsed before anything is stored; re-importing a file adds nothing.

options:
  --data-dir DIR    data directory (default: [record] data_dir)
  --day-first       banner dates like 05/11/2026 are day/month (default: guess from the language)
  --month-first     ... month/day (sar in C and en_US)

Each file's line says what was stored; "kept:" lines name what is stored without a hostward report yet,
"dropped:" lines what was not stored, with why.

exit status: 0 on success, 1 on an unreadable or malformed file (nothing stored), 2 on bad usage.

examples:
  hostward import /var/log/sysstat/sa*            a month of sysstat history, binary sa files
  hostward import --data-dir /srv/hw old-sar-A.txt   'sar -A' text kept in another data directory
  sadf -d /var/log/sysstat/sa26 -- -A > sa26.csv && hostward import sa26.csv
  hostward sar -A --date 2026-11-26               then report an imported day as sar would
"""


def run(argv: list[str]) -> int:
    files: list[Path] = []
    data_dir: Path | None = None
    day_first: bool | None = None
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in ("-h", "--help"):
            sys.stdout.write(HELP)
            return 0
        if word == "--data-dir" or word.startswith("--data-dir="):
            if "=" in word:
                data_dir = Path(word.split("=", 1)[1])
            elif i + 1 < len(argv):
                data_dir = Path(argv[i + 1])
                i += 1
            else:
                raise UsageError("option --data-dir needs a value")
        elif word == "--day-first":
            day_first = True
        elif word == "--month-first":
            day_first = False
        elif word.startswith("-") and word != "-":
            raise UsageError(f"unknown option {quote(word)} (try --help)")
        else:
            files.append(Path(word))
        i += 1
    if not files:
        raise UsageError("no file to import (try --help)")
    target = data_dir or load_config().record.data_dir
    imported = import_files(files, target, day_first=day_first)
    for done in imported:
        days = ", ".join(d.isoformat() for d in done.days) or "no day"
        sys.stdout.write(
            f"{done.path}: {done.kind} ({done.detail}): {done.added} new, {done.already} already stored; {days}\n"
        )
        for note in done.skipped:
            sys.stdout.write(f"  {note}\n")
    damaged = [done for done in imported if done.damage]
    if damaged:
        # sar prints the records before the damage, then why it stopped: the import keeps the same records
        raise StoreError(f"{damaged[0].damage} (the samples before it were imported)")
    return 0


def imported_report(args: SarArgs, fmt: ReportFormat, rows: int) -> Iterator[str] | None:
    """What ``hostward sar`` prints for text-imported history when the range has no recorded samples (the
    hook cli/sar.py calls when load_data raises StoreError); None when nothing was imported there either."""
    if args.file is not None:
        kind = _sysstat_kind(args.file)
        if kind is not None:
            # `sar -f saDD` habit: say what to do instead of only "not a hostward data file".
            raise StoreError(
                f"{args.file}: {kind}, not a hostward data file: import it with 'hostward import "
                f"{args.file}' (then 'hostward sar --date DAY'), or draw it with 'hostward plot -f {args.file}'"
            )
        return None
    day = imported_day(args)
    if day is None:
        return None
    return render_imported(day, imported_options(args, day, rows), fmt)


def imported_day(args: SarArgs) -> ImportedDay | None:
    """The imported rows of the day or range the options name (--date, --since/--until), or None."""
    data_dir = Path(args.data_dir or load_config().record.data_dir)
    first = args.since.date() if args.since else args.date or dt.date.today()
    last = args.until.date() if args.until else first
    day = read_imported(data_dir, first, last)
    if day is not None and (args.since is not None or args.until is not None):
        lo = args.since.timestamp() if args.since else -math.inf
        hi = args.until.timestamp() if args.until else math.inf
        day = dataclasses.replace(day, rows=tuple(r for r in day.rows if lo <= r.timestamp <= hi))
    return day if day is not None and day.rows else None


def imported_options(args: SarArgs, day: ImportedDay, rows: int) -> ReportOptions:
    interval = args.report_interval()  # its usage error before any other
    return ReportOptions(
        reports=args.selection(max(day.host.cpu_count, 1)),
        pretty=args.pretty,
        comments=args.comments,
        start=args.start,
        end=args.end,
        interval=interval,
        rows=rows,
    )


def _sysstat_kind(path: Path) -> str | None:
    """What sysstat file ``path`` looks like, from its first bytes; None when it is none of them."""
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
        if head.startswith(b"\xfd7zXZ\x00"):  # saDD.xz (sysstat's COMPRESSAFTER), or a hostward hwDATE.xz
            head = lzma.LZMADecompressor().decompress(head, max_length=4096)
    except (OSError, lzma.LZMAError):
        return None
    if looks_like_sa(head):
        return "a sysstat sa file"
    text = head.decode("utf-8", errors="replace")
    if looks_like_sadf(text):
        return "sysstat 'sadf -d' output"
    if text.startswith("Linux ") and "CPU)" in text.split("\n", 1)[0]:
        return "sysstat 'sar' text"
    return None
