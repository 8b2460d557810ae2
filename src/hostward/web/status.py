"""The dashboard's view of the OOM toolkit, the clock and the events timeline, through the library functions
``hostward oom top|protect status|report``, ``hostward ntp status|query`` and ``sar -C`` use.

Every function returns plain JSON-ready data (the API serves it as is; templates escape every string).
Process names, command lines and log text are chosen by whoever runs a process: they pass through
``oom.sanitize.safe_text`` (control characters encoded) and are never marked safe for HTML.
"""

from __future__ import annotations

import collections
import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hostward.collect.redact import redact_args
from hostward.config import Config
from hostward.errors import CollectError, HostwardError
from hostward.frozen import jsonable
from hostward.oom.guard.events import (
    KIND_ESCALATE,
    KIND_NO_VICTIM,
    KIND_SIGNAL,
    KIND_WOULD_KILL,
    events_path,
    read_events,
)
from hostward.oom.kernlog import sources
from hostward.oom.kernlog.kernlog import kernel_lines
from hostward.oom.kernlog.oomevent import OomEvent
from hostward.oom.kernlog.oomparse import parse_events
from hostward.oom.kernlog.report import event_json, repeat_key
from hostward.oom.kernlog.sanitize import safe_text
from hostward.oom.protect.defaults import rules_in_force
from hostward.oom.protect.policy import status as protect_status
from hostward.oom.score.top import take_snapshot, with_cmdlines
from hostward.plot.series import SeriesSet
from hostward.procfs import ProcFS

MAX_KILLS = 50  # kernel OOM kills kept from the ring buffer (newest)
GUARD_KINDS = frozenset({KIND_SIGNAL, KIND_ESCALATE, KIND_WOULD_KILL, KIND_NO_VICTIM})  # as sar -C shows


def _text(value: object, limit: int = 300) -> str:
    return safe_text(str(value), limit) if value is not None else ""


def boot_epoch(procfs: ProcFS | None = None) -> float | None:
    """Wall time of boot from /proc/uptime (as ``oom report`` dates this boot's printk stamps)."""
    try:
        uptime = float((procfs or ProcFS()).read("uptime").split()[0])
    except (CollectError, ValueError, IndexError):
        return None
    return time.time() - uptime


# -- oom top ---------------------------------------------------------------------------------------------------


def oom_top(limit: int = 20, procfs: ProcFS | None = None) -> dict[str, Any]:
    """``hostward oom top --json``: killable processes by badness, the next victim first."""
    procfs = procfs or ProcFS()
    snap = take_snapshot(procfs, with_cmdline=False)
    rows = with_cmdlines(procfs, list(snap.killable)[: max(limit, 0)])
    victim = snap.victim
    if victim is not None:
        victim = (
            next((r for r in rows if r.info.pid == victim.info.pid), None)
            or with_cmdlines(procfs, [victim])[0]
        )
    return {
        "time": time.time(),
        "kernel": snap.kernel_release,
        "victim": _process(victim) if victim is not None else None,
        "processes": [_process(p) for p in rows],
    }


def _process(p: Any) -> dict[str, Any]:
    return {
        "pid": p.info.pid,
        "user": _text(p.info.user, 64),
        "comm": _text(p.info.comm, 64),
        # Viewers may be remote: a password on a command line is masked here as in the recordings.
        "cmdline": _text(" ".join(redact_args(p.info.cmdline)), 300),
        "eligibility": p.eligibility.value,
        "rss_bytes": p.info.rss_bytes,
        "swap_bytes": p.info.swap_bytes,
        "oom_score_adj": p.info.oom_score_adj,
        "badness_pages": p.badness.points,
        "oom_score": p.info.oom_score if p.info.oom_score is not None else p.computed_score,
        "share_of_memory": round(p.share_of_memory, 6),
    }


# -- protection policy -----------------------------------------------------------------------------------------


def protection(config: Config, procfs: ProcFS | None = None) -> list[dict[str, Any]]:
    """``hostward oom protect status``: each [[oom.protect]] rule and the processes it covers."""
    rules = rules_in_force(config.oom)[0]
    if not rules:
        return []
    out = []
    for rs in protect_status(rules, procfs):
        out.append(
            {
                "rule": _text(rs.rule.name, 80),
                "oom_score_adj": rs.rule.oom_score_adj,
                "trusted": rs.trust.trusted,
                "trust": _text(rs.trust.reason, 300),
                "processes": [
                    {
                        "pid": a.pid,
                        "comm": _text(a.comm, 64),
                        "command": _text(a.command or f"[{a.comm}]", 200),
                        "previous_adj": a.previous_adj,
                        "target_adj": a.target_adj,
                        "outcome": a.outcome.value,
                        "reason": _text(a.reason, 300),
                    }
                    for a in rs.actions
                ],
            }
        )
    return out


# -- kernel OOM kills (oom report) -----------------------------------------------------------------------------


def _with_repeats(events: Iterator[OomEvent]) -> Iterator[tuple[OomEvent, int]]:
    # oom report's count of "the same OOM again" (per memory cgroup, or the host).
    seen: collections.Counter[tuple[str, str | None]] = collections.Counter()
    for event in events:
        key = repeat_key(event)
        seen[key] += 1
        yield event, seen[key]


