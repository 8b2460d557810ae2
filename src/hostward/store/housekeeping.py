"""Retention and compression of closed days: sysstat's HISTORY and COMPRESSAFTER (done there by sa2).

Ages are counted in days from the date in the file name, not from the file's mtime, so copying or touching
a data file does not change its fate: a day D is compressed when ``today - D > compress_after_days`` and
deleted when ``today - D > retention_days``. Today's file is never touched. 0 disables either step.
Compression writes ``<name>.xz`` through a temporary file and a rename, then removes the plain file, so a
reader always finds one complete copy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import lzma
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from hostward.errors import StoreError
from hostward.safefs import create_temp
from hostward.store.paths import PREFIX, XZ_SUFFIX

log = logging.getLogger(__name__)

_NAME = re.compile(re.escape(PREFIX) + r"(\d{8})(\.(?:\d+|damaged-\d+))?(\.xz)?")
XZ_PRESET = 6  # xz's default; -9 gains ~1% on these files for 10x the memory


@dataclass(slots=True)
class HousekeepingResult:
    removed: list[Path] = field(default_factory=list)
    compressed: list[Path] = field(default_factory=list)  # the new .xz files
    errors: list[str] = field(default_factory=list)


def file_day(path: Path) -> dt.date | None:
    match = _NAME.fullmatch(path.name)
    if not match:
        return None
    try:
        return dt.datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        return None


def housekeep(
    data_dir: Path, today: dt.date, retention_days: int, compress_after_days: int
) -> HousekeepingResult:
    """Delete days older than ``retention_days``, xz-compress closed days older than ``compress_after_days``.
    Problems with single files are logged and collected in ``errors``; they do not stop the others."""
    result = HousekeepingResult()
    try:
        paths = sorted(p for p in data_dir.iterdir() if p.is_file())
    except FileNotFoundError:
        return result
    except OSError as exc:
        raise StoreError(f"cannot list {data_dir}: {exc.strerror}") from exc
    for path in paths:
        day = file_day(path)
        if day is None or day >= today:
            continue
        age = (today - day).days
        try:
            if retention_days > 0 and age > retention_days:
                path.unlink()
                result.removed.append(path)
                log.info("removed %s (%d days old, retention %d days)", path, age, retention_days)
            elif compress_after_days > 0 and age > compress_after_days and not path.name.endswith(XZ_SUFFIX):
                result.compressed.append(compress_file(path))
                log.info("compressed %s (%d days old)", path, age)
        except (OSError, StoreError) as exc:
            message = f"{path}: {exc.strerror if isinstance(exc, OSError) else exc}"
            result.errors.append(message)
            log.error("housekeeping: %s", message)
    return result


def compress_file(path: Path) -> Path:
    """``path`` -> ``path.xz`` (atomically), then remove ``path``. Returns the new file."""
    target = path.with_name(path.name + XZ_SUFFIX)
    tmp: Path | None = None
    try:
        fd, tmp = create_temp(path.parent, target.name)  # unpredictable name, O_EXCL, 0640
        with open(path, "rb") as src, os.fdopen(fd, "wb") as raw:
            with lzma.open(raw, "wb", format=lzma.FORMAT_XZ, preset=XZ_PRESET) as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            raw.flush()  # the xz trailer was written when dst closed; raw stays open for fsync
            os.fsync(raw.fileno())
        os.rename(tmp, target)
        path.unlink()
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise StoreError(f"cannot compress {path}: {exc.strerror}") from exc
    return target
