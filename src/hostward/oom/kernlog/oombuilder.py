"""The mutable state of one OOM event while its report lines arrive; ``build()`` freezes it into an OomEvent."""

from __future__ import annotations

from hostward.frozen import replace
from hostward.oom.kernlog.kernlog import KernelLine
from hostward.oom.kernlog.oomevent import MemcgState, MemInfo, OomEvent, TaskRow, Trigger, Victim


class EventBuilder:
    """Plain mutable state (a class with slots: no dataclass to build at import)."""

    __slots__ = (
        "columns",
        "constraint",
        "cpuset",
        "first_line",
        "free_swap_kb",
        "has_header",
        "hugepages_free_kb",
        "hugepages_kb",
        "index",
        "last_line",
        "last_mono",
        "memcg",
        "memcg_stats",
        "memcg_version",
        "meminfo",
        "monotonic",
        "notes",
        "oom_group",
        "oom_memcg",
        "pagecache_pages",
        "panic",
        "ram_pages",
        "section",
        "selected",
        "summary",
        "task_memcg",
        "tasks",
        "tasks_truncated",
        "total_swap_kb",
        "trigger",
        "victims",
        "wall",
    )

    def __init__(self, index: int, first_line: int) -> None:
        self.index = index
        self.first_line = first_line
        self.monotonic: float | None = None
        self.wall: str | None = None
        self.last_line = 0
        self.last_mono: float | None = None
        self.trigger: Trigger | None = None
        self.constraint: str | None = None
        self.oom_memcg: str | None = None
        self.task_memcg: str | None = None
        self.cpuset: str | None = None
        self.memcg_version: int | None = None
        self.memcg: dict[str, tuple[int, int, int]] = {}
        self.memcg_stats: dict[str, int] = {}
        self.meminfo: dict[str, int] = {}
        self.free_swap_kb: int | None = None
        self.total_swap_kb: int | None = None
        self.ram_pages: int | None = None
        self.pagecache_pages: int | None = None
        self.hugepages_kb = 0
        self.hugepages_free_kb = 0
        self.columns: list[str] | None = None
        self.tasks: list[TaskRow] = []
        self.tasks_truncated = 0
        self.victims: list[Victim] = []
        self.selected: Victim | None = None
        self.summary: Victim | None = None  # from the "oom-kill:...,task=NAME,pid=N,uid=U" line (4.19+)
        self.oom_group: str | None = None
        self.panic: str | None = None
        self.section = ""
        self.has_header = False
        self.notes: list[str] = []

    def touch(self, line: KernelLine) -> None:
        self.last_line = line.line_number
        if line.monotonic_seconds is not None:
            self.last_mono = line.monotonic_seconds
            if self.monotonic is None:
                self.monotonic = line.monotonic_seconds
        if self.wall is None and line.wall_time is not None:
            self.wall = line.wall_time

    def build(self) -> OomEvent:
        notes = list(self.notes)
        if not self.has_header:
            notes.append("no 'invoked oom-killer' header: the log was filtered or starts mid-report")
        if not self.victims and self.summary is None and self.panic is None and self.oom_group is None:
            notes.append("no 'Killed process' line: the report is cut short, or nothing was killed")
        rows = {row.pid: row for row in self.tasks}
        victims = [_complete(v, rows.get(v.pid)) for v in self.victims]
        sel = self.selected
        if sel is not None and not any(v.pid == sel.pid for v in victims):
            if victims:
                notes.append(
                    f"the kernel selected pid {sel.pid} (score {sel.score}) and killed its child instead"
                )
            else:
                victims.append(sel)
        if not victims and self.summary is not None:
            victims.append(self.summary)
            notes.append("the victim is named only by the oom-kill: summary line (no 'Killed process' line)")
        memcg = None
        if self.memcg or self.memcg_stats:
            mem = self.memcg.get("memory")
            swap_usage = swap_limit = None
            if (v2swap := self.memcg.get("swap")) is not None:
                swap_usage, swap_limit = v2swap[0], _limit(v2swap[1])
            elif (memsw := self.memcg.get("memory+swap")) is not None and mem is not None:
                # v1 counts memory+swap together; the swap part is the difference.
                swap_usage = max(memsw[0] - mem[0], 0)
                both, ram = _limit(memsw[1]), _limit(mem[1])
                swap_limit = both - ram if both is not None and ram is not None else None
            memcg = MemcgState(
                self.memcg_version,
                mem[0] if mem else None,
                _limit(mem[1]) if mem else None,
                mem[2] if mem else None,
                swap_usage,
                swap_limit,
                dict(self.memcg_stats),
            )
        meminfo = None
        if self.meminfo or self.total_swap_kb is not None or self.ram_pages is not None:
            meminfo = MemInfo(
                dict(self.meminfo),
                self.free_swap_kb,
                self.total_swap_kb,
                self.ram_pages,
                self.pagecache_pages,
                self.hugepages_kb,
                self.hugepages_free_kb,
            )
        constraint = self.constraint
        if constraint is None and (self.memcg or self.oom_memcg):
            constraint = "CONSTRAINT_MEMCG"
        return OomEvent(
            index=self.index,
            first_line=self.first_line,
            last_line=self.last_line,
            monotonic_seconds=self.monotonic,
            wall_time=self.wall,
            trigger=self.trigger,
            constraint=constraint,
            oom_memcg=self.oom_memcg,
            task_memcg=self.task_memcg,
            cpuset=self.cpuset,
            memcg=memcg,
            meminfo=meminfo,
            tasks=tuple(self.tasks),
            tasks_truncated=self.tasks_truncated,
            victims=tuple(victims),
            oom_group=self.oom_group,
            panic=self.panic,
            notes=tuple(notes),
        )


def _complete(victim: Victim, row: TaskRow | None) -> Victim:
    """Fill what an older kill line lacks (uid, oom_score_adj) from the task table row of the same pid."""
    if row is None:
        return victim
    return replace(
        victim,
        uid=victim.uid if victim.uid is not None else row.uid,
        oom_score_adj=victim.oom_score_adj if victim.oom_score_adj is not None else row.oom_score_adj,
    )


def _limit(kb: int) -> int | None:
    """A memcg limit in kB, None when it is the "unlimited" page-counter maximum."""
    return None if kb >= 1 << 50 else kb
