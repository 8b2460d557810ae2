"""The processes of /proc listed from a directory descriptor kept open, starting past /proc's fixed entries.

Listing /proc is the largest single system call of the recorder's top processes (issue 17): ~60 µs in a tight
loop, 250-300 µs in a recorder that sleeps a second between samples (caches gone cold). /proc lists its ~60
fixed entries (cpuinfo, sys, self ...) first and then one entry per process, and a directory position past the
fixed ones is a process's: fs/proc/base.c proc_pid_readdir gives the process with the lowest tgid at or above
``position - TGID_OFFSET`` (TGID_OFFSET = FIRST_PROCESS_ENTRY + 2 = 258 since Linux 3.17, 257 before; tgid 0
is never listed). Seeking there lists the processes alone: ~15 % less of the kernel's time, and no names for
Python to filter out.

Only where that is checked to hold: the live /proc, and at first use a listing from the position must be the
same processes as a whole listing through the same descriptor (tried a few times: a process may start or exit
between the two). On any other tree, or when the check fails or a name read from the position is not a
process's, the whole directory is listed (as ProcFS.pids lists it). Either way a listing is of the mount it
counts: /proc is opened first and the descriptor's own mount (fstat) compared with the one last listed, then
listed through that descriptor; the descriptor kept for the position is listed only after a stat of /proc found
the mount it was opened on. When /proc is a mount of its own since the last listing (another pid namespace's
processes, other hidepid= options: another device number), ``mounts`` counts it (a caller drops what it kept of
the old mount's processes), a descriptor kept is dropped and the new mount checked afresh. A mount made after
the stat or the open is the next listing's news: this one is of the old mount, counted as such.
"""

from __future__ import annotations

import os

from hostward.errors import CollectError
from hostward.procfs import ProcFS

FIRST_PROCESS_POSITION = 258  # fs/proc/base.c: TGID_OFFSET (FIRST_PROCESS_ENTRY 256 + "self", "thread-self")
_CHECKS = 3


class ProcListing:
    def __init__(self, procfs: ProcFS) -> None:
        self._fd = -1
        self._path = str(procfs.proc)
        self._device = -1  # st_dev of the mount last listed (each proc mount has its own); -1: none yet
        # Whether the mount was checked (or is a tree that is not the live /proc, listed whole): set afresh at the
        # first listing of each mount (pids).
        self._checked = True
        self.from_position = False  # True once the check passed: pids() lists from FIRST_PROCESS_POSITION
        # New mounts of /proc seen at a listing since the first (descriptors of pids kept elsewhere are of the
        # old mount's processes: a caller drops them when this moved).
        self.mounts = 0

    def pids(self) -> list[int]:
        """The pids listed in /proc, sorted (what ProcFS.pids gives; a CollectError as its when /proc cannot be
        listed)."""
        if self.from_position and self.same_mount():
            # The descriptor kept is of the mount last listed, still /proc's at the stat: its listing is of it.
            pids = _from_position(self._fd)
            if pids is not None:
                return pids
            self._stop()
        fd, device = self._open()  # this descriptor lists its own mount, whatever /proc is by now
        try:
            if device != self._device:  # the first listing, or /proc mounted anew since the last one
                if self._device != -1:
                    self.mounts += 1
                self._stop()  # a descriptor kept lists the old mount's processes
                self._checked = self._path != "/proc"
                self._device = device
            if not self._checked:
                pids = self._check(fd)
                if pids is not None:
                    fd = -1  # kept: listed from the position from now on
                    return pids
            return self._whole(fd)
        finally:
            if fd >= 0:
                os.close(fd)

    def same_mount(self) -> bool:
        """Whether /proc is still the mount last listed (one stat, ~1 µs): a caller that keeps a listing
        asks this before it serves the listing again."""
        return self._device != -1 and self._mount_device() == self._device

    def _check(self, fd: int) -> list[int] | None:
        """The listing from the position through ``fd`` when it is what a whole listing through ``fd`` gives
        (then ``fd`` is kept and listed from the position from now on); None when it is not."""
        self._checked = True
        for _ in range(_CHECKS):
            listed = _from_position(fd)
            if listed is not None and listed == self._whole(fd):
                self._stop()
                self._fd, self.from_position = fd, True
                return listed
        return None

    def _open(self) -> tuple[int, int]:
        """A descriptor of /proc's directory and its mount's device (st_dev)."""
        try:
            fd = os.open(self._path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as exc:
            raise self._unlisted(exc) from exc
        try:
            return fd, os.fstat(fd).st_dev
        except OSError as exc:
            os.close(fd)
            raise self._unlisted(exc) from exc

    def _whole(self, fd: int) -> list[int]:
        """Every process entry of the directory ``fd`` is open on, sorted (as ProcFS.pids; a name of digits that
        int() refuses, "²", is not a process's either)."""
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            names = os.listdir(fd)
        except OSError as exc:
            raise self._unlisted(exc) from exc
        return sorted(map(int, filter(str.isdecimal, names)))

    def _unlisted(self, exc: OSError) -> CollectError:
        return CollectError(f"cannot list {self._path}: {exc.strerror}")

    def _mount_device(self) -> int:
        try:
            return os.stat(self._path).st_dev
        except OSError:
            return -2  # not there: never the last mount's; the open says why

    def _stop(self) -> None:
        self.from_position = False
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def close(self) -> None:
        self._stop()


def _from_position(fd: int) -> list[int] | None:
    """The entries of the directory ``fd`` is open on from FIRST_PROCESS_POSITION on, as sorted pids; None when
    one is not a pid's or the directory cannot be read. (os.listdir of a descriptor reads from its position and
    rewinds it after.)"""
    try:
        os.lseek(fd, FIRST_PROCESS_POSITION, os.SEEK_SET)
        names = os.listdir(fd)
    except OSError:
        return None
    if not all(map(str.isdecimal, names)):  # isdecimal, not isdigit: "²" is a digit that int() refuses
        return None
    return sorted(map(int, names))
