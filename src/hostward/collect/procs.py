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
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from hostward.collect._records import maker
from hostward.digits import is_digits
from hostward.errors import CollectError, ProcessGone
from hostward.frozen import field_names, frozen
from hostward.procfs import ProcFS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Protocol

    class PidReader(Protocol):
        """What reading a process needs of ProcFS (the recorder passes its descriptors kept open:
        recorder/pidfiles.py)."""

        def read_pid(self, pid: int, name: str) -> str: ...

        def read_pid_bytes(self, pid: int, name: str) -> bytes: ...

        def pid_path(self, pid: int, name: str = "") -> Path: ...


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# include/linux/sched.h: the task is a kernel thread (stat field 9, "flags").
PF_KTHREAD = 0x00200000
# include/uapi/linux/capability.h
CAP_SYS_ADMIN = 21
CAP_SYS_RESOURCE = 24


@frozen
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


@frozen
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


@frozen
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


# The three records in field order, built without keyword dicts and setattr calls (collect/_records.py): the
# recorder builds them for each of its top processes at every sample.
_make_stat = maker(StatFields, (), field_names(StatFields))
_make_status = maker(StatusFields, (), field_names(StatusFields))
_make_info = maker(ProcessInfo, (), field_names(ProcessInfo))


def parse_stat(text: str) -> StatFields:
    """Parse /proc/PID/stat. The name is between the first '(' and the *last* ')': it may contain ')' itself."""
    open_at = text.find("(")
    close_at = text.rfind(")")
    if open_at < 0 or close_at < open_at:
        raise CollectError(f"unexpected /proc/PID/stat format: {text[:80]!r}")
    try:
        pid = int(text[:open_at])
        # rest[0] is field 3 (state); split no further than field 24 (rss), the last one used
        rest = text[close_at + 2 :].split(None, 22)
        stat: StatFields = _make_stat(
            (),
            0,
            pid,
            text[open_at + 1 : close_at],
            rest[0],
            int(rest[1]),
            int(rest[6]),
            int(rest[11]),
            int(rest[12]),
            int(rest[16]),
            int(rest[19]),
            int(rest[20]),
            int(rest[21]),
        )
        return stat
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
# "\n" + the text: a wanted key at the start of a line, ":", and the rest of that line. Starting with a literal
# lets the regular-expression engine jump from line to line (a fast search for "\n") instead of trying every
# position, as a "^" in MULTILINE mode made it: 8.6 -> 3.6 us for a process's status on the test VMs.
_STATUS_LINE = re.compile("\n(" + "|".join(sorted(_STATUS_KEYS)) + "):([^\n]*)")


def _status_fields(text: str) -> dict[str, str]:
    """The wanted "Key:" lines of /proc/PID/status, values stripped; lines end at "\\n" only, and of a key
    written twice (the kernel writes each once) the last line counts, as in a line-by-line reading. The
    recorder parses this for each of its top processes every sample (issue 17)."""
    return {key: value.strip() for key, value in _STATUS_LINE.findall("\n" + text)}


def _kb(value: str | None) -> int | None:
    """A stripped "N kB" value in bytes; None for a line the kernel did not write."""
    if value is None:
        return None
    number, _, unit = value.partition(" ")
    if unit.strip() not in ("kB", ""):
        raise ValueError(value)
    return int(number) * 1024


def parse_status(text: str) -> StatusFields:
    """Parse /proc/PID/status ("Key:\\tvalue" lines). Missing Vm* lines (no mm) become None."""
    fields = _status_fields(text)
    get = fields.get
    try:
        uids = fields["Uid"].split()
        kthread = get("Kthread")
        status: StatusFields = _make_status(
            (),
            0,
            get("Name", ""),
            int(fields["Tgid"]),
            int(uids[0]),
            int(uids[1]),
            None if kthread is None else kthread == "1",
            _kb(get("VmSize")),
            _kb(get("VmRSS")),
            _kb(get("RssAnon")),
            _kb(get("RssFile")),
            _kb(get("RssShmem")),
            _kb(get("VmSwap")),
            _kb(get("VmPTE")),
            int(get("CapEff", "0"), 16),
            int(get("Threads", "1")),
        )
        return status
    except (KeyError, ValueError, IndexError) as exc:
        raise CollectError(f"unexpected /proc/PID/status format ({exc})") from exc


