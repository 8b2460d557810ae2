"""Root-cause reports for parsed OOM events: plain text for people, plain dicts for ``--json``.

Every string that came from the log (task names, cgroup paths) passes through safe_text before it reaches the
text output; the JSON output keeps the raw values (JSON escapes control characters itself).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from hostward.oom.oomevent import OomEvent, TaskRow
from hostward.oom.sanitize import safe_text
from hostward.oom.trend import EventTrend, Growth, MemoryPoint, NoTrend

MIB = 1 << 20
PAGE_KB = 4  # task tables and Mem-Info count 4 KiB pages on x86_64, the reports' usual origin
COSTLY_ORDER = 3  # PAGE_ALLOC_COSTLY_ORDER: above this the allocator gives up rather than OOM-kill


@dataclass(frozen=True, slots=True)
class Consumer:
    pid: int
    name: str
    rss_kb: int
    swap_kb: int
    share: float | None  # of the limit (memcg) or of RAM (global)
    oom_score_adj: int | None


@dataclass(frozen=True, slots=True)
class Verdict:
    summary: str
    findings: tuple[str, ...]
    next_steps: tuple[str, ...]


def human_kb(kb: float | None) -> str:
    if kb is None:
        return "?"
    value = float(kb) * 1024
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


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
    data: dict[str, Any] = _clean(dataclasses.asdict(event))
    v = verdict(event, repeated=repeated)
    data["scope"] = event.scope
    data["wall_time_from_boot"] = wall_clock(event, boot_epoch)
    data["top_consumers"] = [_clean(dataclasses.asdict(c)) for c in top_consumers(event)]
    data["verdict"] = {"summary": v.summary, "findings": list(v.findings), "next_steps": list(v.next_steps)}
    data["trend"] = trend_json(trend) if isinstance(trend, EventTrend) else None
    data["trend_note"] = trend.note if isinstance(trend, NoTrend) else None
    return data


# -- the trend recorded by hostward before the kill --------------------------------------------------------------
TREND_TITLE = "Before the kill (recorded by hostward)"


def render_trend(trend: EventTrend | NoTrend, *, top: int = 5) -> list[str]:
    """The "before the kill" section: memory once a minute, its rate of change, and the processes that grew."""
    if isinstance(trend, NoTrend):
        return [f"  {TREND_TITLE}: {safe_text(trend.note)}"]
    at = trend.at
    about = {"boot": " (about: printk stamp + boot time)", "dmesg -T": " (about: dmesg -T)"}.get(
        at.origin, ""
    )
    mem = trend.memory
    # One unit (MiB) for every column: rows are compared with each other, and a 100 MiB step must show on a
    # host with tens of GiB.
    lines = [
        f"  {TREND_TITLE}",
        f"    kill at {_local(at.epoch)}{about}; {trend.samples_before} samples from "
        f"{_local(mem.first.timestamp)} to the kill, {trend.samples_after} after; memory in MiB",
        f"    {'time':<8} {'to kill':>8} {'available':>10} {'free':>10} {'page cache':>10} {'anon':>10} "
        f"{'swap used':>10}",
    ]
    rows = [(p, "") for p in mem.per_minute] + ([(mem.after, "  (after)")] if mem.after else [])
    for p, tag in rows:
        values = (p.available_kb, p.free_kb, p.page_cache_kb, p.anon_kb, p.swap_used_kb)
        lines.append(
            f"    {_local(p.timestamp):<8} {_minutes(p.seconds_to_event):>8} "
            + " ".join(f"{v / 1024:>10.1f}" for v in values)
            + tag
        )
    if mem.rates is not None:
        r = mem.rates
        rates = (
            r.available_kb_per_minute,
            r.free_kb_per_minute,
            r.page_cache_kb_per_minute,
            r.anon_kb_per_minute,
            r.swap_used_kb_per_minute,
        )
        lines.append(f"    {'per min':<8} {'':>8} " + " ".join(f"{v / 1024:>+10.1f}" for v in rates))
    low = mem.lowest_available
    lines.append(
        f"    lowest MemAvailable {low.available_kb / 1024:.1f} MiB at {_local(low.timestamp)} "
        f"({_minutes(low.seconds_to_event, signed=False)} before the kill)"
    )
    # Below 1 MiB is the ordinary jitter of any process (its stack, malloc arenas): not worth a row here.
    grew = [g for g in trend.processes if g.growth_bytes >= MIB][: max(top, 0)]
    if trend.victim is not None and trend.victim not in grew:
        grew.append(trend.victim)
    if grew:
        lines.append(
            f"    processes that grew (of the {trend.top_processes_recorded} largest recorded per sample):"
        )
        lines.append(
            f"      {'pid':>8} {'first MiB':>10} {'last MiB':>10} {'growth MiB':>10} {'MiB/min':>10}  name"
        )
        lines.extend(_growth_row(g, trend.victim) for g in grew)
    elif trend.top_processes_recorded:
        lines.append("    no recorded process grew by 1 MiB or more")
    if trend.victim is not None:
        g = trend.victim
        lines.append(
            f"    the victim (pid {g.pid}) changed by {g.growth_mib:+.1f} MiB in "
            f"{_minutes(g.span_seconds, signed=False)} (min:s) to {g.rss_last_bytes / MIB:.1f} MiB at its "
            f"last recorded sample, {_minutes(g.last_seen - at.epoch, signed=False)} before the kill"
        )
    lines.extend(f"    note: {safe_text(n)}" for n in trend.notes)
    return lines


def _growth_row(g: Growth, victim: Growth | None) -> str:
    rate = g.growth_mib_per_minute
    marks = [m for m, on in (("victim", g is victim), ("new in the window", g.appeared)) if on]
    tags = f"  ({', '.join(marks)})" if marks else ""
    return (
        f"      {g.pid:>8} {g.rss_first_bytes / MIB:>10.1f} {g.rss_last_bytes / MIB:>10.1f} "
        f"{g.growth_mib:>+10.1f} {f'{rate:+.1f}' if rate is not None else '?':>10}  {safe_text(g.comm, 60)}{tags}"
    )


def _minutes(seconds: float, *, signed: bool = True) -> str:
    """-125.4 -> "-2:05" (minutes:seconds); unsigned: "2:05"."""
    sign = ("-" if seconds < 0 else "+") if signed else ""
    whole = round(abs(seconds))
    return f"{sign}{whole // 60}:{whole % 60:02d}"


def _local(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch).strftime("%H:%M:%S")


def trend_json(trend: EventTrend) -> dict[str, Any]:
    mem = trend.memory
    rates = dataclasses.asdict(mem.rates) if mem.rates is not None else None
    return {
        "event_time": trend.at.epoch,
        "event_time_iso": _iso(trend.at.epoch),
        "approximate": trend.at.approximate,
        "time_origin": trend.at.origin,
        "window_start": _iso(trend.window_start),
        "window_end": _iso(trend.window_end),
        "samples_before": trend.samples_before,
        "samples_after": trend.samples_after,
        "memory": {
            "first": _point_json(mem.first),
            "last": _point_json(mem.last),
            "lowest_available": _point_json(mem.lowest_available),
            "after": _point_json(mem.after) if mem.after is not None else None,
            "per_minute": [_point_json(p) for p in mem.per_minute],
            "rates": rates,
        },
        "processes": [_growth_json(g) for g in trend.processes],
        "top_processes_recorded": trend.top_processes_recorded,
        "victim_pid": trend.victim_pid,
        "victim": _growth_json(trend.victim) if trend.victim is not None else None,
        "notes": list(trend.notes),
    }


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")


def _point_json(p: MemoryPoint) -> dict[str, Any]:
    return {"time": _iso(p.timestamp), **dataclasses.asdict(p)}


def _growth_json(g: Growth) -> dict[str, Any]:
    data: dict[str, Any] = _clean(dataclasses.asdict(g))
    rate = g.growth_mib_per_minute
    data["growth_bytes"] = g.growth_bytes
    data["growth_mib"] = round(g.growth_mib, 3)
    data["growth_mib_per_minute"] = round(rate, 3) if rate is not None else None
    return data


def _clean(value: Any) -> Any:
    """Strings that held undecodable bytes (surrogate escapes) become valid Unicode for any JSON reader."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value
