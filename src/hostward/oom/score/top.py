"""Rank processes the way the OOM killer would, by badness in pages, next to the kernel's /proc/PID/oom_score.

A global OOM kill walks every thread-group leader (mm/oom_kill.c select_bad_process -> oom_evaluate_task),
skips the ineligible ones (oom_unkillable_task: global init and kernel threads; no mm; oom_score_adj -1000;
MMF_OOM_SKIP; in vfork) and keeps the highest badness; on a tie the task seen *later* wins, because only a
strictly lower score is skipped. Tasks are walked in fork order (the init_task.tasks list), so "later" means
"started later".
"""

from __future__ import annotations

import enum

from hostward.collect.procs import PAGE_SIZE, ProcessInfo, parse_cmdline, read_process, sample_processes
from hostward.errors import CollectError, ProcessGone
from hostward.frozen import frozen, replace
from hostward.oom.score.score import Badness, BadnessInput, Era, badness, era_for, parse_kernel_release
from hostward.procfs import ProcFS


class Eligibility(enum.Enum):
    KILLABLE = "killable"
    KERNEL_THREAD = "kernel thread"  # PF_KTHREAD: oom_unkillable_task
    GLOBAL_INIT = "global init"  # is_global_init: pid 1 of the initial pid namespace
    NO_MM = "no memory"  # zombie or exiting: find_lock_task_mm finds no thread with an mm
    EXEMPT = "exempt (-1000)"  # oom_score_adj == OOM_SCORE_ADJ_MIN
    KERNEL_SKIPS = "skipped by kernel"  # kernel reports 0 although eligible to us: in vfork or MMF_OOM_SKIP


@frozen
class RankedProcess:
    info: ProcessInfo
    eligibility: Eligibility
    badness: Badness
    share_of_memory: float  # (rss + swap + page tables) / (RAM + swap)

    @property
    def computed_score(self) -> int:
        return self.badness.proc_score

    @property
    def matches_kernel(self) -> bool | None:
        """Computed /proc value equals the kernel's (None when the kernel value was not read)."""
        if self.info.oom_score is None:
            return None
        return self.info.oom_score == self.badness.proc_score


@frozen
class MemoryTotals:
    ram_pages: int  # totalram_pages(): MemTotal
    swap_pages: int  # total_swap_pages: SwapTotal
    page_size: int

    @property
    def totalpages(self) -> int:
        """What proc_oom_score and a global OOM use: totalram_pages() + total_swap_pages."""
        return self.ram_pages + self.swap_pages


@frozen
class OomSnapshot:
    kernel_release: str
    era: Era
    totals: MemoryTotals
    processes: tuple[RankedProcess, ...]  # highest badness first; ineligible tasks last
    unreadable: tuple[int, ...] = ()  # pids whose /proc files could not be read (hidepid, permissions)

    @property
    def victim(self) -> RankedProcess | None:
        """The task a global OOM kill would choose right now (ignoring oom_kill_allocating_task)."""
        best: RankedProcess | None = None
        for proc in sorted(self.killable, key=lambda p: (p.info.start_ticks, p.info.pid)):
            if best is None or (proc.badness.points or 0) >= (best.badness.points or 0):
                best = proc
        return best

    @property
    def killable(self) -> list[RankedProcess]:
        return [p for p in self.processes if p.eligibility is Eligibility.KILLABLE]


def parse_meminfo_totals(text: str) -> MemoryTotals:
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("MemTotal", "SwapTotal"):
            values[key] = int(rest.split()[0]) * 1024 // PAGE_SIZE
    if "MemTotal" not in values:
        raise CollectError("/proc/meminfo has no MemTotal line")
    return MemoryTotals(values["MemTotal"], values.get("SwapTotal", 0), PAGE_SIZE)


def read_totals(procfs: ProcFS) -> MemoryTotals:
    return parse_meminfo_totals(procfs.read("meminfo"))


def in_initial_pid_namespace(procfs: ProcFS) -> bool:
    """NSpid lists one pid per nested namespace; a single entry means /proc/1 is the global init."""
    for line in procfs.read("self/status").splitlines():
        if line.startswith("NSpid:"):
            return len(line.split()) == 2
    return True  # kernels before 4.1 have no NSpid; assume the usual case


