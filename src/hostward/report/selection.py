"""What a report shows: the selected activities with their view and item filter, and the time window."""

from __future__ import annotations

from hostward.activities.base import Activity
from hostward.digits import is_digits
from hostward.frozen import frozen

# sysstat sizes the CPU bitmap for NR_CPUS = 8192 (common.h): BITMAP_SIZE(8192) = 1025 bytes. `-P ALL` sets every
# bit, and sar counts the set bits as the lines one record prints (sar.c handle_curr_act_stats), so with
# `-P ALL` (and -A) a file report repeats its header every ceil(86400 / 8200) = 11 records when not on a tty.
CPU_ALL_BITS = 1025 * 8

# Rows of a "screen" when stdout is not a terminal (common.c get_win_height).
NO_TTY_ROWS = 3600 * 24


@frozen
class Selected:
    """One report: an activity, its view ("" or "ALL") and which items it shows."""

    activity: Activity
    view: str = ""
    items: frozenset[str] | None = None  # None: every item; CPU: {"all"} by default, {"0"} for -P 0, ...
    header_weight: int | None = None  # lines a record counts for header repetition; None: its row count

    def wants(self, item: str | None) -> bool:
        return self.items is None or item is None or item in self.items


@frozen
class TimeOfDay:
    """A -s/-e bound: hh:mm:ss compared field by field with a record's local time (sa_common.c datecmp)."""

    hour: int
    minute: int
    second: int

    @classmethod
    def parse(cls, text: str) -> TimeOfDay | None:
        """ "HH:MM" or "HH:MM:SS" (sa_common.c parse_timestamp/decode_timestamp); None if malformed."""
        if len(text) == 5:
            text += ":00"
        parts = text.split(":")
        if len(text) != 8 or len(parts) != 3 or not all(is_digits(p) and len(p) == 2 for p in parts):
            return None
        hour, minute, second = (int(p) for p in parts)
        if hour > 23 or minute > 59 or second > 59:
            return None
        return cls(hour, minute, second)

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.hour, self.minute, self.second)


@frozen
class ReportOptions:
    """Everything about a report that is not an activity."""

    reports: tuple[Selected, ...]
    pretty: bool = False  # -p: item name last
    comments: bool = False  # -C: print comment records
    start: TimeOfDay | None = None  # -s
    end: TimeOfDay | None = None  # -e
    interval: int = 1  # -i / interval argument with -f: keep records close to multiples of it
    count: int = -1  # records per activity and restart segment; -1: all
    rows: int = NO_TTY_ROWS  # screen height - 2 on a terminal: headers repeat after that many lines

    def __post_init__(self) -> None:
        object.__setattr__(self, "reports", tuple(sorted(self.reports, key=lambda s: s.activity.order)))
