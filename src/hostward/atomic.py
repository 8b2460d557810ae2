"""Atomic file replacement: write a temporary file beside the target, then rename it over the target, so a
reader (or a crash) sees either the old file or the whole new one, never half of it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from hostward.errors import StoreError
from hostward.safefs import create_temp


@contextlib.contextmanager
def _temp_then_replace(path: Path, what: str) -> Iterator[tuple[int, Path]]:
    """The temporary file beside ``path`` (its descriptor and name), renamed over ``path`` when the block ends
    without error; the OSError handling that ``replacing`` and ``writing`` share."""
    # An unpredictable name created with O_EXCL (mkstemp): a symlink or hardlink planted beforehand under a
    # guessable name cannot redirect the write. Mode 0640 whatever the umask.
    try:
        fd, tmp = create_temp(path.parent, path.name)
    except OSError as exc:
        raise StoreError(f"cannot {what} {path}: {exc.strerror or exc}") from exc
    try:
        yield fd, tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"cannot {what} {path}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def replacing(path: Path, *, what: str = "write") -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``. An OSError while writing or renaming
    becomes one StoreError naming ``path``; the temporary file never outlives the block."""
    with _temp_then_replace(path, what) as (fd, tmp):
        os.close(fd)
        yield tmp


@contextlib.contextmanager
def writing(path: Path, *, what: str = "write") -> Iterator[BinaryIO]:
    """Like ``replacing``, but yield the temporary file already open: the data goes through the descriptor we
    created, never through a name. Safe even in a directory another user can write to without the sticky bit
    (a plot into someone's home): if they swap the temporary name for a link, our bytes still land in our own
    0640 file, and the final rename moves their link, not through it."""
    with _temp_then_replace(path, what) as (fd, _tmp), os.fdopen(fd, "wb") as handle:
        yield handle
