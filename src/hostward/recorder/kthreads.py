"""The kernel threads among the listed pids, recognised once and then skipped by the recorder's ranking.

About half of a typical process listing is kernel threads (61 of 104 on the 2-vCPU test VMs). Ranking by RSS
read /proc/PID/statm of each of them at every sample to learn what never changes: a kernel thread has no
memory of its own (statm prints zeros; fs/proc/array.c proc_pid_statm uses get_task_mm, NULL for PF_KTHREAD)
and stays a kernel thread until it exits. A thread is recognised once, from the PF_KTHREAD flag of
/proc/PID/stat (field 9), and a pidfd (pidfd_open(2), Linux 5.3) is kept for it in one epoll set.

Pid reuse: a pidfd belongs to its process, not to the number, and turns readable when that process exits.
Every ranking first collects the exited ones (one epoll_wait with a zero timeout, after the listing) and
forgets them, so a pid that a new process took is read again. The pidfd is opened before the flags are read:
if the process it names is still running at the next check, the flags read in between were its own.

Only for the live /proc (a fixture tree's pids are not this system's processes), and within the descriptor
budget the caller gives; without pidfd_open or epoll every pid is simply read each time, as before.
"""

from __future__ import annotations

import errno
import os
import select
from collections.abc import Iterable

from hostward.collect.procs import PF_KTHREAD


class KernelThreads:
    def __init__(self, proc_root: str) -> None:
        self.proc_root = proc_root
        self._by_pid: dict[int, int] = {}  # pid -> pidfd
        self._by_fd: dict[int, int] = {}  # pidfd -> pid
        self._epoll: select.epoll | None = None
        self.enabled = proc_root == "/proc" and hasattr(os, "pidfd_open") and hasattr(select, "epoll")

    @property
    def pids(self) -> dict[int, int]:
        """pid -> pidfd of the kernel threads known now (read-only view for the ranking loop)."""
        return self._by_pid

    def __len__(self) -> int:
        return len(self._by_pid)

    def forget_exited(self) -> None:
        """Drop the threads that exited since the last call: their pid may be another process's now."""
        if self._epoll is None or not self._by_fd:
            return
        for fd, _events in self._epoll.poll(0):
            self._drop(self._by_fd[fd])

    def retain(self, pids: Iterable[int]) -> None:
        """Forget the threads whose pid is no longer listed."""
        if not self._by_pid:
            return
        for pid in self._by_pid.keys() - pids:  # a set operation at C speed
            self._drop(pid)

    def check(self, pid: int) -> bool:
        """True when ``pid`` is a kernel thread (remembered from now on); False when it is not, is gone, or
        cannot be told (then it is asked again at the next ranking)."""
        if not self.enabled:
            return False
        try:
            pidfd = os.pidfd_open(pid)
        except OSError as exc:
            if exc.errno in (errno.ENOSYS, errno.EPERM):  # no pidfd_open (old kernel, seccomp filter)
                self.enabled = False
            return False
        if not _is_kernel_thread(f"{self.proc_root}/{pid}/stat"):
            os.close(pidfd)
            return False
        try:
            if self._epoll is None:
                self._epoll = select.epoll()
            self._epoll.register(pidfd, select.EPOLLIN)
        except OSError:
            os.close(pidfd)
            self.enabled = False
            return False
        self._by_pid[pid] = pidfd
        self._by_fd[pidfd] = pid
        return True

    def close(self) -> None:
        for pid in list(self._by_pid):
            self._drop(pid)
        if self._epoll is not None:
            self._epoll.close()
            self._epoll = None

    def _drop(self, pid: int) -> None:
        pidfd = self._by_pid.pop(pid)
        del self._by_fd[pidfd]
        os.close(pidfd)  # the last reference: the kernel takes it out of the epoll set


def _is_kernel_thread(path: str) -> bool:
    """The PF_KTHREAD flag of /proc/PID/stat; False when it cannot be read or parsed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    finally:
        os.close(fd)
    # The name (field 2) is between the first "(" and the last ")" and may hold anything; flags is the 7th
    # field after it.
    rest = data[data.rfind(b")") + 2 :].split(None, 7)
    try:
        return bool(int(rest[6]) & PF_KTHREAD)
    except (ValueError, IndexError):
        return False
