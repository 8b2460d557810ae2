"""Persistent block device names (``/dev/disk/by-uuid``, ``by-label``, ``by-path``, ``by-id``...), as sar -j
shows them (common.c get_persistent_name_from_pretty): the entries of the directory in alphabetical order, each
a symlink whose target's last component is a kernel device name; the first entry naming a device wins."""

from __future__ import annotations

import os
from pathlib import Path

DEV_DISK = Path("/dev/disk")


def persistent_dir(kind: str, root: Path | None = None) -> Path | None:
    """``/dev/disk/by-<kind>`` (kind in lower case, as sar lowers it), or None when it cannot be read."""
    directory = (root or DEV_DISK) / f"by-{kind.lower()}"
    return directory if os.access(directory, os.R_OK) else None


def persistent_names(directory: Path) -> dict[str, str]:
    """Kernel name -> persistent name for every device a link in ``directory`` points at."""
    names: dict[str, str] = {}
    try:
        entries = sorted(os.listdir(directory))  # scandir(..., alphasort): byte order in the C locale
    except OSError:
        return names
    for entry in entries:
        try:
            target = os.readlink(directory / entry)
        except OSError:
            continue  # not a link (sar skips what readlink refuses)
        kernel = os.path.basename(target)
        if kernel:
            names.setdefault(kernel, entry)
    return names
