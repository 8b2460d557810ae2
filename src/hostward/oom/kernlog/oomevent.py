"""Typed records of one kernel OOM event (the report the kernel printed), as assembled by oomparse."""

from __future__ import annotations

from hostward.frozen import field, frozen


@frozen
class Trigger:
    """The task whose allocation invoked the OOM killer, and what it asked for."""

    comm: str
    pid: int | None  # from the "CPU: n [UID: u] PID: p Comm: c" line of the stack dump
    gfp_mask: int | None
    gfp_flags: str | None  # "GFP_KERNEL|__GFP_COMP" (4.x+ prints the decoded flags)
    order: int | None  # 2**order pages; -1 for a memcg charge or sysrq-f
    oom_score_adj: int | None
    oom_adj: int | None  # kernels before 3.x print the legacy value


@frozen
class TaskRow:
    """One line of the task table dump (vm.oom_dump_tasks). Memory values are pages except pgtables_bytes."""

    pid: int
    uid: int | None
    tgid: int | None
    total_vm_pages: int | None
    rss_pages: int
    pgtables_bytes: int | None  # 4.15+; before: nr_ptes (+ nr_pmds) pages converted
    swap_pages: int | None
    oom_score_adj: int | None
    oom_adj: int | None
    name: str
    rss_anon_pages: int | None = None  # 6.x tables split rss into anon/file/shmem
    rss_shmem_pages: int | None = None

    @property
    def charged_pages(self) -> int:
        """Pages surely charged to the task's memory cgroup: anon + shmem when the table splits rss (file
        pages may be charged to whichever cgroup read the file first), else the whole rss."""
        if self.rss_anon_pages is not None:
            return self.rss_anon_pages + (self.rss_shmem_pages or 0)
        return self.rss_pages


@frozen
class Victim:
    pid: int
    comm: str
    uid: int | None = None
    total_vm_kb: int | None = None
    anon_rss_kb: int | None = None
    file_rss_kb: int | None = None
    shmem_rss_kb: int | None = None
    pgtables_kb: int | None = None
    oom_score_adj: int | None = None
    score: int | None = None  # "score N" of the selection line (kernels before 5.1)
    shares_mm_with: int | None = None  # killed because it shares the victim's memory
    reaped: bool = False
    reaped_anon_rss_kb: int | None = None

    @property
    def rss_kb(self) -> int | None:
        parts = [v for v in (self.anon_rss_kb, self.file_rss_kb, self.shmem_rss_kb) if v is not None]
        return sum(parts) if parts else None


@frozen
class MemInfo:
    """Numbers from the Mem-Info block (pages unless the name says kB)."""

    values: dict[str, int] = field(default_factory=dict)  # active_anon, inactive_file, free, shmem, ...
    free_swap_kb: int | None = None
    total_swap_kb: int | None = None
    ram_pages: int | None = None
    pagecache_pages: int | None = None
    hugepages_kb: int = 0  # hugetlb pages reserved, summed over the "Node N hugepages_total=..." lines
    hugepages_free_kb: int = 0


@frozen
class MemcgState:
    """The memory cgroup part of a memcg OOM report."""

    version: int | None  # 1 ("memory+swap:"/"kmem:"), 2 ("swap:"), None if unknown
    usage_kb: int | None
    limit_kb: int | None
    failcnt: int | None
    swap_usage_kb: int | None
    swap_limit_kb: int | None
    stats: dict[str, int] = field(default_factory=dict)  # memory.stat values in bytes


@frozen
class OomEvent:
    index: int
    first_line: int
    last_line: int
    monotonic_seconds: float | None
    wall_time: str | None
    trigger: Trigger | None
    constraint: str | None  # CONSTRAINT_NONE / _MEMCG / _CPUSET / _MEMORY_POLICY, inferred for old kernels
    oom_memcg: str | None
    task_memcg: str | None
    cpuset: str | None
    memcg: MemcgState | None
    meminfo: MemInfo | None
    tasks: tuple[TaskRow, ...]
    tasks_truncated: int  # rows beyond the kept maximum
    victims: tuple[Victim, ...]
    oom_group: str | None  # memory.oom.group: the whole cgroup was killed
    panic: str | None  # "Kernel panic - not syncing: ..." text
    notes: tuple[str, ...]  # what was missing or odd (grep-filtered, half report, ...)

    @property
    def scope(self) -> str:
        """'memcg', 'cpuset', 'mempolicy' or 'global'."""
        return {
            "CONSTRAINT_MEMCG": "memcg",
            "CONSTRAINT_CPUSET": "cpuset",
            "CONSTRAINT_MEMORY_POLICY": "mempolicy",
        }.get(self.constraint or "", "global")
