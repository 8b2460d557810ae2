"""Whether the host rebooted since the last recording session, so that only a reboot is a LINUX RESTART.

sadc marks a restart only at boot (``sa1 --boot``); a sadc started again on the same boot appends to the day's
file and its first interval spans the gap, computed from counters that kept counting. hostward does the same:
the kernel's boot id of the session that last recorded into the data directory is kept in ``.hostward-boot``,
and a new session writes a restart mark only when the boot id differs (or none was kept).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from hostward.atomic import writing
from hostward.collect.sample import SystemSample
from hostward.errors import StoreError
from hostward.procfs import ProcFS

BOOT_FILE = ".hostward-boot"


def boot_id(procfs: ProcFS, sample: SystemSample) -> str:
    """The kernel's random boot id; without it (very old kernels), the boot time to 10 s."""
    found = procfs.read_optional("sys/kernel/random/boot_id")
    if found and found.strip():
        return found.strip()
    return f"boot-time:{round((sample.timestamp - sample.uptime_seconds) / 10) * 10}"


def rebooted_since_last_session(data_dir: Path, current: str) -> bool:
    """True unless the data directory says its last session ran on this same boot."""
    path = data_dir / BOOT_FILE
    with contextlib.suppress(OSError):
        if not path.is_symlink():
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            with os.fdopen(fd, "r", encoding="ascii", errors="replace") as handle:
                return handle.read(200).strip() != current
    return True


def remember_boot(data_dir: Path, current: str) -> None:
    """Keep ``current`` for the next session. Not worth failing a recording over: a lost id only costs one
    restart mark too many."""
    with contextlib.suppress(StoreError), writing(data_dir / BOOT_FILE, what="write") as handle:
        handle.write((current + "\n").encode("ascii"))
