"""Root-cause reports for parsed OOM events: plain text for people, plain dicts for ``--json``.

Every string that came from the log (task names, cgroup paths) passes through safe_text before it reaches the
text output; the JSON output keeps the raw values (JSON escapes control characters itself).
"""

from __future__ import annotations

import datetime as dt

from hostward.frozen import asdict, frozen
from hostward.oom.kernlog.causes import diagnose
from hostward.oom.kernlog.oomevent import OomEvent, TaskRow
from hostward.oom.kernlog.sanitize import json_safe, safe_text
from hostward.oom.kernlog.trend import EventTrend, NoTrend
from hostward.oom.kernlog.trendtext import render_trend, trend_json
from hostward.oom.sizes import PAGE_KB, human_kb

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any

MIB = 1 << 20
COSTLY_ORDER = 3  # PAGE_ALLOC_COSTLY_ORDER: above this the allocator gives up rather than OOM-kill


@frozen
class Consumer:
    pid: int
    name: str
    rss_kb: int
    swap_kb: int
    share: float | None  # of the limit (memcg) or of RAM (global)
    oom_score_adj: int | None


@frozen
class Verdict:
    summary: str
    findings: tuple[str, ...]
    next_steps: tuple[str, ...]


def capacity_kb(event: OomEvent) -> int | None:
    """What ran out: the memcg limit, or RAM (+ swap) for a global OOM."""
    if event.scope == "memcg" and event.memcg is not None and event.memcg.limit_kb is not None:
        return event.memcg.limit_kb
    if event.meminfo is not None and event.meminfo.ram_pages is not None:
        return event.meminfo.ram_pages * PAGE_KB + (event.meminfo.total_swap_kb or 0)
    return None


def top_consumers(event: OomEvent, count: int = 5) -> list[Consumer]:
    capacity = capacity_kb(event)
    memcg = event.scope == "memcg"
    rows = sorted(event.tasks, key=lambda r: (-(r.rss_pages + (r.swap_pages or 0)), r.pid))[:count]
    return [_consumer(row, capacity, memcg) for row in rows]


def _consumer(row: TaskRow, capacity: int | None, memcg: bool) -> Consumer:
    rss_kb = row.rss_pages * PAGE_KB
    swap_kb = (row.swap_pages or 0) * PAGE_KB
    # Inside a memcg only what is charged to it counts against the limit; mapped files may be charged elsewhere.
    used = (row.charged_pages if memcg else row.rss_pages) * PAGE_KB + swap_kb
    share = used / capacity if capacity else None
    return Consumer(row.pid, row.name, rss_kb, swap_kb, share, row.oom_score_adj)


