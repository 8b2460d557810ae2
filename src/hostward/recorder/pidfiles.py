"""/proc/PID files kept open across samples, for the recorder's top processes.

Ranking the processes reads /proc/PID/statm of every process each sample, and the winners' stat, status,
oom_score_adj, oom_score and cmdline; opening and closing those files (and CPython's text I/O around each) was
most of the recorder's cost with the default 10 top processes (issue 17). Here each file is opened once and
re-read with ``pread(fd, n, 0)``, which makes the kernel generate it afresh (as recorder/kernelfiles.py).

Pid reuse cannot hand us another process's figures: a descriptor is bound to the process it was opened on
(its ``struct pid``), not to the number. Once that process is gone, reads fail with ESRCH even when a new
process has the same pid (fs/proc/base.c: get_proc_task returns NULL); the descriptor is then closed and the
path opened again, which reaches the new process, or says it is gone too. Descriptors of pids no longer
listed are closed at every ranking, and at most ``limit`` stay open (beyond that, open, read, close).

``resident_pages`` is the ranking itself: one loop over the listing with the statm descriptors at hand, kernel
threads recognised once and skipped after that (recorder/kthreads.py), so most of the work per process is one
pread and one int().
"""

from __future__ import annotations

import errno
import os
import resource
from collections.abc import Iterable
from pathlib import Path

from hostward.errors import CollectError, ProcessGone
from hostward.procfs import ProcFS
from hostward.recorder.kthreads import KernelThreads

_GONE = (errno.ENOENT, errno.ESRCH)
_FIRST_READ = 4096
_KEEP_SIZE = 1 << 16  # a larger buffer is used for the read that needs it, not remembered
_STATM_READ = 512  # seven numbers of at most 20 digits: a read this long is never cut


