"""``hostward oom explain PID``: the kernel's badness for one process, term by term, for the running kernel."""

from __future__ import annotations

import os
import time

from hostward.collect.procs import PAGE_SIZE, parse_stat
from hostward.errors import CollectError, ProcessGone, UsageError
from hostward.frozen import frozen
from hostward.oom.capability import self_has_cap_sys_resource
from hostward.oom.guard.cgroup import memory_cgroup_of
from hostward.oom.kernlog.sanitize import safe_text
from hostward.oom.score.score import (
    OOM_DISABLE,
    Badness,
    BadnessInput,
    Era,
    HeuristicInput,
    adj_to_be_last,
    badness,
    c_div,
    heuristic_badness,
    oom_adj_from_score_adj,
)
from hostward.oom.score.top import Eligibility, OomSnapshot, RankedProcess, take_snapshot
from hostward.procfs import ProcFS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any

_MIB = 1024 * 1024


@frozen
class Explanation:
    snapshot: OomSnapshot
    target: RankedProcess
    lowest_other: RankedProcess | None  # the killable task with the lowest badness besides the target
    last_choice_adj: int | None  # largest oom_score_adj that ranks the target below every other killable task
    other_eras: dict[Era, int]  # what /proc/PID/oom_score would read under older formulas
    heuristic_points: int | None  # the pre-2.6.36 badness() from today's numbers (approximate)
    notes: tuple[str, ...] = ()  # sysctls and memory cgroup context that change who is killed
    matching_eras: tuple[Era, ...] = ()  # formulas that reproduce the kernel's scores of every process now


def explain(pid: int, procfs: ProcFS | None = None) -> Explanation:
    procfs = procfs or ProcFS()
    snapshot = take_snapshot(procfs)
    target = next((p for p in snapshot.processes if p.info.pid == pid), None)
    if target is None:
        if procfs.exists(str(pid)):
            raise ProcessGone(f"process {pid} exited while it was being read")
        raise UsageError(f"no process with pid {pid}")
    others = [p for p in snapshot.killable if p.info.pid != pid]
    lowest = min(others, key=lambda p: p.badness.points or 0, default=None)
    last_adj = None
    if lowest is not None and lowest.badness.points is not None:
        last_adj = adj_to_be_last(
            target.badness.base_pages, lowest.badness.points, snapshot.totals.totalpages
        )
    eras: dict[Era, int] = {}
    task = BadnessInput(
        target.info.rss_bytes // PAGE_SIZE,
        target.info.swap_bytes // PAGE_SIZE,
        target.info.pgtables_bytes // PAGE_SIZE,
        target.info.oom_score_adj,
        eligible=target.eligibility is Eligibility.KILLABLE,
        cap_sys_admin=target.info.cap_sys_admin,
    )
    for era in (Era.NORMALIZED, Era.PAGES_ROOT_ADJ, Era.PAGES_ROOT_3PCT, Era.PAGES, Era.SIGNED):
        eras[era] = badness(task, snapshot.totals.totalpages, era).proc_score
    notes = _context_notes(procfs, target)
    return Explanation(
        snapshot, target, lowest, last_adj, eras, _heuristic(procfs, target), notes, matching_eras(snapshot)
    )


def matching_eras(snapshot: OomSnapshot) -> tuple[Era, ...]:
    """The formulas under which every killable process's computed score equals the kernel's: a check of the
    version-based choice that also catches distribution kernels with backported changes."""
    found = []
    for era in (Era.NORMALIZED, Era.PAGES_ROOT_ADJ, Era.PAGES_ROOT_3PCT, Era.PAGES, Era.SIGNED):
        ok = True
        for p in snapshot.killable:
            if p.info.oom_score is None:
                continue
            task = BadnessInput(
                p.info.rss_bytes // PAGE_SIZE,
                p.info.swap_bytes // PAGE_SIZE,
                p.info.pgtables_bytes // PAGE_SIZE,
                p.info.oom_score_adj,
                cap_sys_admin=p.info.cap_sys_admin,
            )
            if badness(task, snapshot.totals.totalpages, era).proc_score != p.info.oom_score:
                ok = False
                break
        if ok:
            found.append(era)
    return tuple(found)