def verdict(event: OomEvent, *, repeated: int = 1) -> Verdict:
    findings: list[str] = []
    steps: list[str] = []
    victim = event.victims[0] if event.victims else None
    consumers = top_consumers(event, 3)
    capacity = capacity_kb(event)
    vname = safe_text(victim.comm) if victim else "?"
    if event.panic is not None:
        summary = "The kernel panicked instead of (or after) killing a process."
        findings.append(f"panic message: {safe_text(event.panic)}")
        if "panic_on_oom" in event.panic:
            steps.append(
                "vm.panic_on_oom is set: set it to 0 unless a reboot is really preferred to a kill "
                "(clusters that fence failed nodes sometimes want it)"
            )
        else:
            steps.append(
                "no process could be killed: check for oom_score_adj -1000 on the big consumers "
                "(hostward oom doctor)"
            )
        steps.append("configure kdump so the next panic leaves a vmcore to analyse")
    elif event.scope == "memcg":
        cg = safe_text(event.oom_memcg or event.task_memcg or "?")
        limit = event.memcg.limit_kb if event.memcg else None
        summary = (
            f"Memory cgroup {cg} reached its limit of {human_kb(limit)}; the host itself had memory left."
        )
        steps.append(
            f"if the workload legitimately needs more, raise the limit of {cg} "
            "(memory.max on cgroup v2, memory.limit_in_bytes on v1)"
        )
        steps.append(
            "on cgroup v2 set memory.high below memory.max: the kernel throttles and reclaims there "
            "before it has to kill"
        )
    elif event.scope in ("cpuset", "mempolicy"):
        summary = (
            f"The allocation was restricted to some NUMA nodes ({event.scope}) and those ran out, "
            "although other nodes may have had memory."
        )
        steps.append(
            "check the cpuset/mbind policy of the triggering task; widen mems_allowed if appropriate"
        )
    else:
        known = event.meminfo is not None and event.meminfo.total_swap_kb is not None
        swap = (
            " and swap"
            if _has_swap(event)
            else ", no swap"
            if known
            else "; swap unknown: no Mem-Info in the log"
        )
        summary = f"The whole host ran out of memory (RAM{swap})."
    if victim is not None:
        size = human_kb(victim.rss_kb)
        charged = victim.rss_kb
        if event.scope == "memcg" and victim.anon_rss_kb is not None:
            charged = victim.anon_rss_kb + (victim.shmem_rss_kb or 0)  # file pages may be charged elsewhere
            size += f", of which anon+shmem {human_kb(charged)}"
        share = f" ({charged / capacity:.0%} of {human_kb(capacity)})" if charged and capacity else ""
        findings.append(f"the kernel killed {vname} (pid {victim.pid}), resident {size}{share}")
        if victim.oom_score_adj is not None and victim.oom_score_adj > 0:
            findings.append(
                f"{vname} had oom_score_adj +{victim.oom_score_adj}, which made it a preferred victim"
            )
    if consumers and capacity:
        first = consumers[0]
        if first.share is not None and first.share >= 0.5:
            findings.append(
                f"one process dominated: {safe_text(first.name)} (pid {first.pid}) held "
                f"{first.share:.0%} of the memory that ran out"
            )
            steps.insert(
                0,
                f"find out why {safe_text(first.name)} grew to {human_kb(first.rss_kb)}: a leak, an "
                "unbounded cache or queue, or an input larger than planned; cap it (its own limit, "
                "a memory cgroup) so it cannot take the host with it",
            )
        elif len(event.tasks) > 1:
            findings.append("no single process dominated: the sum of many processes exceeded the memory")
            steps.insert(
                0,
                "the host (or cgroup) is simply too small for what runs on it: add memory, move "
                "work elsewhere or lower the number of workers",
            )
    if event.trigger is not None and event.trigger.order is not None and event.trigger.order > COSTLY_ORDER:
        findings.append(
            f"the request was for 2^{event.trigger.order} contiguous pages: fragmentation may matter "
            "more than the amount of free memory"
        )
    mi = event.meminfo
    if event.scope == "global" and mi is not None:
        if mi.total_swap_kb == 0:
            findings.append("no swap is configured: anonymous memory could not be paged out at all")
            steps.append("consider a modest swap device or zram so cold anonymous pages have somewhere to go")
        elif mi.free_swap_kb is not None and mi.total_swap_kb and mi.free_swap_kb < mi.total_swap_kb * 0.05:
            findings.append(
                f"swap was exhausted ({human_kb(mi.free_swap_kb)} free of {human_kb(mi.total_swap_kb)})"
            )
        if mi.pagecache_pages is not None and mi.ram_pages:
            cache_share = mi.pagecache_pages / mi.ram_pages
            findings.append(
                f"page cache was {human_kb(mi.pagecache_pages * PAGE_KB)} ({cache_share:.1%} of RAM)"
                + (
                    "; it had already been squeezed, so memory was truly exhausted"
                    if cache_share < 0.05
                    else ""
                )
            )
    if repeated > 1:
        findings.append(
            f"this is OOM event number {repeated} for {_scope_name(event)} in this log: "
            "killing did not remove the cause"
        )
        steps.append(
            "an early user-space guard (hostward guard, earlyoom) and protection rules (hostward oom "
            "protect) decide who goes before the kernel has to"
        )
    cause = diagnose(event, repeated=repeated)
    if cause.headline is not None:
        if event.scope != "memcg":  # "the host ran out" stays true beside the cause; "reached its limit" not
            findings.insert(0, summary[0].lower() + summary[1:].rstrip("."))
        summary = cause.headline
    if cause.not_capacity:  # more memory or a higher limit would only postpone it
        steps = [s for s in steps if "add memory" not in s and "legitimately needs more" not in s]
        findings = [f for f in findings if not f.startswith("no single process dominated")]
    if cause.not_process:  # a process's growth is not the story
        steps = [s for s in steps if not s.startswith("find out why")]
    findings.extend(cause.findings)
    steps = [*cause.steps, *steps]
    if not steps:
        steps.append("compare the victim's size with what it normally uses (hostward sar, its own metrics)")
    return Verdict(summary, tuple(findings), tuple(steps))


