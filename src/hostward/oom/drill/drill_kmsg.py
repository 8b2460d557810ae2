"""Which kernel OOM kills happened during a drill, from /dev/kmsg.

/proc/vmstat ``oom_kill`` is host-wide: on a shared host another memory cgroup hitting its own limit at the same
moment moves it too. The kernel logs every kill as ``Memory cgroup out of memory: Killed process PID (comm) ...``
(a memcg OOM, mm/oom_kill.c __oom_kill_process with is_memcg_oom) or ``Out of memory: Killed process ...``
(the whole host ran out), printed right after it counts the kill, so a drill can tell its own kills, other
cgroups' kills and global kills apart. Reading /dev/kmsg needs CAP_SYSLOG (root); without it the drill reports
the host counter unexplained.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from dataclasses import dataclass

from hostward.oom.kernlog.kernlog import split_line

_KILLED = re.compile(r"^(Memory cgroup out of memory|Out of memory)[^:]*: Killed process (\d+) \((.*?)\)")


@dataclass(frozen=True, slots=True)
class KernelKill:
    pid: int
    comm: str
    memcg: bool  # False: a global OOM kill (the host itself ran out of memory)


class KmsgWatch:
    """Opened at the start of a window (positioned at the end of the log); ``kills()`` reads what came since."""

    def __init__(self, path: str = "/dev/kmsg") -> None:
        self.fd: int | None = None
        try:
            self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            os.lseek(self.fd, 0, os.SEEK_END)
        except OSError:
            self.close()

    @property
    def available(self) -> bool:
        return self.fd is not None

    def kills(self) -> list[KernelKill]:
        found: list[KernelKill] = []
        if self.fd is None:
            return found
        while True:
            try:
                record = os.read(self.fd, 8192)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # records overwritten while we read: skip ahead, keep going
                    continue
                break
            if not record:
                break
            line = split_line(record.decode("utf-8", errors="replace").split("\n", 1)[0])
            if line is None:
                continue
            match = _KILLED.match(line.message)
            if match:
                found.append(KernelKill(int(match[2]), match[3], match[1].startswith("Memory cgroup")))
        return found

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None
