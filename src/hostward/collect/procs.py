"""Per-process collector: pure parsers of /proc/PID/{stat,status,cmdline} text, then a sampler over ProcFS.

The records carry exactly what the kernel's OOM badness uses (mm/oom_kill.c oom_badness: resident pages, swap
entries, page-table bytes, oom_score_adj) plus what a person needs to recognise a process. The recorder keeps the
top processes by RSS from the same records.

Units: ``/proc/PID/status`` prints ``VmRSS``/``VmSwap``/``VmPTE`` in kB (fs/proc/task_mmu.c task_mem, counters
shifted by ``PAGE_SHIFT - 10``), so the byte values here are exact multiples of the page size.
"""

from __future__ import annotations

import os
import pwd
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from hostward.errors import CollectError, ProcessGone
from hostward.procfs import ProcFS

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# include/linux/sched.h: the task is a kernel thread (stat field 9, "flags").
PF_KTHREAD = 0x00200000
# include/uapi/linux/capability.h
CAP_SYS_ADMIN = 21
CAP_SYS_RESOURCE = 24


@dataclass(frozen=True, slots=True)
class StatFields:
    """The fields of /proc/PID/stat hostward uses (proc(5) numbering in the comments)."""

    pid: int  # (1)
    comm: str  # (2) raw task name, may hold spaces, parentheses, newlines
    state: str  # (3)
    ppid: int  # (4)
    flags: int  # (9) PF_* flags
    utime_ticks: int  # (14)
    stime_ticks: int  # (15)
    nice: int  # (19)
    start_ticks: int  # (22) clock ticks after boot
    vsize_bytes: int  # (23)
    rss_pages: int  # (24)


@dataclass(frozen=True, slots=True)
class StatusFields:
    """The fields of /proc/PID/status hostward uses. Memory fields are None when the task has no mm."""

    name: str  # escaped by the kernel (\\n, \\t, \\\\)
    tgid: int
    uid: int  # real uid
    euid: int
    kthread: bool | None  # "Kthread:" line, since 6.x; None on older kernels
    vm_size_bytes: int | None
    rss_bytes: int | None
    rss_anon_bytes: int | None
    rss_file_bytes: int | None
    rss_shmem_bytes: int | None
    swap_bytes: int | None
    pgtables_bytes: int | None
    cap_eff: int
    threads: int


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """One process as the OOM killer and a person see it."""

    pid: int
    ppid: int
    comm: str
    state: str
    cmdline: tuple[str, ...]  # arguments; empty for kernel threads and zombies
    uid: int
    user: str
    kernel_thread: bool
    has_mm: bool  # False for kernel threads, zombies and exiting tasks: the kernel skips them
    rss_bytes: int
    swap_bytes: int
    pgtables_bytes: int
    vm_size_bytes: int
    oom_score_adj: int
    oom_score: int | None  # the kernel's own /proc/PID/oom_score at sampling time
    start_ticks: int
    cap_sys_admin: bool
    cap_sys_resource: bool

    @property
    def command(self) -> str:
        """The full command line, or ``[comm]`` as ps shows tasks without one."""
        return " ".join(self.cmdline) if self.cmdline else f"[{self.comm}]"


def parse_stat(text: str) -> StatFields:
    """Parse /proc/PID/stat. The name is between the first '(' and the *last* ')': it may contain ')' itself."""
    open_at = text.find("(")
    close_at = text.rfind(")")
    if open_at < 0 or close_at < open_at:
        raise CollectError(f"unexpected /proc/PID/stat format: {text[:80]!r}")
    try:
        pid = int(text[:open_at])
        rest = text[close_at + 2 :].split()
        # rest[0] is field 3 (state)
        return StatFields(
            pid=pid,
            comm=text[open_at + 1 : close_at],
            state=rest[0],
            ppid=int(rest[1]),
            flags=int(rest[6]),
            utime_ticks=int(rest[11]),
            stime_ticks=int(rest[12]),
            nice=int(rest[16]),
            start_ticks=int(rest[19]),
            vsize_bytes=int(rest[20]),
            rss_pages=int(rest[21]),
        )
    except (ValueError, IndexError) as exc:
        raise CollectError(f"unexpected /proc/PID/stat format: {text[:80]!r}") from exc


_STATUS_KEYS = frozenset(
    [
        "Name",
        "Tgid",
        "Uid",
        "Kthread",
        "VmSize",
        "VmRSS",
        "RssAnon",
        "RssFile",
        "RssShmem",
        "VmSwap",
        "VmPTE",
        "CapEff",
        "Threads",
    ]
)


_STATUS_LINE = re.compile("^(" + "|".join(sorted(_STATUS_KEYS)) + "):(.*)$", re.MULTILINE)


def _kb(value: str) -> int:
    number, _, unit = value.strip().partition(" ")
    if unit.strip() not in ("kB", ""):
        raise ValueError(value)
    return int(number) * 1024


