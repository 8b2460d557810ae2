"""Act on a process chosen earlier without hitting another one that reuses its PID.

A PID names a process only while that process lives: once it exits and is reaped, the kernel hands the number to
the next fork (after wrapping at kernel.pid_max, sooner when ns_last_pid is set). A write to
``/proc/PID/oom_score_adj`` or a ``kill(PID)`` issued on a PID read a moment earlier may therefore reach a
stranger. ``PinnedProcess`` closes that gap the way procps' pidfd support does:

* ``/proc/PID`` is opened once as a directory. That descriptor is bound to the process, not to the number: after
  the process is gone every ``openat`` through it fails with ESRCH/ENOENT, even when the PID is reused.
* Every read, write and signal goes through that descriptor (``pidfd_send_signal`` accepts a ``/proc/PID``
  directory descriptor since Linux 5.1, the same as a pidfd).
* When the caller knows the start time it chose (``stat`` field 22, clock ticks since boot), it is compared
  right after opening: a PID that names a younger process raises ``ProcessReplaced`` before anything is done.

The guard (oom/guard/guard.py) uses a pidfd plus the same start-time check, because it also waits on the pidfd.
"""

from __future__ import annotations

import errno
import os
import signal

from hostward.collect.procs import parse_stat
from hostward.errors import CollectError, PermissionProblem, ProcessGone, ProcessReplaced
from hostward.procfs import ProcFS

_GONE = {errno.ENOENT, errno.ESRCH}
_DENIED = {errno.EACCES, errno.EPERM}


class PinnedProcess:
    """One process, held by a ``/proc/PID`` directory descriptor. Use as a context manager.

    Raises ProcessGone when the process has exited (now or on any later call) and ProcessReplaced when
    ``start_ticks`` is given and the PID now belongs to a process started at another time.
    """

    def __init__(self, procfs: ProcFS, pid: int, *, start_ticks: int | None = None) -> None:
        self.pid = pid
        self._where = f"{procfs.proc}/{pid}"
        try:
            self._fd: int | None = os.open(self._where, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as exc:
            raise self._error(exc, "open") from exc
        try:
            self.start_ticks = parse_stat(self.read("stat")).start_ticks
        except BaseException:
            self.close()
            raise
        if start_ticks is not None and start_ticks != self.start_ticks:
            self.close()
            raise ProcessReplaced(
                f"pid {pid} now belongs to another process (started at tick {self.start_ticks}, "
                f"expected {start_ticks}); left alone"
            )

    @property
    def fd(self) -> int:
        if self._fd is None:
            raise ValueError("process handle is closed")
        return self._fd

    def read_bytes(self, name: str) -> bytes:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC, dir_fd=self.fd)
        except OSError as exc:
            raise self._error(exc, f"read {name}") from exc
        try:
            chunks = []
            while chunk := os.read(fd, 65536):
                chunks.append(chunk)
            return b"".join(chunks)
        except OSError as exc:
            raise self._error(exc, f"read {name}") from exc
        finally:
            os.close(fd)

    def read(self, name: str) -> str:
        return self.read_bytes(name).decode("utf-8", errors="surrogateescape")

    def readlink(self, name: str) -> str:
        try:
            return os.readlink(name, dir_fd=self.fd)
        except OSError as exc:
            raise self._error(exc, f"read link {name}") from exc

    def stat(self, name: str) -> os.stat_result:
        """stat() of what ``name`` points to (for ``exe``: the binary the process runs, wherever it lives)."""
        try:
            return os.stat(name, dir_fd=self.fd)
        except OSError as exc:
            raise self._error(exc, f"stat {name}") from exc

    def write(self, name: str, text: str) -> None:
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CLOEXEC, dir_fd=self.fd)
        except OSError as exc:
            raise self._error(exc, f"write {name}") from exc
        try:
            os.write(fd, text.encode())
        except OSError as exc:
            raise self._error(exc, f"write {text!r} to {name}") from exc
        finally:
            os.close(fd)

    def send_signal(self, sig: signal.Signals) -> None:
        try:
            signal.pidfd_send_signal(self.fd, sig)
        except OSError as exc:
            raise self._error(exc, f"send {sig.name}") from exc

    def _error(self, exc: OSError, what: str) -> CollectError | PermissionProblem:
        if exc.errno in _GONE:
            return ProcessGone(f"process {self.pid} exited")
        if exc.errno in _DENIED:
            return PermissionProblem(f"cannot {what} of process {self.pid}: {exc.strerror}")
        return CollectError(f"cannot {what} of process {self.pid} ({self._where}): {exc.strerror}")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> PinnedProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
