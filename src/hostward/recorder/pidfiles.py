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
# The largest read size remembered per file name; a kept descriptor of a longer file remembers its own.
_KEEP_SIZE = 1 << 16
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
        # pid -> name -> (descriptor, serial, read size): the read size is 0 but for a file longer than
        # _KEEP_SIZE (a long command line), which keeps its own so that it is read whole at the first pread.
        self._kept: dict[int, dict[str, tuple[int, int, int]]] = {}
        self._open = 0  # descriptors in _kept
        self._sizes: dict[str, int] = {}  # name -> read size (at most _KEEP_SIZE) that held its longest text
        self._next_serial = 0
        # Descriptors closed so far (a caller's cache of kept() answers is stale when it moved).
        self.closed = 0
        self.kernel_threads = KernelThreads(self.root)

    def read_pid(self, pid: int, name: str) -> str:
        return self.read_pid_bytes(pid, name).decode("utf-8", errors="surrogateescape")

    def read_pid_bytes(self, pid: int, name: str) -> bytes:
        """``/proc/<pid>/<name>`` now; ProcessGone when the process has exited, CollectError when unreadable."""
        entry = self._entry(pid, name)
        if entry is not None:
            try:
                return self._read(pid, name, entry)
            except OSError:  # its process exited (ESRCH), perhaps its pid is someone else's now: reopen
                self._close(pid, name)
        path = f"{self.root}/{pid}/{name}"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise _error(exc, pid, path) from exc
        if self._open + len(self.kernel_threads) >= self.limit:  # beyond the limit: open, read, close
            try:
                return self._read(pid, name, (fd, 0, 0))
            except OSError as exc:
                raise _error(exc, pid, path) from exc
            finally:
                os.close(fd)
        self._next_serial += 1
        entry = (fd, self._next_serial, 0)
        self._kept.setdefault(pid, {})[name] = entry
        self._open += 1
        try:
            return self._read(pid, name, entry)
        except OSError as exc:
            self._close(pid, name)
            raise _error(exc, pid, path) from exc

    def read_kept(self, pid: int, names: tuple[str, ...]) -> tuple[int, list[bytes]] | None:
        """``/proc/<pid>/<name>`` of each of ``names`` now, in that order, all through kept descriptors, with
        the serial (``kept``) of the first one's; None when one has none kept or its read fails (the process
        exited): read them with ``read_pid_bytes`` then, which reopens and closes as needed. The recorder
        reads its winners' four files so, without a call per file."""
        kept = self._kept.get(pid)
        if kept is None:
            return None
        read = self._read
        texts: list[bytes] = []
        for name in names:
            entry = kept.get(name)
            if entry is None:
                return None
            try:
                texts.append(read(pid, name, entry))
            except OSError:
                return None
        return kept[names[0]][1], texts

    def resident_pages(self, pids: Iterable[int]) -> list[tuple[int, int]]:
        """``(-resident pages, pid)`` of each listed process with resident memory, in listing order (sort it
        for the largest first). The second field of /proc/PID/statm is the resident set in pages, the count
        VmRSS shows in kB. Processes that exit meanwhile or cannot be read are left out, as in
        a ps listing; kernel threads, which have no memory, are recognised once and not read again
        (kthreads.py)."""
        kthreads = self.kernel_threads
        kthreads.forget_exited()  # after the listing: a pid taken over since is read as the new process
        skip = kthreads.pids
        all_kept = self._kept
        pread = os.pread
        ranked: list[tuple[int, int]] = []
        for pid in pids:
            if pid in skip:
                continue
            data = None
            kept = all_kept.get(pid)  # _entry inlined: a method call per process ranked is a cost here
            entry = kept.get("statm") if kept is not None else None
            if entry is not None:
                try:
                    data = pread(entry[0], _STATM_READ, 0)
                except OSError:
                    self._close(pid, "statm")  # exited; perhaps the pid is someone else's now: reopen
            try:
                if data is None or len(data) >= _STATM_READ:
                    data = self.read_pid_bytes(pid, "statm")
                pages = int(data.split(None, 2)[1])
            except (CollectError, ValueError, IndexError):
                continue
            if pages > 0:
                ranked.append((-pages, pid))
            elif kthreads.enabled and self._open + len(kthreads) < self.limit and kthreads.check(pid):
                self._close(pid, "statm")
        return ranked

    def kept(self, pid: int, name: str) -> int | None:
        """A number naming the kept descriptor of ``/proc/<pid>/<name>``, new each time one is opened (never
        reused, unlike descriptor numbers), or None when none is kept. While it stays the same, every read
        through it was of the same process: what a caller learnt of that process at one read (its start time)
        holds at the next."""
        entry = self._entry(pid, name)
        return entry[1] if entry is not None else None

    def _entry(self, pid: int, name: str) -> tuple[int, int, int] | None:
        """The kept (descriptor, serial, read size) of ``/proc/<pid>/<name>``; None when none is kept."""
        kept = self._kept.get(pid)
        return kept.get(name) if kept is not None else None

    def descriptors(self) -> dict[tuple[int, str], int]:
        """The descriptors kept, by (pid, name) (for benches and tests)."""
        return {(pid, name): entry[0] for pid, kept in self._kept.items() for name, entry in kept.items()}

    def pid_path(self, pid: int, name: str = "") -> Path:
        return self.procfs.pid_path(pid, name)

    def retain(self, pids: Iterable[int]) -> None:
        """Close the descriptors of processes not in ``pids`` (the current listing)."""
        alive = set(pids)
        all_kept = self._kept
        for pid in all_kept.keys() - alive:  # the pids with descriptors kept, a set operation at C speed
            for name in list(all_kept[pid]):
                self._close(pid, name)
        self.kernel_threads.retain(alive)

    def open_count(self) -> int:
        """Descriptors held: kept files and the kernel threads' pidfds."""
        return self._open + len(self.kernel_threads)

    def close(self) -> None:
        self.retain(())
        self.kernel_threads.close()

    def _read(self, pid: int, name: str, entry: tuple[int, int, int]) -> bytes:
        """The file through its descriptor, read whole: with the read size that held it last time (its own
        past _KEEP_SIZE, else the name's), doubled while a read fills it (it may have been cut)."""
        fd, serial, own = entry
        size = own or self._sizes.get(name, _FIRST_READ)
        data = os.pread(fd, size, 0)
        if len(data) < size:
            return data
        while len(data) >= size:
            size *= 2
            data = os.pread(fd, size, 0)
        if size <= _KEEP_SIZE:
            self._sizes[name] = size
        elif serial:  # a kept descriptor: its own size, so that the next read is one pread
            self._kept[pid][name] = (fd, serial, size)
        return data

    def _close(self, pid: int, name: str) -> None:
        kept = self._kept.get(pid)
        entry = kept.pop(name, None) if kept is not None else None
        if entry is not None:
            if not kept:
                del self._kept[pid]
            self._open -= 1
            self.closed += 1
            os.close(entry[0])


def _error(exc: OSError, pid: int, path: str) -> CollectError:
    if exc.errno in _GONE:
        return ProcessGone(f"process {pid} exited")
    return CollectError(f"cannot read {path}: {exc.strerror}")
