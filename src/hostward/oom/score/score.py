"""The kernel's OOM badness, era by era, and the /proc/PID/oom_score scaling.

Sources (mm/oom_kill.c ``oom_badness``/``badness``, fs/proc/base.c ``proc_oom_score``, ``__set_oom_adj``):

* before 2.6.36 ``badness()``: a heuristic on the *virtual* size (total_vm), plus half of each child's
  total_vm, divided by sqrt(CPU seconds) and by the fourth root of run time, doubled for niced tasks,
  quartered for root/CAP_SYS_ADMIN/CAP_SYS_RAWIO, then shifted by ``oom_adj`` (-17 = never, -16..15).
  /proc/PID/oom_score printed those raw points. It cannot be recomputed exactly from /proc (children's sizes
  at that instant, cpuset overlap), so hostward only explains it.
* 2.6.36 .. 3.9 (commit a63d83f427fb "oom: badness heuristic rewrite"): rss + page tables + swap, normalised
  to 0..1000 *inside* oom_badness, -30 for CAP_SYS_ADMIN, + oom_score_adj, clamped to 1..1000.
* 3.10 .. 5.8 (a7f638f999ff "normalize oom scores to oom_score_adj scale only for userspace"): the badness is
  in *pages*; ``adj *= totalpages / 1000``; the result is at least 1 for an eligible task.
  Root bonus: 3.10-3.13 ``adj -= 30``; 3.14-4.16 (778c14affaf9) ``points -= points * 3 / 100``; removed in 4.17
  (d46078b28889 "remove 3% bonus for CAP_SYS_ADMIN processes").
  /proc shows ``badness * 1000 / totalpages`` (unsigned), 0 for ineligible tasks.
* 5.9+ (9066e5cfb73c "make the calculation of oom badness more accurate"): badness is a signed long that may be
  negative, LONG_MIN for ineligible tasks; /proc shows ``(1000 + badness * 1000 / (long)totalpages) * 2 / 3``
  so the 0..2000 range of old is kept (0..1333 in practice). 6.x reads exact (summed per-CPU) counters.

C division truncates towards zero; Python's ``//`` floors. :func:`c_div` does what the kernel does.
"""

from __future__ import annotations

import enum
import math
import re

from hostward.frozen import frozen

# include/uapi/linux/oom.h
OOM_SCORE_ADJ_MIN = -1000
OOM_SCORE_ADJ_MAX = 1000
OOM_DISABLE = -17  # legacy /proc/PID/oom_adj value meaning "never kill"
OOM_ADJUST_MIN = -16
OOM_ADJUST_MAX = 15


class Era(enum.Enum):
    """Which badness formula a kernel version runs."""

    HEURISTIC = "2.6.35 and older: virtual-size heuristic"
    NORMALIZED = "2.6.36 - 3.9: permille of memory, root -30"
    PAGES_ROOT_ADJ = "3.10 - 3.13: pages, root adj -30"
    PAGES_ROOT_3PCT = "3.14 - 4.16: pages, root -3%"
    PAGES = "4.17 - 5.8: pages, no root bonus"
    SIGNED = "5.9 and newer: signed pages, /proc scaled by 2/3"


def parse_kernel_release(release: str) -> tuple[int, int, int]:
    """'6.18.44-fc-v509' -> (6, 18, 44); '2.6.32-754.el6.x86_64' -> (2, 6, 32)."""
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", release.strip())
    if not match:
        raise ValueError(f"not a kernel release: {release!r}")
    return int(match[1]), int(match[2]), int(match[3] or 0)


def era_for(version: tuple[int, int, int]) -> Era:
    if version < (2, 6, 36):
        return Era.HEURISTIC
    if version < (3, 10, 0):
        return Era.NORMALIZED
    if version < (3, 14, 0):
        return Era.PAGES_ROOT_ADJ
    if version < (4, 17, 0):
        return Era.PAGES_ROOT_3PCT
    if version < (5, 9, 0):
        return Era.PAGES
    return Era.SIGNED