def repeat_key(event: OomEvent) -> tuple[str, str | None]:
    """What "the same OOM again" means: the same memory cgroup for a memcg OOM, else the scope (the host)."""
    if event.scope == "memcg":
        return (event.scope, event.oom_memcg or event.task_memcg)
    return (event.scope, None)


def _scope_name(event: OomEvent) -> str:
    cgroup = safe_text(event.oom_memcg or event.task_memcg or "?")
    return {"memcg": f"memory cgroup {cgroup}", "global": "the whole host"}.get(event.scope, event.scope)


def _has_swap(event: OomEvent) -> bool:
    return bool(event.meminfo and event.meminfo.total_swap_kb)


def describe_trigger(event: OomEvent) -> str:
    t = event.trigger
    if t is None:
        return "unknown (no 'invoked oom-killer' line)"
    who = safe_text(t.comm) + (f" (pid {t.pid})" if t.pid is not None else "")
    if t.order is None:
        what = "memory"
    elif t.order < 0:
        what = "a memory cgroup charge (order -1)"
    else:
        pages = 1 << min(t.order, 62)
        what = f"{pages} page{'s' if pages != 1 else ''} (order {t.order})"
    gfp = f"gfp_mask={t.gfp_mask:#x}" if t.gfp_mask is not None else ""
    if t.gfp_flags:
        gfp += f"({safe_text(t.gfp_flags)})"
    adj = f", oom_score_adj {t.oom_score_adj}" if t.oom_score_adj is not None else ""
    adj += f", oom_adj {t.oom_adj}" if t.oom_adj is not None else ""
    return f"{who} asked for {what}, {gfp}{adj}"


def wall_clock(event: OomEvent, boot_epoch: float | None) -> str | None:
    """Wall-clock time of an event of *this* boot from its printk stamp (approximate: suspended time is not
    counted by the printk clock), as ISO 8601 UTC."""
    if boot_epoch is None or event.monotonic_seconds is None:
        return None
    moment = dt.datetime.fromtimestamp(boot_epoch + event.monotonic_seconds, dt.UTC)
    return moment.isoformat(timespec="seconds")


def when(event: OomEvent, boot_epoch: float | None = None) -> str:
    parts = []
    if event.wall_time:
        parts.append(safe_text(event.wall_time))
    elif (wall := wall_clock(event, boot_epoch)) is not None:
        parts.append(f"{wall} (about)")
    if event.monotonic_seconds is not None:
        parts.append(f"{event.monotonic_seconds:.6f} s after boot")
    return ", ".join(parts) or "unknown (no timestamps)"


