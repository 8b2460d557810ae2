"""Appending to a day's data file.

Every entry becomes one frame written with a single ``write()`` on an ``O_APPEND`` descriptor, under an
exclusive ``flock`` so that a ``hostward record --comment`` run beside the daemon never interleaves with it. A
file is created complete with its header (written to a temporary file, then ``link()``-ed into place, which
fails instead of replacing when another writer won the race), so no reader ever sees a header-less file.

What a crash can leave behind is an incomplete last frame; opening the file for appending cuts such a tail
off (losing only the sample that was being written), exactly as the reader ignores it. A file that cannot be
appended to (damaged in the middle, or written by a hostward with different collectors) is moved aside, never
deleted: see reader.py for the names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from hostward.collect.host import HostInfo
from hostward.collect.sample import SystemSample
from hostward.errors import StoreError
from hostward.safefs import create_temp, create_unnamed, link_unnamed, make_dirs, open_append
from hostward.store import framing as fr
from hostward.store.codec import (
    F_KEY,
    KEYFRAME_EVERY,
    FileHeader,
    SampleEncoder,
    current_schema,
    encode_header,
    encode_restart,
    encode_stamp_text,
)
from hostward.store.model import CommentMark, RestartMark
from hostward.store.procs_codec import ProcsEncoder
from hostward.store.reader import scan

log = logging.getLogger(__name__)

MAX_COMMENT_BYTES = 4096  # sadc keeps 64; ours is a full frame, but a comment is a note, not a log


def store_error(exc: OSError, doing: str, path: Path) -> StoreError:
    """The one place an OSError of the store becomes a StoreError; the OSError stays as ``__cause__`` so the
    recorder can tell a full disk (ENOSPC, EDQUOT) from other trouble."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason += " (the file system is full)"
    error = StoreError(f"cannot {doing} {path}: {reason}")
    error.__cause__ = exc
    return error


def is_disk_full(error: BaseException) -> bool:
    cause = error.__cause__
    return isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT)


class DataFileWriter:
    """Appends entries to one day's data file. Use ``DataFileWriter.open``; close it (or use ``with``)."""

    def __init__(self, path: Path, fd: int, header: FileHeader, encoder: SampleEncoder) -> None:
        self.path = path
        self.header = header
        self._fd = fd
        self._encoder = encoder
        self._procs = ProcsEncoder()
        self._procs_reset = True

    @property
    def day(self) -> dt.date:
        return self.header.day

    @classmethod
    def open(
        cls,
        path: Path,
        day: dt.date,
        host: HostInfo,
        *,
        clock: Callable[[], float] = time.time,
        keyframe_every: int = KEYFRAME_EVERY,
    ) -> DataFileWriter:
        """Open ``path`` for appending, creating it (with its header) if needed.

        An existing file must be a hostward data file for ``day`` with our field schema; otherwise it is moved
        aside (``.N`` when readable, ``.damaged-N`` when not) and a new file is started.
        """
        schema = current_schema()
        for _attempt in range(3):
            if not path.exists():
                _create(path, FileHeader(day, clock(), host, schema))
            try:
                fd = open_append(path, create=False)  # no symlink, no second hard link
            except FileNotFoundError:
                continue  # moved away by housekeeping or an operator in between: create it again
            except OSError as exc:
                raise store_error(exc, "open", path) from exc
            try:
                found = _check_and_repair(fd, path, day, schema)
            except BaseException:
                os.close(fd)
                raise
            if found is not None:
                return cls(path, fd, found, SampleEncoder(keyframe_every))
            os.close(fd)  # moved aside; loop creates a fresh file
        raise StoreError(f"cannot open {path}: it keeps disappearing or being replaced")

    # -- entries -------------------------------------------------------------------------------------------------
    def write_sample(self, sample: SystemSample, *, carried: bool = False) -> None:
        """Append a sample. ``carried``: the previous day's last sample copied to the top of a new day's file."""
        try:
            shape, payload = self._encoder.encode(sample, carried=carried)
        except (ValueError, TypeError, OverflowError) as exc:
            raise StoreError(f"cannot encode a sample for {self.path}: {exc}") from exc
        data = fr.frame(fr.T_SAMPLE, payload)
        if shape is not None:
            data = fr.frame(fr.T_SHAPE, shape) + data
        if payload[0] & F_KEY:
            self._procs_reset = True  # process details restart with every keyframe, like the sample chain
        if sample.top_processes:
            data += fr.frame(fr.T_PROCS, self._procs.encode(sample.top_processes, reset=self._procs_reset))
            self._procs_reset = False
        self._append(data)

    def write_restart(self, mark: RestartMark) -> None:
        self._append(fr.frame(fr.T_RESTART, encode_restart(mark.timestamp, mark.uptime_seconds, mark.host)))

    def write_comment(self, mark: CommentMark) -> None:
        payload = encode_stamp_text(mark.timestamp, mark.text)
        if len(payload) > MAX_COMMENT_BYTES:
            raise StoreError(
                f"comment too long ({len(mark.text)} characters; at most about {MAX_COMMENT_BYTES} bytes)"
            )
        self._append(fr.frame(fr.T_COMMENT, payload))

    def _append(self, data: bytes) -> None:
        fd = self._fd
        if fd < 0:
            raise StoreError(f"{self.path} is closed")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                size = os.fstat(fd).st_size
                try:
                    written = os.write(fd, data)
                except OSError:
                    _truncate_quietly(fd, size)
                    raise
                if written != len(data):
                    # A short write is how a full disk usually shows itself: undo it, then report ENOSPC.
                    _truncate_quietly(fd, size)
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError as exc:
            # The next sample must not be a delta against one the file does not hold.
            self._encoder.reset()
            self._procs_reset = True
            raise store_error(exc, "write to", self.path) from exc

    # -- life cycle ------------------------------------------------------------------------------------------------
    def sync(self) -> None:
        """Flush to stable storage (sadc does this when it closes a day's file)."""
        if self._fd >= 0:
            try:
                os.fdatasync(self._fd)
            except OSError as exc:
                raise store_error(exc, "sync", self.path) from exc

    def close(self, *, sync: bool = False) -> None:
        if self._fd < 0:
            return
        try:
            if sync:
                self.sync()
        finally:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> DataFileWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _truncate_quietly(fd: int, size: int) -> None:
    try:
        os.ftruncate(fd, size)
    except OSError:
        log.warning("could not cut back a partial write; it will be dropped when the file is reopened")


