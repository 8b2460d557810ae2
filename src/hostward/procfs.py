"""The one place that opens kernel files. Every sampler takes a ProcFS so tests can point it at a fixture tree."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from hostward.errors import CollectError, ProcessGone
from hostward.frozen import frozen

_GONE_ERRNOS = {errno.ENOENT, errno.ESRCH}


@frozen
class ProcFS:
    """Kernel file access rooted at ``proc`` and ``sys`` (``/proc`` and ``/sys`` unless a test says otherwise)."""

    proc: Path = Path("/proc")
    sys: Path = Path("/sys")

    # -- /proc -------------------------------------------------------------------------------------------------
    def read(self, relpath: str) -> str:
        """Read ``/proc/<relpath>``; a missing or unreadable file is a CollectError naming the path."""
        return _read(self.proc / relpath)

    def read_optional(self, relpath: str) -> str | None:
        """Read ``/proc/<relpath>`` or return None when the kernel does not have it (older kernel, no config)."""
        return _read_optional(self.proc / relpath)

    def exists(self, relpath: str) -> bool:
        return (self.proc / relpath).exists()

    def pids(self) -> list[int]:
        """Numeric entries of /proc, sorted: the processes alive at the moment of the listing."""
        try:
            names = os.listdir(self.proc)
        except OSError as exc:
            raise CollectError(f"cannot list {self.proc}: {exc.strerror}") from exc
        # filter/map run at C speed (oom top, the guard and the policy list /proc often). isdecimal, not isdigit: "²"
        # in a tree that is not the kernel's is a digit that int() refuses; it takes every decimal one.
        return sorted(map(int, filter(str.isdecimal, names)))

    def read_pid(self, pid: int, name: str) -> str:
        """Read ``/proc/<pid>/<name>``; a process that exited meanwhile raises ProcessGone."""
        # A plain string path: pathlib joins cost ~30% of a full process scan (oom top, recorder).
        path = f"{self.proc}/{pid}/{name}"
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                return handle.read()
        except OSError as exc:
            # ESRCH comes from reading a file of a zombie/exited task whose directory still exists.
            if exc.errno in _GONE_ERRNOS:
                raise ProcessGone(f"process {pid} exited") from exc
            raise CollectError(f"cannot read {path}: {exc.strerror}") from exc

    def read_pid_bytes(self, pid: int, name: str) -> bytes:
        """Raw bytes of ``/proc/<pid>/<name>`` (cmdline and environ are NUL-separated, any encoding)."""
        path = f"{self.proc}/{pid}/{name}"
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            if exc.errno in _GONE_ERRNOS:
                raise ProcessGone(f"process {pid} exited") from exc
            raise CollectError(f"cannot read {path}: {exc.strerror}") from exc

    def pid_path(self, pid: int, name: str = "") -> Path:
        return self.proc / str(pid) / name if name else self.proc / str(pid)

    # -- /sys --------------------------------------------------------------------------------------------------
    def read_sys(self, relpath: str) -> str:
        return _read(self.sys / relpath)

    def read_sys_optional(self, relpath: str) -> str | None:
        return _read_optional(self.sys / relpath)

    def sys_path(self, relpath: str = "") -> Path:
        return self.sys / relpath if relpath else self.sys


def _read(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return handle.read()
    except OSError as exc:
        raise CollectError(f"cannot read {path}: {exc.strerror}") from exc


def _read_optional(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        # EINVAL/ENODEV: e.g. a link speed file of an interface that is down; treat as "not available".
        if exc.errno in (errno.EINVAL, errno.ENODEV, errno.EOPNOTSUPP, errno.ENOTSUP):
            return None
        raise CollectError(f"cannot read {path}: {exc.strerror}") from exc