def default_limit() -> int:
    """Half the soft descriptor limit, at most 4096: the rest of the process keeps room."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 4096
    return max(0, min(4096, soft // 2))


class PidFiles:
    """``read_pid``/``read_pid_bytes``/``pid_path`` as ProcFS, through descriptors kept open (collect.procs
    reads a process through any object with these three methods)."""

    def __init__(self, procfs: ProcFS, limit: int | None = None) -> None:
        self.procfs = procfs
        self.root = str(procfs.proc)
        self.limit = default_limit() if limit is None else limit
        self._fds: dict[tuple[int, str], int] = {}
        self._names: dict[int, list[str]] = {}  # pid -> the names of its kept descriptors (retain)
        self._sizes: dict[str, int] = {}
        self._serials: dict[tuple[int, str], int] = {}
        self._next_serial = 0
        self.closed = (
            0  # descriptors closed so far (a caller's cache of kept() answers is stale when it moved)
        )
        self.kernel_threads = KernelThreads(self.root)

    def read_pid(self, pid: int, name: str) -> str:
        return self.read_pid_bytes(pid, name).decode("utf-8", errors="surrogateescape")

    def read_pid_bytes(self, pid: int, name: str) -> bytes:
        """``/proc/<pid>/<name>`` now; ProcessGone when the process has exited, CollectError when unreadable."""
        key = (pid, name)
        fd = self._fds.get(key)
        if fd is not None:
            try:
                return self._pread(fd, name)
            except OSError:
                self._close(key)  # its process exited (ESRCH), perhaps its pid is someone else's now: reopen
        path = f"{self.root}/{pid}/{name}"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise _error(exc, pid, path) from exc
        try:
            data = self._pread(fd, name)
        except OSError as exc:
            os.close(fd)
            raise _error(exc, pid, path) from exc
        if len(self._fds) + len(self.kernel_threads) < self.limit:
            self._fds[key] = fd
            self._next_serial += 1
            self._serials[key] = self._next_serial
            self._names.setdefault(pid, []).append(name)
        else:
            os.close(fd)
        return data

    def read_kept(self, pid: int, names: tuple[str, ...]) -> list[bytes] | None:
        """``/proc/<pid>/<name>`` of each of ``names`` now, in that order, all through kept descriptors; None
        when one has none kept, its read fails (the process exited) or may have been cut: read them with
        ``read_pid_bytes`` then, which reopens, closes and reads again as needed. The recorder reads its
        winners' four files so, without a call per file."""
        fds, sizes, pread = self._fds, self._sizes, os.pread
        texts: list[bytes] = []
        for name in names:
            fd = fds.get((pid, name))
            if fd is None:
                return None
            size = sizes.get(name, _FIRST_READ)
            try:
                data = pread(fd, size, 0)
            except OSError:
                return None
            if len(data) >= size:
                return None
            texts.append(data)
        return texts

    def resident_pages(self, pids: Iterable[int]) -> list[tuple[int, int]]:
        """``(-resident pages, pid)`` of each listed process with resident memory, in listing order (sort it
        for the largest first). The second field of /proc/PID/statm is the resident set in pages, the count
        VmRSS shows in kB. Processes that exit meanwhile or cannot be read are left out, as in a ps listing;
        kernel threads, which have no memory, are recognised once and not read again (kthreads.py)."""
        kthreads = self.kernel_threads
        kthreads.forget_exited()  # after the listing: a pid taken over since is read as the new process
        skip = kthreads.pids
        fds = self._fds
        pread = os.pread
        ranked: list[tuple[int, int]] = []
        for pid in pids:
            if pid in skip:
                continue
            data = None
            fd = fds.get((pid, "statm"))
            if fd is not None:
                try:
                    data = pread(fd, _STATM_READ, 0)
                except OSError:
                    self._close((pid, "statm"))  # exited; perhaps the pid is someone else's now: reopen
            try:
                if data is None or len(data) >= _STATM_READ:
                    data = self.read_pid_bytes(pid, "statm")
                pages = int(data.split(None, 2)[1])
            except (CollectError, ValueError, IndexError):
                continue
            if pages > 0:
                ranked.append((-pages, pid))
            elif kthreads.enabled and len(fds) + len(kthreads) < self.limit and kthreads.check(pid):
                self._close((pid, "statm"))
        return ranked

    def kept(self, pid: int, name: str) -> int | None:
        """A number naming the kept descriptor of ``/proc/<pid>/<name>``, new each time one is opened (never
        reused, unlike descriptor numbers), or None when none is kept. While it stays the same, every read
        through it was of the same process: what a caller learnt of that process at one read (its start time)
        holds at the next."""
        return self._serials.get((pid, name))

    def pid_path(self, pid: int, name: str = "") -> Path:
        return self.procfs.pid_path(pid, name)

    def retain(self, pids: Iterable[int]) -> None:
        """Close the descriptors of processes not in ``pids`` (the current listing)."""
        alive = set(pids)
        names = self._names
        for pid in names.keys() - alive:  # the pids with descriptors kept, a set operation at C speed
            for name in list(names[pid]):
                self._close((pid, name))
        self.kernel_threads.retain(alive)

    def open_count(self) -> int:
        """Descriptors held: kept files and the kernel threads' pidfds."""
        return len(self._fds) + len(self.kernel_threads)

    def close(self) -> None:
        for key in list(self._fds):
            self._close(key)
        self.kernel_threads.close()

    def _pread(self, fd: int, name: str) -> bytes:
        size = self._sizes.get(name, _FIRST_READ)
        data = os.pread(fd, size, 0)
        while len(data) >= size:  # may have been cut (a long command line): read again with more room
            size *= 2
            if size <= _KEEP_SIZE:
                self._sizes[name] = size
            data = os.pread(fd, size, 0)
        return data

    def _close(self, key: tuple[int, str]) -> None:
        fd = self._fds.pop(key, None)
        if fd is not None:
            del self._serials[key]
            self.closed += 1
            pid, name = key
            names = self._names[pid]
            names.remove(name)
            if not names:
                del self._names[pid]
            os.close(fd)


def _error(exc: OSError, pid: int, path: str) -> CollectError:
    if exc.errno in _GONE:
        return ProcessGone(f"process {pid} exited")
    return CollectError(f"cannot read {path}: {exc.strerror}")