def c_div(a: int, b: int) -> int:
    """C's integer division (truncates towards zero): c_div(-7, 2) == -3, where -7 // 2 == -4."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


@frozen
class BadnessInput:
    """What oom_badness reads from a task, in pages."""

    rss_pages: int  # get_mm_rss: anon + file + shmem resident pages
    swap_pages: int  # MM_SWAPENTS
    pgtables_pages: int  # mm_pgtables_bytes / PAGE_SIZE
    oom_score_adj: int
    eligible: bool = True  # False: kernel thread, global init, no mm, adj == -1000 (LONG_MIN / 0)
    cap_sys_admin: bool = False  # only pre-4.17 kernels care


@frozen
class Badness:
    """The result with its terms, so explain can show the arithmetic."""

    era: Era
    eligible: bool
    base_pages: int  # rss + swap + page tables
    root_bonus: int  # subtracted, in the era's unit (pages or permille)
    adj_term: int  # oom_score_adj scaled into the era's unit
    points: int | None  # what oom_badness returns; None for "ineligible" (LONG_MIN, or 0 before 5.9)
    proc_score: int  # what /proc/PID/oom_score shows


def badness(task: BadnessInput, totalpages: int, era: Era = Era.SIGNED) -> Badness:
    """oom_badness() of ``era`` plus proc_oom_score(). ``totalpages`` is totalram_pages() + total_swap_pages."""
    if era is Era.HEURISTIC:
        raise ValueError("the pre-2.6.36 heuristic needs process history; see heuristic_badness()")
    base = task.rss_pages + task.swap_pages + task.pgtables_pages
    eligible = task.eligible and task.oom_score_adj != OOM_SCORE_ADJ_MIN
    totalpages = max(totalpages, 1)  # "the memory controller may have a limit of 0 bytes"
    if not eligible:
        return Badness(era, False, base, 0, 0, None, 0)
    adj = task.oom_score_adj
    bonus = 0
    if era is Era.NORMALIZED:
        permille = base * 1000 // totalpages
        bonus = 30 if task.cap_sys_admin else 0
        points = permille - bonus + adj
        points = 1 if points <= 0 else min(points, 1000)
        return Badness(era, True, base, bonus, adj, points, points)
    unit = totalpages // 1000  # adj *= totalpages / 1000: the unsigned quotient first
    adj_term = adj * unit
    points = base
    if era is Era.PAGES_ROOT_ADJ and task.cap_sys_admin:
        bonus = 30 * unit  # the kernel wrote it as adj -= 30 before scaling
    elif era is Era.PAGES_ROOT_3PCT and task.cap_sys_admin:
        bonus = points * 3 // 100
    points = points - bonus + adj_term
    if era is Era.SIGNED:
        # (1000 + badness * 1000 / (long)totalpages) * 2 / 3, signed C division at both steps.
        shown = c_div((1000 + c_div(points * 1000, totalpages)) * 2, 3)
        return Badness(era, True, base, bonus, adj_term, points, max(shown, 0))
    points = points if points > 0 else 1
    return Badness(era, True, base, bonus, adj_term, points, points * 1000 // totalpages)


def adj_to_be_last(own_base_pages: int, lowest_other_points: int, totalpages: int) -> int | None:
    """The largest oom_score_adj (5.9+ formula) that puts a task strictly below ``lowest_other_points``.

    The kernel keeps the first task it sees only when a later one scores *strictly* more; a tie goes to the
    later task (select_bad_process / oom_evaluate_task: ``points < chosen_points`` skips). Returns None when
    even -999 is not enough (then only -1000, which exempts the task, helps).
    """
    unit = max(totalpages // 1000, 1)
    # own_base + adj * unit < lowest  <=>  adj < (lowest - own_base) / unit
    adj = -((own_base_pages - lowest_other_points) // unit) - 1  # ceil((lowest - own) / unit) - 1, exact
    adj = min(adj, OOM_SCORE_ADJ_MAX)
    return adj if adj > OOM_SCORE_ADJ_MIN else None


def oom_adj_from_score_adj(score_adj: int) -> int:
    """What /proc/PID/oom_adj reads for an oom_score_adj (fs/proc/base.c oom_adj_read)."""
    if score_adj == OOM_SCORE_ADJ_MAX:
        return OOM_ADJUST_MAX
    return c_div(score_adj * -OOM_DISABLE, OOM_SCORE_ADJ_MAX)


def score_adj_from_oom_adj(oom_adj: int) -> int:
    """What writing ``oom_adj`` stores in oom_score_adj (fs/proc/base.c oom_adj_write): -17 -> -1000."""
    if oom_adj == OOM_ADJUST_MAX:
        return OOM_SCORE_ADJ_MAX
    return c_div(oom_adj * OOM_SCORE_ADJ_MAX, -OOM_DISABLE)


@frozen
class HeuristicInput:
    """What the pre-2.6.36 badness() read: virtual sizes, CPU and run time, nice, privileges, oom_adj."""

    total_vm_pages: int
    children_vm_pages: tuple[int, ...]  # total_vm of each child with its own mm
    cpu_seconds: int
    run_seconds: int
    nice: int
    privileged: bool  # CAP_SYS_ADMIN, CAP_SYS_RESOURCE or root (uid 0)
    rawio: bool  # CAP_SYS_RAWIO: another /4
    oom_adj: int


def heuristic_badness(task: HeuristicInput) -> int:
    """mm/oom_kill.c badness() as of 2.6.32, for explaining old reports. 0 means never (oom_adj -17)."""
    if task.oom_adj == OOM_DISABLE:
        return 0
    points = task.total_vm_pages + sum(vm // 2 + 1 for vm in task.children_vm_pages)
    if (s := math.isqrt(task.cpu_seconds)) > 0:
        points //= s
    if (s := math.isqrt(math.isqrt(task.run_seconds))) > 0:
        points //= s
    if task.nice > 0:
        points *= 2
    if task.privileged:
        points //= 4
    if task.rawio:
        points //= 4
    if task.oom_adj > 0:
        points = max(points, 1) << task.oom_adj
    elif task.oom_adj < 0:
        points >>= -task.oom_adj
    return points
