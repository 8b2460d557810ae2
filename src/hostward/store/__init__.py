"""Daily data files of raw cumulative counters (sadc's job), and reading them back.

Public API (what reports, plots and the recorder use):

* ``read_file(path) -> DayData``, ``read_day(data_dir, day) -> DayData``,
  ``read_range(data_dir, since, until) -> DayData``, ``day_path(data_dir, day) -> Path``
* ``DataFileWriter.open(path, day, host)`` with ``write_sample``, ``write_restart``, ``write_comment``
* ``counter_delta(prev, cur, width)`` and ``interval_seconds(prev, cur)`` in ``hostward.store.delta``
* ``housekeep(data_dir, today, retention_days, compress_after_days)``
"""

from hostward.store.delta import counter_delta, interval_seconds, rate_per_second
from hostward.store.housekeeping import housekeep
from hostward.store.model import CommentMark, DayData, Entry, RestartMark
from hostward.store.reader import day_path, read_day, read_file, read_range
from hostward.store.writer import DataFileWriter

__all__ = [
    "CommentMark",
    "DataFileWriter",
    "DayData",
    "Entry",
    "RestartMark",
    "counter_delta",
    "day_path",
    "housekeep",
    "interval_seconds",
    "rate_per_second",
    "read_day",
    "read_file",
    "read_range",
]
