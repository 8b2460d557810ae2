"""The processes of /proc listed from a directory descriptor kept open, starting past /proc's fixed entries.

Listing /proc is the largest single system call of the recorder's top processes (issue 17): ~60 µs in a tight
loop, 250-300 µs in a recorder that sleeps a second between samples (caches gone cold). /proc lists its ~60
fixed entries (cpuinfo, sys, self ...) first and then one entry per process, and a directory position past the
fixed ones is a process's: fs/proc/base.c proc_pid_readdir gives the process with the lowest tgid at or above
``position - TGID_OFFSET`` (TGID_OFFSET = FIRST_PROCESS_ENTRY + 2 = 258 since Linux 3.17, 257 before; tgid 0
is never listed). Seeking there lists the processes alone: ~15 % less of the kernel's time, and no names for
Python to filter out.

Only where that is checked to hold: the live /proc, and at first use a listing from the position must be the
same processes as a whole listing (tried a few times: a process may start or exit between the two). On any
other tree, or when the check fails or a name read from the position is not a process's, the whole
directory is listed (ProcFS.pids), as before. Either way a listing is of the mount /proc is at that moment:
when /proc is a mount of its own since the last listing (another pid namespace's processes, other hidepid=
options: another device number), ``mounts`` counts it (a caller drops what it kept of the old mount's
processes), a descriptor kept is dropped and the new mount checked afresh.
"""

from __future__ import annotations

import os

from hostward.procfs import ProcFS

FIRST_PROCESS_POSITION = 258  # fs/proc/base.c: TGID_OFFSET (FIRST_PROCESS_ENTRY 256 + "self", "thread-self")
_CHECKS = 3


class ProcListing:
    def __init__(self, procfs: ProcFS) -> None:
        self.procfs = procfs
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
        """The pids listed in /proc, sorted (what ProcFS.pids gives; its CollectError when /proc cannot be
        listed)."""
        device = self._mount_device()
        if device != self._device:  # the first listing, or /proc mounted anew since the last one
            if self._device != -1:
                self.mounts += 1
            self._stop()  # a descriptor kept lists the old mount's processes
            self._checked = self._path != "/proc"
            self._device = device
        if self.from_position:
            pids = self._from_position()
            if pids is not None:
                return pids
            self._stop()
        elif not self._checked and self._check():
            return self.pids()
        return self.procfs.pids()

    def same_mount(self) -> bool:
        """Whether /proc is still the mount last listed (one stat, ~1 µs): a caller that keeps a listing
        asks this before it serves the listing again."""
        return self._device != -1 and self._mount_device() == self._device

    def _check(self) -> bool:
        """Whether listing from the position gives what a whole listing gives (then used from now on)."""
        self._checked = True
        try:
            self._fd = os.open(self._path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            opened = os.fstat(self._fd).st_dev
        except OSError:
            self._stop()
            return False
        if opened != self._device:  # mounted anew between the stat and the open: the next listing sees it
            self._stop()
            self._checked = False
            return False
        for _ in range(_CHECKS):
            listed = self._from_position()
            if listed is not None and listed == self.procfs.pids():
                self.from_position = True
                return True
        self._stop()
        return False

    def _mount_device(self) -> int:
        try:
            return os.stat(self._path).st_dev
        except OSError:
            return -2  # not there: never the last mount's; ProcFS.pids says why

    def _from_position(self) -> list[int] | None:
        """The entries from FIRST_PROCESS_POSITION on, as sorted pids; None when one is not a pid's or the
        directory cannot be read. (os.listdir of a descriptor reads from its position and rewinds it after.)"""
        try:
            os.lseek(self._fd, FIRST_PROCESS_POSITION, os.SEEK_SET)
            names = os.listdir(self._fd)
        except OSError:
            return None
        if not all(map(str.isdigit, names)):
            return None
        try:
            return sorted(map(int, names))
        except ValueError:  # a digit that int() refuses ("²"): not a kernel's pid
            return None

    def _stop(self) -> None:
        self.from_position = False
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def close(self) -> None:
        self._stop()