def _context_notes(procfs: ProcFS, target: RankedProcess) -> tuple[str, ...]:
    """What makes the kernel deviate from "highest badness host-wide": sysctls and a memory cgroup limit."""
    notes: list[str] = []
    if (procfs.read_optional("sys/vm/oom_kill_allocating_task") or "0").strip() != "0":
        notes.append(
            "vm.oom_kill_allocating_task=1: a global OOM kills whichever task's allocation failed, "
            "if it is killable, before any ranking"
        )
    panic = (procfs.read_optional("sys/vm/panic_on_oom") or "0").strip()
    if panic != "0":
        notes.append(
            f"vm.panic_on_oom={panic}: the kernel panics instead of killing "
            + ("on every OOM" if panic == "2" else "on a system-wide OOM")
        )
    try:
        cg = memory_cgroup_of(target.info.pid, procfs)
        limit = cg.limit_bytes() if cg is not None else None
    except (CollectError, ValueError):
        return tuple(notes)
    if cg is not None and limit is not None:
        pages = max(limit // PAGE_SIZE, 1)
        local = target.badness.base_pages + target.info.oom_score_adj * (pages // 1000)
        notes.append(
            f"memory cgroup {safe_text(cg.path)} has a limit of {limit / _MIB:.0f} MiB: when it is reached, "
            f"the kernel picks among that cgroup's tasks only, with totalpages = the limit ({pages} pages), so "
            f"oom_score_adj counts {pages // 1000} pages per unit there and this badness would be {local}"
        )
    return tuple(notes)


def _heuristic(procfs: ProcFS, target: RankedProcess) -> int | None:
    """badness() as 2.6.32 would have computed it from today's numbers (children's VmSize, CPU, run time)."""
    if target.eligibility is not Eligibility.KILLABLE:
        return None
    try:
        hz = os.sysconf("SC_CLK_TCK")
        stat = parse_stat(procfs.read_pid(target.info.pid, "stat"))
        uptime = float(procfs.read("uptime").split()[0])
        children: list[int] = []
        for line in procfs.read_pid(target.info.pid, "task/" + str(target.info.pid) + "/children").split():
            try:
                child = parse_stat(procfs.read_pid(int(line), "stat"))
                children.append(child.vsize_bytes // PAGE_SIZE)
            except ProcessGone:
                continue
        info = HeuristicInput(
            total_vm_pages=stat.vsize_bytes // PAGE_SIZE,
            children_vm_pages=tuple(children),
            cpu_seconds=(stat.utime_ticks + stat.stime_ticks) // hz,
            run_seconds=max(int(uptime - stat.start_ticks / hz), 0),
            nice=stat.nice,
            privileged=target.info.uid == 0 or target.info.cap_sys_admin or target.info.cap_sys_resource,
            rawio=target.info.uid == 0,
            oom_adj=oom_adj_from_score_adj(target.info.oom_score_adj),
        )
    except (CollectError, ValueError):
        return None
    return heuristic_badness(info)


def render(ex: Explanation) -> list[str]:
    s = ex.snapshot
    t = ex.target
    b: Badness = t.badness
    total = s.totals.totalpages
    unit = total // 1000
    info = t.info
    lines = [
        f"process {info.pid} {safe_text(info.comm)!s}: {safe_text(info.command, 200)}",
        f"kernel {safe_text(s.kernel_release)}: formula '{s.era.value}' (mm/oom_kill.c oom_badness, "
        "fs/proc/base.c proc_oom_score)",
        f"totalpages = RAM {s.totals.ram_pages} + swap {s.totals.swap_pages} = {total} pages of "
        f"{s.totals.page_size} bytes; one oom_score_adj unit = totalpages/1000 = {unit} pages "
        f"({unit * s.totals.page_size / _MIB:.1f} MiB); one oom_score point = {total * 3 / 2000:.0f} pages "
        f"({total * 3 / 2000 * s.totals.page_size / _MIB:.1f} MiB)",
    ]
    if t.eligibility is not Eligibility.KILLABLE:
        reason = {
            Eligibility.KERNEL_THREAD: "it is a kernel thread (PF_KTHREAD): oom_unkillable_task() -> LONG_MIN",
            Eligibility.GLOBAL_INIT: "it is the global init (pid 1): oom_unkillable_task() -> LONG_MIN",
            Eligibility.NO_MM: "it has no memory of its own (zombie or exiting): find_lock_task_mm() -> LONG_MIN",
            Eligibility.EXEMPT: "its oom_score_adj is -1000 (OOM_SCORE_ADJ_MIN): oom_badness() -> LONG_MIN",
            Eligibility.KERNEL_SKIPS: "the kernel reports 0 although it looks eligible: it is in vfork() or its "
            "memory was already reaped (MMF_OOM_SKIP) -> LONG_MIN",
        }[t.eligibility]
        lines.append(f"not a candidate: {reason}; /proc shows 0")
    else:
        rss = info.rss_bytes // PAGE_SIZE
        swap = info.swap_bytes // PAGE_SIZE
        pt = info.pgtables_bytes // PAGE_SIZE
        points = b.points or 0
        scaled = c_div(points * 1000, total)
        lines += [
            f"  resident pages (get_mm_rss: anon+file+shmem)   {rss:>12}   ({info.rss_bytes / _MIB:.1f} MiB)",
            f"+ swap entries (MM_SWAPENTS)                      {swap:>12}",
            f"+ page-table pages (mm_pgtables_bytes/PAGE_SIZE) {pt:>12}",
            f"= baseline                                        {b.base_pages:>12}",
        ]
        if b.root_bonus:
            lines.append(f"- CAP_SYS_ADMIN bonus (this era)                  {b.root_bonus:>12}")
        lines += [
            f"+ oom_score_adj {info.oom_score_adj:+d} x {unit} (totalpages/1000)      {b.adj_term:>12}",
            f"= badness (pages)                                 {points:>12}",
        ]
        if s.era is Era.SIGNED:
            lines += [
                f"/proc scaling (5.9+): 1000 + badness*1000/totalpages = 1000 + ({scaled}) = {1000 + scaled}"
                " (C division truncates toward zero, also for negative badness)",
                f"  x 2 / 3 = {b.proc_score}   (0..2000 range kept since 2.6.36, 666 = no memory, adj 0)",
            ]
        else:
            lines.append(f"/proc scaling: badness*1000/totalpages = {b.proc_score}")
    kernel = info.oom_score
    verdict = "equal" if kernel == b.proc_score else "DIFFERENT (memory changed between reads?)"
    lines.append(
        f"computed oom_score {b.proc_score}  |  kernel /proc/{info.pid}/oom_score {kernel}  -> {verdict}"
    )
    lines.append(
        f"legacy /proc/{info.pid}/oom_adj reads {oom_adj_from_score_adj(info.oom_score_adj)} "
        f"(oom_adj = oom_score_adj*17/1000 truncated; writing {OOM_DISABLE} stores -1000, 15 stores 1000)"
    )
    lines += _last_choice(ex)
    victim = s.victim
    if victim is not None:
        same = " (this process)" if victim.info.pid == info.pid else ""
        if victim.info.pid == os.getpid():
            same += " (this hostward process itself: on a quiet host the ranking tool is often the biggest)"
        lines.append(
            f"a global OOM kill now would pick pid {victim.info.pid} {safe_text(victim.info.comm)}"
            f"{same}: badness {victim.badness.points} pages, oom_score {victim.computed_score}"
        )
    lines.extend(f"note: {n}" for n in ex.notes)
    lines.append("history (what /proc/PID/oom_score would read under older formulas for the same numbers):")
    for era, value in ex.other_eras.items():
        mark = "  <- running kernel" if era is s.era else ""
        if era in ex.matching_eras:
            mark += "  (reproduces every live score)"
        lines.append(f"  {era.value:<45} {value:>6}{mark}")
    if ex.heuristic_points is not None:
        lines.append(
            f"  {Era.HEURISTIC.value:<45} {ex.heuristic_points:>6}  (approximate: total_vm + half of "
            "children's, / sqrt(cpu s), / run-time^(1/4), x2 if niced, /4 if root, << or >> oom_adj)"
        )
    return lines


def _last_choice(ex: Explanation) -> list[str]:
    t = ex.target
    if t.eligibility is not Eligibility.KILLABLE:
        return []
    caps = "has" if self_has_cap_sys_resource(ProcFS()) else "lacks"
    lines = ["to make it the last choice:"]
    if ex.lowest_other is None:
        lines.append("  it is the only killable process")
    elif ex.last_choice_adj is None:
        lines.append("  no adj above -1000 ranks it below every other killable task (it is too big)")
    else:
        low = ex.lowest_other
        lines.append(
            f"  oom_score_adj <= {ex.last_choice_adj} ranks it below every other killable task "
            f"(lowest now: pid {low.info.pid} {safe_text(low.info.comm)}, {low.badness.points} pages)"
        )
    lines.append(
        "  oom_score_adj -1000 exempts it entirely (the kernel never kills it; it can then take the host "
        "down with it)"
    )
    lines.append(
        f"  lowering it below the value a privileged writer set (normally 0) needs CAP_SYS_RESOURCE; "
        f"hostward {caps} it here"
    )
    return lines


def to_json(ex: Explanation) -> dict[str, Any]:
    t = ex.target
    victim = ex.snapshot.victim
    return {
        "pid": t.info.pid,
        "comm": t.info.comm,
        "command": t.info.command,
        "kernel": ex.snapshot.kernel_release,
        "era": ex.snapshot.era.name,
        "totalpages": ex.snapshot.totals.totalpages,
        "eligibility": t.eligibility.value,
        "terms": {
            "rss_pages": t.info.rss_bytes // PAGE_SIZE,
            "swap_pages": t.info.swap_bytes // PAGE_SIZE,
            "pgtables_pages": t.info.pgtables_bytes // PAGE_SIZE,
            "baseline_pages": t.badness.base_pages,
            "root_bonus": t.badness.root_bonus,
            "adj_term_pages": t.badness.adj_term,
            "badness_pages": t.badness.points,
        },
        "oom_score_adj": t.info.oom_score_adj,
        "oom_adj": oom_adj_from_score_adj(t.info.oom_score_adj),
        "computed_oom_score": t.computed_score,
        "kernel_oom_score": t.info.oom_score,
        "last_choice_adj": ex.last_choice_adj,
        "would_kill_now": None
        if victim is None
        else {"pid": victim.info.pid, "comm": victim.info.comm, "badness_pages": victim.badness.points},
        "other_eras": {era.name: value for era, value in ex.other_eras.items()},
        "eras_matching_live_scores": [era.name for era in ex.matching_eras],
        "heuristic_pre_2_6_36": ex.heuristic_points,
        "notes": list(ex.notes),
        "sampled_at": time.time(),
    }
