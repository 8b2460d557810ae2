"""Where a day's data files are, by name only: ``<data_dir>/hwYYYYMMDD``, its moved-aside parts and their
``.xz`` forms (the format is store/reader.py's, which describes the names). Nothing here reads a file or imports
the store's codec or the collect records, so a command that only asks whether a day was recorded (oom report's
trend of a log) starts without them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from hostward.errors import StoreError

PREFIX = "hw"
XZ_SUFFIX = ".xz"


def day_path(data_dir: Path, day: dt.date) -> Path:
    """Where the recorder writes ``day`` (uncompressed name; the compressed file adds ``.xz``)."""
    return data_dir / f"{PREFIX}{day:%Y%m%d}"


def day_parts(data_dir: Path, day: dt.date) -> list[Path]:
    """Existing readable files of ``day`` in recording order: moved-aside parts ``.1``, ``.2``..., then the
    current file; each either plain or ``.xz`` (plain wins if both exist: compression is finishing)."""
    base = day_path(data_dir, day)
    pattern = re.compile(re.escape(base.name) + r"(?:\.(\d+))?(?:\.xz)?")
    found: dict[int, Path] = {}
    try:
        names = [p.name for p in data_dir.iterdir() if p.name.startswith(base.name)]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StoreError(f"cannot list {data_dir}: {exc.strerror}") from exc
    for name in sorted(names, key=lambda n: n.endswith(XZ_SUFFIX)):  # plain first, so it wins
        match = pattern.fullmatch(name)
        if match:
            part = int(match.group(1)) if match.group(1) else 1 << 30
            found.setdefault(part, data_dir / name)
    return [found[k] for k in sorted(found)]


def damaged_parts(data_dir: Path, day: dt.date) -> list[Path]:
    """Files of ``day`` the recorder moved aside as damaged (``.damaged-N``, plain or ``.xz``), in N order."""
    base = day_path(data_dir, day)
    pattern = re.compile(re.escape(base.name) + r"\.damaged-(\d{1,9})(?:\.xz)?")
    try:
        names = [p.name for p in data_dir.iterdir() if p.name.startswith(base.name + ".damaged-")]
    except OSError:
        return []  # day_parts has said why, or there is nothing
    found: dict[int, Path] = {}
    for name in sorted(names, key=lambda n: n.endswith(XZ_SUFFIX)):
        match = pattern.fullmatch(name)
        if match:
            found.setdefault(int(match.group(1)), data_dir / name)
    return [found[k] for k in sorted(found)]
