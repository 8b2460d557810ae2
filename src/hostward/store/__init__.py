"""Daily data files of raw cumulative counters (sadc's job), and reading them back.

Public API (what reports, plots and the recorder use):

* ``read_file(path) -> DayData``, ``read_day(data_dir, day) -> DayData``,
  ``read_range(data_dir, since, until) -> DayData``, ``day_path(data_dir, day) -> Path``
* ``DataFileWriter.open(path, day, host)`` with ``write_sample``, ``write_restart``, ``write_comment``
* ``housekeep(data_dir, today, retention_days, compress_after_days)``
"""

# Names resolve on first use (PEP 562), so importing one light submodule (a package's __init__ runs first)
# does not import every submodule: start-up of commands that need one part stays cheap.
from __future__ import annotations

from hostward.lazy import lazy_getattr

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from hostward.store.housekeeping import housekeep
    from hostward.store.model import CommentMark, DayData, Entry, RestartMark
    from hostward.store.paths import day_path
    from hostward.store.reader import read_day, read_file, read_range
    from hostward.store.writer import DataFileWriter

_LAZY = {
    "housekeep": "hostward.store.housekeeping",
    "CommentMark": "hostward.store.model",
    "DayData": "hostward.store.model",
    "Entry": "hostward.store.model",
    "RestartMark": "hostward.store.model",
    "day_path": "hostward.store.paths",
    "read_day": "hostward.store.reader",
    "read_file": "hostward.store.reader",
    "read_range": "hostward.store.reader",
    "DataFileWriter": "hostward.store.writer",
}

__all__ = [
    "CommentMark",
    "DataFileWriter",
    "DayData",
    "Entry",
    "RestartMark",
    "day_path",
    "housekeep",
    "read_day",
    "read_file",
    "read_range",
]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