def parse_cmdline(raw: bytes) -> tuple[str, ...]:
    """NUL-separated arguments; bytes that are not UTF-8 are kept as surrogate escapes (never lost)."""
    if not raw:
        return ()
    # Decoded whole, then split: a NUL byte decodes to "\0" and nothing else does (no UTF-8 sequence holds a 0
    # byte, and an undecodable byte becomes a lone surrogate), so this is the per-argument decoding in one call.
    return tuple(raw.rstrip(b"\0").decode("utf-8", errors="surrogateescape").split("\0"))


@lru_cache(maxsize=1024)
def user_name(uid: int) -> str:
    """Login name for a uid, or the number when there is none (containers, deleted users)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def read_process(
    procfs: PidReader,
    pid: int,
    *,
    with_cmdline: bool = True,
    with_score: bool = True,
    cmdline_filter: Callable[[Sequence[str]], tuple[str, ...]] | None = None,
) -> ProcessInfo:
    """Sample one process. Raises ProcessGone when it exits while being read. ``cmdline_filter``: what the
    arguments go through before they are kept (the recorder's collect.redact.Redactor).

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
    if cmdline_filter is not None:
        cmdline = cmdline_filter(cmdline)
    kthread = status.kthread if status.kthread is not None else bool(stat.flags & PF_KTHREAD)
    return _info(
        pid,
        ppid=stat.ppid,
        comm=stat.comm,
        state=stat.state,
        start_ticks=stat.start_ticks,
        kthread=kthread,
        status=status,
        adj=adj,
        score=score,
        cmdline=cmdline,
    )


def read_process_again(
    procfs: PidReader,
    pid: int,
    start_ticks: int,
    *,
    cmdline_filter: Callable[[Sequence[str]], tuple[str, ...]] | None = None,
) -> ProcessInfo | None:
    """``read_process`` of a process read before, whose start time the caller kept (it never changes): the
    rest of what /proc/PID/stat gives (parent, name, state, the kernel-thread flag) is in /proc/PID/status
    too, so stat is not read (the recorder reads its top processes at every sample). None when the status
    text cannot stand in for stat exactly (``process_again``); the caller then uses ``read_process``.

    The caller must know that ``pid`` is still the process whose start time it kept (recorder/pidfiles.py:
    descriptors bound to the process)."""
    status = procfs.read_pid_bytes(pid, "status")
    adj = procfs.read_pid_bytes(pid, "oom_score_adj")
    score = procfs.read_pid_bytes(pid, "oom_score")
    cmdline = procfs.read_pid_bytes(pid, "cmdline")
    return process_again(
        pid,
        start_ticks,
        status,
        oom_score_adj=adj,
        oom_score=score,
        cmdline=cmdline,
        cmdline_filter=cmdline_filter,
    )


def process_again(
    pid: int,
    start_ticks: int,
    status: bytes,
    *,
    oom_score_adj: bytes,
    oom_score: bytes,
    cmdline: bytes,
    cmdline_filter: Callable[[Sequence[str]], tuple[str, ...]] | None = None,
) -> ProcessInfo | None:
    """The record ``read_process_again`` builds from the four files' contents, read in this order (a pure
    function of them). None when the status text cannot stand in for stat exactly: no "Kthread:" line (kernels
    before 6.x), a leader without memory whose threads run, lines not as the kernel writes them."""
    text = status.decode("utf-8", errors="surrogateescape")
    identity = _status_identity(text)
    if identity is None:
        return None
    comm, state, ppid = identity
    fields = parse_status(text)
    if fields.kthread is None or (fields.rss_bytes is None and fields.threads > 1):
        return None
    adj = int(oom_score_adj.decode("utf-8", errors="surrogateescape"))
    score = int(oom_score.decode("utf-8", errors="surrogateescape"))
    arguments = parse_cmdline(cmdline)
    if cmdline_filter is not None:
        arguments = cmdline_filter(arguments)
    return _info(
        pid,
        ppid=ppid,
        comm=comm,
        state=state,
        start_ticks=start_ticks,
        kthread=fields.kthread,
        status=fields,
        adj=adj,
        score=score,
        cmdline=arguments,
    )


# The end of /proc/PID/status as fs/proc/array.c writes it (task_context_switch_counts, last since 2.6.23): two
# counters that move whenever the process runs and that no record here uses.
_SWITCHES = re.compile(rb"\nvoluntary_ctxt_switches:\t[0-9]+\nnonvoluntary_ctxt_switches:\t[0-9]+\n\Z")


def status_without_switches(status: bytes) -> bytes:
    """/proc/PID/status without its two closing context-switch lines when it ends with them, else whole: the
    part ``process_again`` reads (no wanted key is on those lines), so two texts with the same such part give
    the same record. The recorder compares it from one sample to the next to skip parsing an idle process."""
    at = status.rfind(b"\nvoluntary_ctxt_switches:")
    if at >= 0 and _SWITCHES.match(status, at) is not None:
        return status[:at]
    return status


# Lines process_again reads (Name, State and PPid for stat's fields, the rest through _STATUS_LINE).
@lru_cache(maxsize=1)
def _read_line() -> re.Pattern[bytes]:  # compiled on first use, as the other parsers' (start-up)
    return re.compile(
        b"\n(?:" + b"|".join(k.encode() for k in sorted(_STATUS_KEYS | {"State", "PPid"})) + b"):"
    )


def status_for_again(status: bytes) -> bytes:
    """``status_without_switches``, also without the signal lines (fs/proc/array.c task_sig: SigQ, SigPnd,
    ShdPnd, SigBlk, SigIgn, SigCgt, written before CapInh) when no line between holds a key ``process_again``
    reads: the queued-signal count and the masks move while nothing recorded does (the only change in a third
    of the winners parsed again on a busy host, measured). Whole lines are cut at "\\n", so two texts with the
    same result give the same record, as with ``status_without_switches``."""
    body = status_without_switches(status)
    at = body.find(b"\nSigQ:")
    if at < 0:
        return body
    end = body.find(b"\nCapInh:", at)
    if end < 0 or _read_line().search(body, at, end) is not None:
        return body
    return body[:at] + body[end:]


# fs/proc/array.c proc_task_name(): status escapes exactly two characters of the name, "\n" as "\\n" and "\\" as
# "\\\\", where stat prints it raw (checked on 6.18 with names set by prctl(PR_SET_NAME)).
_KERNEL_NAME = re.compile(r"(?:[^\\]|\\[n\\])*", re.DOTALL)
_NAME_ESCAPE = re.compile(r"\\([n\\])")
_UNESCAPED = {"n": "\n", "\\": "\\"}


def _status_identity(text: str) -> tuple[str, str, int] | None:
    """(comm, state, ppid) as /proc/PID/stat gives them, from the Name, State and PPid lines of
    /proc/PID/status (the same task fields, task_state()); None when the text is not as the kernel writes it."""
    end = text.find("\n")
    if end < 0 or not text.startswith("Name:\t"):
        return None
    state_at = text.find("\nState:\t", end)
    ppid_at = text.find("\nPPid:\t", end)
    if state_at < 0 or ppid_at < 0 or state_at + 9 >= len(text):
        return None
    ppid_end = text.find("\n", ppid_at + 7)
    ppid = text[ppid_at + 7 : ppid_end if ppid_end >= 0 else None]
    if not is_digits(ppid):
        return None
    name = text[6:end]
    if "\\" in name:
        if _KERNEL_NAME.fullmatch(name) is None:
            return None
        name = _NAME_ESCAPE.sub(lambda m: _UNESCAPED[m[1]], name)
    return name, text[state_at + 8], int(ppid)


def _info(
    pid: int,
    *,
    ppid: int,
    comm: str,
    state: str,
    start_ticks: int,
    kthread: bool,
    status: StatusFields,
    adj: int,
    score: int | None,
    cmdline: tuple[str, ...],
) -> ProcessInfo:
    info: ProcessInfo = _make_info(
        (),
        0,
        pid,
        ppid,
        comm,
        state,
        cmdline,
        status.uid,
        user_name(status.uid),
        kthread,
        status.rss_bytes is not None and not kthread,
        status.rss_bytes or 0,
        status.swap_bytes or 0,
        status.pgtables_bytes or 0,
        status.vm_size_bytes or 0,
        adj,
        score,
        start_ticks,
        bool(status.cap_eff >> CAP_SYS_ADMIN & 1),
        bool(status.cap_eff >> CAP_SYS_RESOURCE & 1),
    )
    return info


def _live_thread_status(procfs: PidReader, pid: int, leader: StatusFields) -> StatusFields:
    """A thread-group leader that exited while other threads run has no mm of its own; the kernel's
    find_lock_task_mm() then uses the first thread that still has one, and so do we."""
    try:
        tids = sorted(int(t) for t in os.listdir(procfs.pid_path(pid, "task")) if is_digits(t))
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
