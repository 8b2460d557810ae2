"""The kernel files every scrape reads, kept open and re-read with pread (recorder.kernelfiles), behind a lock.

/proc/stat, meminfo, vmstat, loadavg, pressure/*, diskstats, net/dev, 1/mounts and the clocksource files are
seq_files: a read from offset 0 makes the kernel generate them afresh, so the descriptors stay open for the
life of the exporter, which saves an open, a close and CPython's text I/O per file per scrape. Only a fixed set
of names is kept (per-interface /sys files, which come and go with the interfaces, are read the ordinary way).
The lock makes concurrent scrapes take turns on the shared descriptors (a read error closes one).
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading

from hostward.errors import CollectError
from hostward.procfs import ProcFS
from hostward.recorder.kernelfiles import KernelFiles

_UNAVAILABLE = (errno.EINVAL, errno.ENODEV, errno.EOPNOTSUPP, errno.ENOTSUP)  # as ProcFS.read_optional


class ScrapeFiles:
    def __init__(self, procfs: ProcFS) -> None:
        self._proc = KernelFiles(procfs.proc)
        self._sys = KernelFiles(procfs.sys)
        self._sys_root = str(procfs.sys)
        self._lock = threading.Lock()

    @property
    def open_files(self) -> int:
        return self._proc.open_count + self._sys.open_count

    def read(self, relpath: str) -> str:
        """``/proc/<relpath>``; CollectError when missing or unreadable."""
        with self._lock:
            return self._proc.read(relpath)

    def read_optional(self, relpath: str) -> str | None:
        with self._lock:
            return self._proc.read_optional(relpath)

    def read_sys_optional(self, relpath: str) -> str | None:
        with self._lock:
            return self._sys.read_optional(relpath)

    def read_sys_once(self, relpath: str) -> str | None:
        """A small /sys file opened, read and closed (no descriptor kept); None where ProcFS says None."""
        path = f"{self._sys_root}/{relpath}"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CollectError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            return os.read(fd, 4096).decode("utf-8", "surrogateescape")
        except OSError as exc:
            if exc.errno in _UNAVAILABLE:  # the speed of an interface that is down: EINVAL
                return None
            raise CollectError(f"cannot read {path}: {exc.strerror}") from exc
        finally:
            os.close(fd)

    def close(self) -> None:
        with self._lock:
            self._proc.close()
            self._sys.close()

    def __del__(self) -> None:  # an exporter dropped without stop() (tests, textfile --once) frees its fds
        with contextlib.suppress(Exception):  # never an "exception ignored" at interpreter exit
            self._proc.close()
            self._sys.close()