def parse_status(text: str) -> StatusFields:
    """Parse /proc/PID/status ("Key:\\tvalue" lines). Missing Vm* lines (no mm) become None."""
    # One regular-expression pass picks the 13 lines wanted out of ~55: the recorder parses this for each of
    # its top processes every sample, and a Python loop over every line was half of that cost (issue 17).
    fields = {key: value.strip() for key, value in _STATUS_LINE.findall(text)}
    try:
        uids = fields["Uid"].split()

        def mem(key: str) -> int | None:
            return _kb(fields[key]) if key in fields else None

        kthread = fields.get("Kthread")
        return StatusFields(
            name=fields.get("Name", ""),
            tgid=int(fields["Tgid"]),
            uid=int(uids[0]),
            euid=int(uids[1]),
            kthread=None if kthread is None else kthread == "1",
            vm_size_bytes=mem("VmSize"),
            rss_bytes=mem("VmRSS"),
            rss_anon_bytes=mem("RssAnon"),
            rss_file_bytes=mem("RssFile"),
            rss_shmem_bytes=mem("RssShmem"),
            swap_bytes=mem("VmSwap"),
            pgtables_bytes=mem("VmPTE"),
            cap_eff=int(fields.get("CapEff", "0"), 16),
            threads=int(fields.get("Threads", "1")),
        )
    except (KeyError, ValueError, IndexError) as exc:
        raise CollectError(f"unexpected /proc/PID/status format ({exc})") from exc


def parse_cmdline(raw: bytes) -> tuple[str, ...]:
    """NUL-separated arguments; bytes that are not UTF-8 are kept as surrogate escapes (never lost)."""
    if not raw:
        return ()
    return tuple(part.decode("utf-8", errors="surrogateescape") for part in raw.rstrip(b"\0").split(b"\0"))


@lru_cache(maxsize=1024)
def user_name(uid: int) -> str:
    """Login name for a uid, or the number when there is none (containers, deleted users)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


class PidReader(Protocol):
    """What reading a process needs of ProcFS (the recorder passes its descriptors kept open:
    recorder/pidfiles.py)."""

    def read_pid(self, pid: int, name: str) -> str: ...

    def read_pid_bytes(self, pid: int, name: str) -> bytes: ...

    def pid_path(self, pid: int, name: str = "") -> Path: ...


def read_process(
    procfs: PidReader, pid: int, *, with_cmdline: bool = True, with_score: bool = True
) -> ProcessInfo:
    """Sample one process. Raises ProcessGone when it exits while being read.

    ``status`` is read before ``oom_score`` so the two are as close in time as two reads can be; callers that
    compare them (hostward oom top) re-read a process whose memory moved in between.
    """
    stat = parse_stat(procfs.read_pid(pid, "stat"))
    status = parse_status(procfs.read_pid(pid, "status"))
    if status.rss_bytes is None and status.threads > 1:
        status = _live_thread_status(procfs, pid, status)
    adj = int(procfs.read_pid(pid, "oom_score_adj"))
    score = int(procfs.read_pid(pid, "oom_score")) if with_score else None
    cmdline = parse_cmdline(procfs.read_pid_bytes(pid, "cmdline")) if with_cmdline else ()
    kthread = status.kthread if status.kthread is not None else bool(stat.flags & PF_KTHREAD)
    return ProcessInfo(
        pid=pid,
        ppid=stat.ppid,
        comm=stat.comm,
        state=stat.state,
        cmdline=cmdline,
        uid=status.uid,
        user=user_name(status.uid),
        kernel_thread=kthread,
        has_mm=status.rss_bytes is not None and not kthread,
        rss_bytes=status.rss_bytes or 0,
        swap_bytes=status.swap_bytes or 0,
        pgtables_bytes=status.pgtables_bytes or 0,
        vm_size_bytes=status.vm_size_bytes or 0,
        oom_score_adj=adj,
        oom_score=score,
        start_ticks=stat.start_ticks,
        cap_sys_admin=bool(status.cap_eff >> CAP_SYS_ADMIN & 1),
        cap_sys_resource=bool(status.cap_eff >> CAP_SYS_RESOURCE & 1),
    )


def _live_thread_status(procfs: PidReader, pid: int, leader: StatusFields) -> StatusFields:
    """A thread-group leader that exited while other threads run has no mm of its own; the kernel's
    find_lock_task_mm() then uses the first thread that still has one, and so do we."""
    try:
        tids = sorted(int(t) for t in os.listdir(procfs.pid_path(pid, "task")) if t.isdigit())
    except OSError:
        return leader
    for tid in tids:
        try:
            thread = parse_status(procfs.read_pid(pid, f"task/{tid}/status"))
        except ProcessGone:
            continue
        if thread.rss_bytes is not None:
            return thread
    return leader


def sample_processes(
    procfs: ProcFS,
    pids: Iterable[int] | None = None,
    *,
    with_cmdline: bool = True,
    with_score: bool = True,
    unreadable: list[int] | None = None,
) -> list[ProcessInfo]:
    """Every process alive during the scan, in /proc order. Processes that exit meanwhile are left out; those
    whose files cannot be read (``hidepid=1``, odd kernels) are left out too and their pids appended to
    ``unreadable`` when given, so callers can say so."""
    result: list[ProcessInfo] = []
    for pid in procfs.pids() if pids is None else pids:
        try:
            result.append(read_process(procfs, pid, with_cmdline=with_cmdline, with_score=with_score))
        except ProcessGone:
            continue
        except CollectError:
            if unreadable is not None:
                unreadable.append(pid)
    return result


def top_by_rss(processes: Iterable[ProcessInfo], count: int) -> list[ProcessInfo]:
    """The ``count`` largest processes by resident memory (what the recorder keeps for post-mortems)."""
    return sorted(processes, key=lambda p: (-p.rss_bytes, p.pid))[:count]