def running_era(procfs: ProcFS) -> tuple[str, Era]:
    release = procfs.read("sys/kernel/osrelease").strip()
    return release, era_for(parse_kernel_release(release))


def rank(info: ProcessInfo, totals: MemoryTotals, era: Era, *, global_init_pid: int | None) -> RankedProcess:
    """Badness of one sampled process with its eligibility."""
    if info.kernel_thread:
        eligibility = Eligibility.KERNEL_THREAD
    elif info.pid == global_init_pid:
        eligibility = Eligibility.GLOBAL_INIT
    elif not info.has_mm:
        eligibility = Eligibility.NO_MM
    elif info.oom_score_adj == -1000:
        eligibility = Eligibility.EXEMPT
    else:
        eligibility = Eligibility.KILLABLE
    task = BadnessInput(
        rss_pages=info.rss_bytes // totals.page_size,
        swap_pages=info.swap_bytes // totals.page_size,
        pgtables_pages=info.pgtables_bytes // totals.page_size,
        oom_score_adj=info.oom_score_adj,
        eligible=eligibility is Eligibility.KILLABLE,
        cap_sys_admin=info.cap_sys_admin,
    )
    result = badness(task, totals.totalpages, era)
    if eligibility is Eligibility.KILLABLE and info.oom_score == 0 and result.proc_score != 0:
        # Only LONG_MIN gives 0 for a killable-looking task: vfork child or an mm already reaped.
        eligibility = Eligibility.KERNEL_SKIPS
        result = badness(BadnessInput(0, 0, 0, info.oom_score_adj, eligible=False), totals.totalpages, era)
    share = result.base_pages / totals.totalpages if totals.totalpages else 0.0
    return RankedProcess(info, eligibility, result, share)


def take_snapshot(
    procfs: ProcFS | None = None, *, recheck: int = 3, with_cmdline: bool = True
) -> OomSnapshot:
    """Sample every process and rank it. A process whose computed score differs from the kernel's is re-read
    up to ``recheck`` times (its memory moved between reading status and oom_score); one that exits is dropped.
    """
    procfs = procfs or ProcFS()
    release, era = running_era(procfs)
    totals = read_totals(procfs)
    init_pid = 1 if in_initial_pid_namespace(procfs) else None
    ranked: list[RankedProcess] = []
    unreadable: list[int] = []
    for info in sample_processes(procfs, with_cmdline=with_cmdline, unreadable=unreadable):
        item: RankedProcess | None = rank(info, totals, era, global_init_pid=init_pid)
        for _ in range(recheck):
            if item is None or item.matches_kernel is not False:
                break
            try:
                again = read_process(procfs, info.pid, with_cmdline=with_cmdline)
                item = rank(again, totals, era, global_init_pid=init_pid)
            except ProcessGone:
                item = None  # exited during the scan: neither a pass nor a failure
        if item is not None:
            ranked.append(item)
    ranked.sort(key=_order)
    return OomSnapshot(release, era, totals, tuple(ranked), tuple(unreadable))


def with_cmdlines(procfs: ProcFS, rows: list[RankedProcess]) -> list[RankedProcess]:
    """Fill in command lines for just the rows to be shown (a snapshot taken with ``with_cmdline=False``)."""
    filled = []
    for row in rows:
        try:
            args = parse_cmdline(procfs.read_pid_bytes(row.info.pid, "cmdline"))
        except (ProcessGone, CollectError):
            args = ()
        filled.append(replace(row, info=replace(row.info, cmdline=args)))
    return filled


def _order(p: RankedProcess) -> tuple[int, int, int]:
    points = p.badness.points
    # Killable tasks by badness (later-started first on ties, as the kernel breaks them), then the rest by RSS.
    if p.eligibility is Eligibility.KILLABLE and points is not None:
        return (0, -points, -p.info.start_ticks)
    return (1, -p.info.rss_bytes, p.info.pid)
