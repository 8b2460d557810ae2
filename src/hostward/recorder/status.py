"""The running recorder's write-error count, kept in its lock file for readers in other processes.

A recorder that cannot write (full disk, I/O error, an unwritable day file) keeps sampling and retries; the
exporter, which may run in another process (``hostward metrics serve`` beside the daemon), must still be able to
count those failures. A new file is no place for that — the disk that refused the day file refuses it too — so
the count lives in the lock file the recorder already holds open: written once at start with fixed-width fields,
then overwritten in place, which needs no new block and so works on a full filesystem (ext4, xfs, tmpfs).

    12345
    write_errors 00000000000000000002 last_error 00000001796492757

The first line stays the pid (what a second recorder quotes when the lock is taken). A session that could not
create its lock file (disk already full at start) has no count to publish.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from hostward.digits import is_digits
from hostward.errors import UnsafePath
from hostward.safefs import open_read

LOCK_NAME = ".hostward-record.lock"
_WIDTH = 20
_PREFIX = "write_errors "
_MIDDLE = " last_error "
MAX_STATUS_BYTES = 128


@dataclass(frozen=True, slots=True)
class RecorderStatus:
    pid: int
    write_errors: int  # failed writes (and closes) of day files in this recorder session
    last_error_time: int  # Unix time of the last one; 0: none


def _status_line(write_errors: int, when: int) -> bytes:
    return f"{_PREFIX}{write_errors:0{_WIDTH}d}{_MIDDLE}{when:0{_WIDTH}d}\n".encode()


def start_status(fd: int) -> None:
    """Write the pid and a zero count into the held lock file (best effort: a full disk may refuse even this)."""
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode() + _status_line(0, 0), 0)


def note_write_errors(fd: int, write_errors: int, when: float) -> None:
    """Overwrite the count in place (same length: no allocation, so it succeeds on a full filesystem)."""
    if fd < 0:
        return
    with contextlib.suppress(OSError):
        first = os.pread(fd, _WIDTH + 2, 0).split(b"\n", 1)[0]
        os.pwrite(fd, _status_line(write_errors, int(when)), len(first) + 1)


def parse_status(text: str) -> RecorderStatus | None:
    """The lock file's contents; None when it has no count (older recorder, or never written)."""
    lines = text.split("\n")
    if len(lines) < 2 or not is_digits(lines[0]):
        return None
    rest = lines[1]
    count, middle, when = rest[len(_PREFIX) :].partition(_MIDDLE)
    if not (rest.startswith(_PREFIX) and middle and is_digits(count) and is_digits(when)):
        return None
    return RecorderStatus(int(lines[0]), int(count), int(when))


def read_status(data_dir: Path) -> RecorderStatus | None:
    """The status in ``data_dir``'s lock file, never through a planted link; None when absent or unreadable."""
    try:
        fd = open_read(data_dir / LOCK_NAME)
    except (OSError, UnsafePath):
        return None
    try:
        data = os.read(fd, MAX_STATUS_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    return parse_status(data.decode("ascii", "replace"))