def oom_kills(limit: int = MAX_KILLS) -> dict[str, Any]:
    """``hostward oom report --json --last N`` of the kernel's ring buffer, each kill with its root cause
    (verdict); ``time`` is the kill's wall time (approximate, from the printk stamp), or null."""
    try:
        origin, raw = sources.default_lines()
        boot = boot_epoch()
        events = collections.deque(_with_repeats(parse_events(kernel_lines(raw))), maxlen=limit)
    except HostwardError as exc:
        return {"source": None, "problem": _text(exc), "kills": []}
    kills = []
    for event, repeated in events:
        data = event_json(event, repeated=repeated, boot_epoch=boot)
        stamp = (
            boot + event.monotonic_seconds
            if boot is not None and event.monotonic_seconds is not None
            else None
        )
        victim = event.victims[0] if event.victims else None
        kills.append(
            {
                "time": stamp,
                "victim_pid": victim.pid if victim else None,
                "victim_comm": _text(victim.comm, 64) if victim else "",
                "scope": _text(data.get("scope"), 40),
                "summary": _text(data["verdict"]["summary"], 500),
                "findings": [_text(f, 500) for f in data["verdict"]["findings"]],
                "next_steps": [_text(s, 500) for s in data["verdict"]["next_steps"]],
                "repeated": repeated,
            }
        )
    return {"source": origin, "problem": None, "kills": kills}


# -- guard actions ----------------------------------------------------------------------------------------------


def guard_actions(
    data_dir: Path, since: float | None = None, until: float | None = None
) -> list[dict[str, Any]]:
    """The OOM guard's decisions and signals (DATA_DIR/events.jsonl), as ``sar -C`` merges them."""
    out = []
    for e in read_events(events_path(data_dir)):
        if e.kind not in GUARD_KINDS:
            continue
        if (since is not None and e.time < since) or (until is not None and e.time > until):
            continue
        out.append(
            {
                "time": e.time,
                "kind": e.kind,
                "dry_run": e.dry_run,
                "signal": _text(e.signal, 16),
                "pid": e.pid,
                "comm": _text(e.comm, 64),
                "badness": e.badness,
                "rule": _text(e.rule, 80),
                "reason": _text(e.reason, 300),
            }
        )
    return out


# -- timeline ---------------------------------------------------------------------------------------------------


def timeline(found: SeriesSet, data_dir: Path, since: float, until: float) -> list[dict[str, Any]]:
    """One list, oldest first: restarts, comments and clock steps of the recording (the marks ``hostward
    plot`` draws), the guard's actions, and the kernel's OOM kills within [since, until]."""
    items: list[dict[str, Any]] = [
        {"time": m.timestamp, "kind": m.kind, "text": _text(m.label, 300)} for m in found.marks
    ]
    for g in guard_actions(data_dir, since, until):
        what = f"{g['kind']}{' (dry run)' if g['dry_run'] else ''} {g['signal']} pid {g['pid']} ({g['comm']})"
        items.append({"time": g["time"], "kind": "guard", "text": f"{what}: {g['reason']}"})
    for k in oom_kills()["kills"]:
        if k["time"] is not None and since <= k["time"] <= until:
            items.append(
                {
                    "time": k["time"],
                    "kind": "oom-kill",
                    "text": f"OOM kill of {k['victim_comm']}: {k['summary']}",
                }
            )
    items.sort(key=lambda i: i["time"])
    return items


# -- clock -------------------------------------------------------------------------------------------------------


def clock_state() -> dict[str, Any]:
    """``hostward ntp status``: the kernel clock, time daemons and the verdict (no network)."""
    from hostward.ntp.status import gather  # noqa: PLC0415 - imports libc's adjtimex on first use

    health = gather()
    kernel = health.kernel
    return {
        "level": health.verdict.level,
        "summary": _text(health.verdict.summary, 500),
        "steps": [_text(s, 500) for s in health.verdict.details][:10],
        "daemons": sorted({_text(d.name, 40) for d in health.daemons}),
        "kernel": None if kernel is None else _jsonable(kernel),
    }


def _leaf(value: Any) -> Any:
    """How the dashboard shows what is not a record or a container: numbers as they are (an IntEnum as its
    number), anything else as safe text of at most 300 characters."""
    if isinstance(value, int | float | bool) or value is None:
        return value
    return _text(value, 300)


def _jsonable(value: Any) -> Any:
    return jsonable(value, _leaf)


def ntp_sources(config: Config, *, timeout: float = 1.0) -> dict[str, Any]:
    """``hostward ntp query --json`` of the configured [ntp] servers (one quick burst)."""
    from hostward.ntp.query import run_query  # noqa: PLC0415
    from hostward.ntp.transport import parse_server  # noqa: PLC0415

    texts = list(config.ntp.servers)
    if not texts:
        return {"servers": [], "selection": None, "verdict": None, "problem": "no [ntp] servers configured"}
    servers = []
    for text in itertools.islice(texts, 16):
        server = parse_server(text)
        if server not in servers:
            servers.append(server)
    try:
        report = run_query(servers, samples=2, interval=0.2, timeout=timeout, retries=0)
    except HostwardError as exc:
        return {"servers": [], "selection": None, "verdict": None, "problem": _text(exc)}
    doc: dict[str, Any] = _jsonable(report.to_json())
    doc["problem"] = None
    return doc
