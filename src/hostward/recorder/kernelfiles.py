"""Kernel files kept open and re-read with ``pread(fd, n, 0)``.

Every /proc file the recorder samples is a seq_file: reading it from offset 0 makes the kernel generate the
content afresh, so the descriptor can stay open for the life of the recorder. That saves the path lookup,
the open and close system calls and, above all, CPython's text I/O stack around each of them: about 200 µs
of CPU per sample on the 2-vCPU test VMs (half the recorder's sampling cost). sadc opens its files each time.

A descriptor stays bound to what it was opened on: /proc/net/dev to the recorder's network namespace, which is
what we want (sadc behaves the same). A read error closes the descriptor; the next read reopens it.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from hostward.errors import CollectError

_UNAVAILABLE = (errno.EINVAL, errno.ENODEV, errno.EOPNOTSUPP, errno.ENOTSUP)  # as ProcFS.read_optional
_FIRST_READ = 16384


class KernelFiles:
    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self._fds: dict[str, int] = {}
        self._sizes: dict[str, int] = {}

    @property
    def open_count(self) -> int:
        return len(self._fds)

    def read(self, relpath: str) -> str:
        """The current content of ``<root>/<relpath>``; CollectError when it is missing or unreadable."""
        text = self.read_optional(relpath)
        if text is None:
            raise CollectError(f"cannot read {self.root}/{relpath}: not available on this kernel")
        return text

    def read_optional(self, relpath: str) -> str | None:
        """Like ``read`` but None when the kernel does not offer the file (no PSI, an interface that is down)."""
        fd = self._fds.get(relpath)
        if fd is None:
            fd = self._open(relpath)
            if fd is None:
                return None
        size = self._sizes.get(relpath, _FIRST_READ)
        try:
            data = os.pread(fd, size, 0)
            if len(data) >= size:  # the content may have been cut: read again with room to spare
                while len(data) >= size:
                    size *= 2
                    data = os.pread(fd, size, 0)
                self._sizes[relpath] = size
        except OSError as exc:
            self._forget(relpath)
            if exc.errno in _UNAVAILABLE:
                return None
            raise CollectError(f"cannot read {self.root}/{relpath}: {exc.strerror}") from exc
        return data.decode("utf-8", errors="surrogateescape")

    def _open(self, relpath: str) -> int | None:
        path = f"{self.root}/{relpath}"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno in _UNAVAILABLE:
                return None
            raise CollectError(f"cannot read {path}: {exc.strerror}") from exc
        self._fds[relpath] = fd
        return fd

    def _forget(self, relpath: str) -> None:
        fd = self._fds.pop(relpath, None)
        if fd is not None:
            os.close(fd)

    def close(self) -> None:
        for relpath in list(self._fds):
            self._forget(relpath)
