"""Atomic file replacement: write a temporary file beside the target, then rename it over the target, so a
reader (or a crash) sees either the old file or the whole new one, never half of it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from hostward.errors import StoreError


@contextlib.contextmanager
def replacing(path: Path, *, what: str = "write") -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``. An OSError while writing or renaming
    becomes one StoreError naming ``path``; the temporary file never outlives the block."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"cannot {what} {path}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
