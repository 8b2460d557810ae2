"""Atomic file replacement: write a temporary file beside the target, then rename it over the target, so a
reader (or a crash) sees either the old file or the whole new one, never half of it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from hostward.errors import StoreError
from hostward.safefs import create_temp


@contextlib.contextmanager
def replacing(path: Path, *, what: str = "write") -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``. An OSError while writing or renaming
    becomes one StoreError naming ``path``; the temporary file never outlives the block."""
    # An unpredictable name created with O_EXCL (mkstemp): a symlink or hardlink planted beforehand under a
    # guessable name cannot redirect the write. Mode 0640 whatever the umask.
    try:
        fd, tmp = create_temp(path.parent, path.name)
        os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot {what} {path}: {exc.strerror or exc}") from exc
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"cannot {what} {path}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
