"""Text and JSON of the memory trend before an OOM kill (oom/kernlog/trend.py computes it; oom/kernlog/report.py places it)."""

from __future__ import annotations

import datetime as dt

from hostward.frozen import asdict
from hostward.oom.kernlog.sanitize import json_safe, safe_text
from hostward.oom.kernlog.trend import EventTrend, Growth, MemoryPoint, NoTrend

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any

MIB = 1 << 20
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
    rates = asdict(mem.rates) if mem.rates is not None else None
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
    return {"time": _iso(p.timestamp), **asdict(p)}


def _growth_json(g: Growth) -> dict[str, Any]:
    data: dict[str, Any] = json_safe(asdict(g))
    rate = g.growth_mib_per_minute
    data["growth_bytes"] = g.growth_bytes
    data["growth_mib"] = round(g.growth_mib, 3)
    data["growth_mib_per_minute"] = round(rate, 3) if rate is not None else None
    return data
