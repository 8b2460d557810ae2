"""``sar -o FILE``: record every sample of a live report into a hostward data file, as sar has sadc write an sa
file while it reports (sar.c: sadc -S XALL ... FILE). ``hostward sar -f FILE`` reads it back.

The file is created 0640 under an unpredictable temporary name and linked into place (store.writer), and
appended to with O_NOFOLLOW; before that, an existing FILE must be a hostward data file of the same day and
collectors, else it is refused: a report never renames, truncates or overwrites someone's file.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from hostward.bounded import DATA_FILE_LIMIT, read_at_most
from hostward.collect.host import HostInfo
from hostward.collect.sample import SystemSample
from hostward.errors import StoreError, UnsafePath, UsageError
from hostward.store.framing import MAGIC

if TYPE_CHECKING:
    from hostward.store.writer import DataFileWriter


def _refuse_foreign(path: Path, day: dt.date) -> None:
    """One line when ``path`` exists but may not be appended to."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise UsageError(f"-o {path}: the directory {path.parent} does not exist") from None
        return
    except OSError as exc:
        raise StoreError(f"-o {path}: {exc.strerror}") from exc
    if stat.S_ISLNK(st.st_mode):
        raise UnsafePath(f"-o {path}: is a symbolic link; give the real file's name")
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"-o {path}: not a regular file")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            head = os.read(fd, len(MAGIC))
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreError(f"-o {path}: {exc.strerror}") from exc
    if head != MAGIC:
        raise UsageError(
            f"-o {path}: exists and is not a hostward data file; it is left as it is (give a new file name)"
        )
    # Only when appending to an existing file: the reader and the schema.
    from hostward.store.codec import current_schema  # noqa: PLC0415
    from hostward.store.reader import scan  # noqa: PLC0415

    try:
        data = read_at_most(path, DATA_FILE_LIMIT, "a hostward data file")
    except OSError as exc:
        raise StoreError(f"-o {path}: {exc.strerror}") from exc
    header = scan(data, str(path), salvage=True, processes=False, parts=frozenset()).header
    if header.day != day:
        raise UsageError(
            f"-o {path}: holds {header.day.isoformat()}; a data file holds one day (give a new name)"
        )
    if header.schema != current_schema():
        raise UsageError(
            f"-o {path}: written by another hostward version's collectors (give a new file name)"
        )


class SampleOutput:
    """The data file ``sar -o`` writes: opened at the first sample, one entry per sample, closed with a sync."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: DataFileWriter | None = None

    def write(self, sample: SystemSample, host: HostInfo) -> None:
        from hostward.store.writer import DataFileWriter  # noqa: PLC0415  (the writer: only for -o)

        if self._writer is None:
            day = dt.date.fromtimestamp(sample.timestamp)
            _refuse_foreign(self.path, day)
            self._writer = DataFileWriter.open(self.path, day, host)
        self._writer.write_sample(sample)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close(sync=True)
        self._writer = None
