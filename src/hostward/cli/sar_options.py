"""sar's options that choose which items and which day a report shows, and how many decimals it prints
(sar.c main, sa_common.c parse_sa_devices / set_default_file / check_alt_sa_dir): ``--dev=``, ``--iface=``,
``--dec=``, ``-N`` (the day N days ago) and ``-f`` with no file or with a directory. Kept apart from
sar_args.py, which parses the activity letters."""

from __future__ import annotations

import re
from pathlib import Path

from hostward.collect import persistent
from hostward.collect.persistent import persistent_dir, persistent_names
from hostward.collect.sample import SystemSample
from hostward.digits import is_digits
from hostward.errors import CollectError, UsageError
from hostward.frozen import replace
from hostward.store.model import DayData, Entry
from hostward.validate import quote

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    import datetime as dt
    from typing import Protocol

    class _DayChoice(Protocol):
        file: Path | None
        data_dir: Path | None
        date: dt.date | None
        since: dt.datetime | None
        until: dt.datetime | None
        days_ago: int | None


# sysstat's name limits (rd_stats.h): a name of this many bytes or more is left out of the list, silently, as
# add_list_item does; a list left empty that way filters nothing.
MAX_DEV_LEN = 128
MAX_IFACE_LEN = 16
MAX_FS_LEN = 128
ITEM_LISTS = {"--dev": MAX_DEV_LEN, "--iface": MAX_IFACE_LEN, "--fs": MAX_FS_LEN}

# sar.c: "-" followed by one or two digits (strlen < 4) is a day offset, read from the default data file.
_DAYS_AGO = re.compile(r"-[0-9]{1,2}")


def item_list(option: str, value: str) -> frozenset[str] | None:
    """``--dev=vda,sdb`` / ``--iface=lo,eth0`` / ``--fs=/dev/vda``: the names to show; None when the list names nothing."""
    limit = ITEM_LISTS[option]
    names = frozenset(n for n in value.split(",") if n and len(n.encode("utf-8", "surrogateescape")) < limit)
    return names or None


def decimal_places(value: str) -> int:
    """``--dec={0|1|2}``: decimal places of the values sar prints with decimals."""
    if value not in ("0", "1", "2"):
        raise UsageError(f"--dec: invalid value {quote(value)} (expected 0, 1 or 2)")
    return int(value)


def days_ago(word: str) -> int | None:
    """``-1`` ... ``-99``: how many days back; None when the word is not a day offset."""
    return int(word[1:]) if _DAYS_AGO.fullmatch(word) else None


def takes_file_name(following: str | None) -> bool:
    """sar's ``-f [FILE]``: the next word is the file unless it is missing, an option or a number (interval)."""
    return following is not None and not following.startswith("-") and not is_digits(following)


def day_of(days_back: int, today: dt.date | None = None) -> dt.date:
    """The calendar day ``days_back`` days before today (sa_common.c get_time with d_off)."""
    import datetime as dt  # noqa: PLC0415  (-N only: live reports start without datetime)

    return (today or dt.date.today()) - dt.timedelta(days=days_back)


def resolve_day(args: _DayChoice, today: dt.date | None = None) -> None:
    """Turn ``-f DIR`` and ``-N`` into the data directory and day they stand for (in place; idempotent).

    sysstat 12.6: ``-f DIR`` reads today's file in DIR (check_alt_sa_dir), ``-N`` the default file of N days
    ago (set_default_file); hostward's day files are DIR/hwYYYYMMDD[.xz], so both become a day and a directory.
    """
    if args.file is not None and args.file.is_dir():
        if args.data_dir is not None and args.data_dir != args.file:
            raise UsageError(f"-f {args.file} is a directory: give the directory once (-f DIR or --data-dir)")
        if args.date or args.since or args.until:
            raise UsageError("-f DIR reads today's file there: for another day use --data-dir DIR --date DAY")
        args.data_dir, args.file = args.file, None
        args.date = day_of(0, today)
    if args.days_ago is not None:
        if args.date or args.since or args.until:
            raise UsageError(f"-{args.days_ago} names the day already: leave out --date, --since and --until")
        args.date = day_of(args.days_ago, today)
        args.days_ago = None


def check_persistent_type(value: str) -> str:
    """``-j {SID|ID|LABEL|PATH|UUID|...}``: the type as sar keeps it ("SID", or any other word in lower case)."""
    if value == "SID":
        return value
    if not value or len(value) >= _PERSISTENT_TYPE_MAX or "/" in value or value.startswith("."):
        raise UsageError(
            f"-j: invalid type {quote(value)} (expected SID, ID, LABEL, PATH, UUID, PARTUUID...)"
        )
    return value.lower()


_PERSISTENT_TYPE_MAX = 31  # sa_common.c: persistent_name_type[32], one byte for the end of the string


def disk_names(kind: str, root: Path | None = None) -> dict[str, str]:
    """-j KIND: kernel name -> persistent name from /dev/disk/by-KIND; CollectError when the host has no such
    directory (sar then stops with "Invalid type of persistent device name")."""
    if kind == "SID":
        return {}  # WWN-based names: hostward does not record WWNs, so devices keep their names (as sar does
        # for a device without a WWN, which is every virtio disk)
    directory = persistent_dir(kind, root)
    if directory is None:
        where = (root or persistent.DEV_DISK) / f"by-{kind}"
        raise CollectError(
            f"-j {kind.upper()}: {where} does not exist on this host, so there are no such names "
            "(sar: Invalid type of persistent device name)"
        )
    return persistent_names(directory)


def rename_disks(sample: SystemSample, names: dict[str, str]) -> SystemSample:
    """``sample`` with its block devices under their persistent names (a device without one keeps its own)."""
    if not names or not any(d.name in names for d in sample.disks):
        return sample
    disks = tuple(replace(d, name=names.get(d.name, d.name)) for d in sample.disks)
    return replace(sample, disks=disks)


def renamed_data(data: DayData, names: dict[str, str]) -> DayData:
    """Every sample of ``data`` through :func:`rename_disks`."""
    if not names:
        return data

    def one(entry: Entry) -> Entry:
        return rename_disks(entry, names) if isinstance(entry, SystemSample) else entry

    previous = data.previous and rename_disks(data.previous, names)
    return replace(data, entries=tuple(one(e) for e in data.entries), previous=previous)