def _create(path: Path, header: FileHeader) -> None:
    """Create ``path`` holding just its prefix and header frame, atomically; losing a race is fine."""
    data = fr.prefix_bytes() + fr.frame(fr.T_HEADER, encode_header(header))
    tmp: Path | None = None
    try:
        make_dirs(path.parent)
        # O_TMPFILE: no name (nothing to plant, no second link a concurrent opener would refuse) until complete;
        # else an unpredictable name, O_EXCL. Both 0640.
        fd = create_unnamed(path.parent)
        if fd is None:
            fd, tmp = create_temp(path.parent, path.name)
        try:
            if os.write(fd, data) != len(data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            with contextlib.suppress(FileExistsError):  # another writer created it first: use theirs
                if tmp is None:
                    link_unnamed(fd, path)
                else:
                    os.link(tmp, path)
        finally:
            os.close(fd)
    except OSError as exc:
        raise store_error(exc, "create", path) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _check_and_repair(
    fd: int, path: Path, day: dt.date, schema: dict[str, tuple[str, ...]]
) -> FileHeader | None:
    """Validate an existing file under the lock; cut an interrupted tail. None when the file was moved aside."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            if os.fstat(fd).st_ino != os.stat(path).st_ino:
                return None  # replaced while we opened it; start over
            try:
                result = scan(data, str(path))
            except StoreError as exc:
                _move_aside(path, "damaged-", str(exc))
                return None
            if result.header.schema != schema or result.header.day != day:
                why = "different collectors" if result.header.schema != schema else f"day {result.header.day}"
                _move_aside(path, "", f"written with {why}")
                return None
            if result.truncated:
                log.warning("%s: dropping %s", path, result.truncated)
                os.ftruncate(fd, result.valid_size)
            return result.header
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError as exc:
        raise store_error(exc, "check", path) from exc


def _move_aside(path: Path, kind: str, why: str) -> None:
    """Rename ``path`` to the first free ``<name>.<kind>N``; the data is kept, never deleted."""
    n = 1
    while True:
        target = path.with_name(f"{path.name}.{kind}{n}")
        if not target.exists() and not target.with_name(target.name + ".xz").exists():
            break
        n += 1
    os.rename(path, target)
    log.error("%s cannot be appended to (%s); moved it to %s and started a new file", path, why, target.name)
