"""Drill cgroups left behind: ``hostward-drill-PID-N`` whose drill process (PID) is gone.

A drill removes its cgroup when it ends, however it ends, unless it is killed with SIGKILL (or the host loses
power mid-drill): then the cgroup stays, empty or with the orphaned hog in it. The next drill removes such
leftovers under the same parent (killing an orphaned hog through a /proc/PID handle, MemoryCgroup.destroy), and
``oom doctor`` reports them without touching anything. A name whose PID is alive (or reused) is left alone.
"""

from __future__ import annotations

import re

from hostward.errors import CollectError
from hostward.oom.guard.cgroup import MemoryCgroup
from hostward.procfs import ProcFS

PREFIX = "hostward-drill-"
_NAME = re.compile(rf"^{PREFIX}(\d+)-\d+$")


def drill_name(pid: int, number: int) -> str:
    return f"{PREFIX}{pid}-{number}"


def stale_drill_cgroups(parent: MemoryCgroup, procfs: ProcFS | None = None) -> list[MemoryCgroup]:
    procfs = procfs or ProcFS()
    try:
        entries = sorted(parent.directory.iterdir())
    except OSError:
        return []
    stale = []
    for entry in entries:
        match = _NAME.match(entry.name)
        if match is None or not entry.is_dir() or entry.is_symlink():
            continue
        if not procfs.exists(match[1]):
            stale.append(parent.child(entry.name))
    return stale


def remove_stale_drill_cgroups(parent: MemoryCgroup, procfs: ProcFS | None = None) -> list[str]:
    """Remove the leftovers under ``parent``; returns the paths removed (one that resists is logged, kept)."""
    import logging  # noqa: PLC0415  (a drill logs; `oom doctor`, which only lists leftovers, does not)

    log = logging.getLogger(__name__)
    removed = []
    for leftover in stale_drill_cgroups(parent, procfs):
        try:
            leftover.destroy()
        except CollectError as exc:
            log.warning("drill: stale drill cgroup not removed: %s", exc)
            continue
        log.info("drill: removed %s, left by a drill that was killed", leftover.path)
        removed.append(leftover.path)
    return removed
