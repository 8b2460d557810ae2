"""What a data file holds: the entries the recorder appends and every report reads back."""

from __future__ import annotations

from hostward.collect.host import HostInfo
from hostward.collect.sample import SystemSample
from hostward.frozen import frozen


@frozen
class RestartMark:
    """The recorder started after a boot (sar prints "LINUX RESTART (N CPU)"); counters start from zero again,
    so no rate is computed across it."""

    timestamp: float
    uptime_seconds: float
    host: HostInfo


@frozen
class CommentMark:
    """A free-text comment (sadc -C; sar prints "COM text")."""

    timestamp: float
    text: str


Entry = SystemSample | RestartMark | CommentMark


@frozen
class DayData:
    """Everything recorded on one day (local time), in recording order."""

    host: HostInfo  # as of the file's first entry (banner of the report)
    entries: tuple[Entry, ...]
    # The sample recorded just before the first entry, when there is one: at midnight the recorder copies the
    # old day's last sample to the top of the new day's file (sadc does the same), and read_range puts here
    # the last sample before ``since``. Reports use it as the predecessor of the first sample in ``entries``,
    # so the first interval has a rate; it is never printed as a row. None after a restart.
    previous: SystemSample | None = None
    # Read with salvage=True: one line per damaged file whose entries after the damage could not be read
    # (what came before it is in ``entries``). Reports show what they have, then say so and exit non-zero.
    damage: tuple[str, ...] = ()