def render_event(
    event: OomEvent,
    *,
    repeated: int = 1,
    top: int = 5,
    boot_epoch: float | None = None,
    trend: EventTrend | NoTrend | None = None,
) -> list[str]:
    """The report for one event, as lines of safe text. ``trend`` None: recordings were not looked up."""
    v = verdict(event, repeated=repeated)
    title = {
        "memcg": "memory cgroup limit",
        "global": "system-wide",
        "cpuset": "cpuset",
        "mempolicy": "memory policy",
    }[event.scope]
    lines = [
        f"OOM event {event.index} ({title}) — log lines {event.first_line}-{event.last_line}",
        f"  when       {when(event, boot_epoch)}",
        f"  trigger    {describe_trigger(event)}",
        f"  constraint {safe_text(event.constraint or 'unknown')}",
    ]
    if event.oom_memcg or event.task_memcg:
        lines.append(
            f"  memcg      oom_memcg={safe_text(event.oom_memcg or '?')} "
            f"task_memcg={safe_text(event.task_memcg or '?')}"
        )
    if event.memcg is not None:
        m = event.memcg
        ver = f"cgroup v{m.version}" if m.version else "cgroup"
        lines.append(
            f"  usage      {human_kb(m.usage_kb)} of limit "
            f"{human_kb(m.limit_kb) if m.limit_kb is not None else 'unlimited'} ({ver}), "
            f"failcnt {m.failcnt if m.failcnt is not None else '?'}; swap used {human_kb(m.swap_usage_kb)}"
        )
    if event.memcg is not None and event.memcg.stats:
        st = event.memcg.stats
        # v2 names (anon, file, shmem) and v1 names (rss, cache, shmem), in bytes
        anon, cache = st.get("anon", st.get("rss")), st.get("file", st.get("cache"))
        lines.append(
            f"  cgroup mem anon {human_kb(anon / 1024 if anon is not None else None)}, page cache "
            f"{human_kb(cache / 1024 if cache is not None else None)}, shmem "
            f"{human_kb(st['shmem'] / 1024 if 'shmem' in st else None)}"
        )
    for victim in event.victims:
        extra = f", shares memory with pid {victim.shares_mm_with}" if victim.shares_mm_with else ""
        reaped = "; memory reaped by oom_reaper" if victim.reaped else ""
        score = f", score {victim.score}" if victim.score is not None else ""
        lines.append(
            f"  victim     {safe_text(victim.comm)} (pid {victim.pid}, uid {_q(victim.uid)}): "
            f"anon {human_kb(victim.anon_rss_kb)}, file {human_kb(victim.file_rss_kb)}, "
            f"shmem {human_kb(victim.shmem_rss_kb)}, page tables {human_kb(victim.pgtables_kb)}, "
            f"oom_score_adj {_q(victim.oom_score_adj)}{score}{extra}{reaped}"
        )
    if event.oom_group:
        lines.append(
            f"  oom.group  every process in {safe_text(event.oom_group)} was killed (memory.oom.group)"
        )
    mi = event.meminfo
    if mi is not None:
        free = mi.values.get("free")
        lines.append(
            f"  memory     RAM {human_kb(mi.ram_pages * PAGE_KB if mi.ram_pages else None)}, "
            f"free {human_kb(free * PAGE_KB if free is not None else None)}, "
            f"page cache {human_kb(mi.pagecache_pages * PAGE_KB if mi.pagecache_pages is not None else None)}, "
            f"swap {human_kb(mi.free_swap_kb)} free of {human_kb(mi.total_swap_kb)}"
        )
    consumers = top_consumers(event, top)
    if consumers:
        lines.append("  top consumers (task table):")
        lines.append(f"    {'pid':>8} {'rss':>10} {'swap':>10} {'share':>6} {'adj':>5}  name")
        for c in consumers:
            share = f"{c.share:.0%}" if c.share is not None else "?"
            lines.append(
                f"    {c.pid:>8} {human_kb(c.rss_kb):>10} {human_kb(c.swap_kb):>10} {share:>6} "
                f"{_q(c.oom_score_adj):>5}  {safe_text(c.name, 60)}"
            )
        if event.tasks_truncated:
            lines.append(f"    ({event.tasks_truncated} more rows not kept)")
    if trend is not None:
        lines.extend(render_trend(trend, top=top))
    if event.panic:
        lines.append(f"  panic      {safe_text(event.panic)}")
    lines.append(f"  verdict    {v.summary}")
    lines.extend(f"             - {f}" for f in v.findings)
    lines.append("  next steps")
    lines.extend(f"             - {s}" for s in v.next_steps)
    lines.extend(f"  note       {safe_text(n)}" for n in event.notes)
    return lines


def _q(value: object) -> str:
    return "?" if value is None else str(value)


def event_json(
    event: OomEvent,
    *,
    repeated: int = 1,
    boot_epoch: float | None = None,
    trend: EventTrend | NoTrend | None = None,
) -> dict[str, Any]:
    """A JSON-ready dict: the parsed event plus scope, top consumers, the verdict and the recorded trend
    (``trend`` null with ``trend_note`` saying why when there is none; both null when not looked up)."""
    data: dict[str, Any] = json_safe(asdict(event))
    v = verdict(event, repeated=repeated)
    data["scope"] = event.scope
    data["wall_time_from_boot"] = wall_clock(event, boot_epoch)
    data["top_consumers"] = [json_safe(asdict(c)) for c in top_consumers(event)]
    data["verdict"] = {"summary": v.summary, "findings": list(v.findings), "next_steps": list(v.next_steps)}
    data["trend"] = trend_json(trend) if isinstance(trend, EventTrend) else None
    data["trend_note"] = trend.note if isinstance(trend, NoTrend) else None
    return data


# -- the trend recorded by hostward before the kill --------------------------------------------------------------
