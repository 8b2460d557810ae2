"""A drill's result: the timeline (seconds after the hog was told to start) and the verdict, as text or JSON."""

from __future__ import annotations

import signal
from dataclasses import asdict, dataclass
from typing import Any

from hostward.oom.drill.drill_kmsg import KernelKill
from hostward.oom.guard.events import KIND_ESCALATE, KIND_EXITED, KIND_SIGNAL, KIND_TRIGGER, GuardEvent
from hostward.oom.guard.guard_memcg import CgroupLevels
from hostward.oom.guard.triggers import format_bytes


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    seconds: float  # after the go signal
    what: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DrillResult:
    spec: dict[str, Any]
    limit_bytes: int
    threshold_bytes: int
    critical_bytes: int
    baseline_bytes: int  # cgroup usage before the hog started allocating (interpreters, bystander)
    timeline: tuple[TimelineEntry, ...]
    crossed_s: float | None  # threshold crossed (from the hog's own progress reports)
    detected_s: float | None  # the guard's trigger fired
    signalled_s: float | None
    signal: str | None
    exited_s: float | None
    hog_returncode: int | None
    timed_out: bool
    peak_bytes: int | None
    headroom_left_bytes: int | None  # limit - peak: how close it came
    kernel_oom_kills_cgroup: int | None  # delta of the cgroup's oom_kill counter
    kernel_oom_kills_host: int | None  # delta of /proc/vmstat oom_kill (host-wide: other activity counts too)
    # From the kernel log of the same window (None: /dev/kmsg unreadable): kills of this drill's processes,
    # memory-cgroup kills of processes elsewhere (another cgroup hit its own limit), and global OOM kills.
    kills_in_drill: int | None
    kills_other_cgroups: int | None
    kills_global: int | None
    bystander_survived: bool | None
    hog_pid: int
    bystander_pid: int | None
    cgroup_path: str
    started_monotonic: float  # CLOCK_MONOTONIC of the go signal: timeline zero, comparable across processes
    acted_by: str  # "guard", "kernel", "none"
    guard_first: bool

    @property
    def detect_latency_s(self) -> float | None:
        if self.crossed_s is None or self.detected_s is None:
            return None
        return self.detected_s - self.crossed_s

    @property
    def kill_latency_s(self) -> float | None:
        """From detection to the hog's exit (memory released)."""
        if self.detected_s is None or self.exited_s is None:
            return None
        return self.exited_s - self.detected_s

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["detect_latency_s"] = self.detect_latency_s
        data["kill_latency_s"] = self.kill_latency_s
        return data


PTE_OVERHEAD = 1 + 8 / 4096  # one 8-byte page-table entry per 4 KiB page, charged to the cgroup as well


def _crossing(
    progress: list[tuple[float, int]], baseline: int, threshold: int, until: float | None
) -> float | None:
    """Estimated CLOCK_MONOTONIC time at which the cgroup's usage reached ``threshold``.

    usage ~ baseline + touched x PTE_OVERHEAD, interpolated between progress reports. When the last report is
    still below the threshold (the hog was killed inside a chunk), its overall pace is extrapolated, but
    never past ``until`` (the moment the guard saw usage above the threshold).
    """
    previous = None
    for when, touched in progress:
        usage = baseline + touched * PTE_OVERHEAD
        if usage >= threshold:
            if previous is None:
                return when
            t0, u0 = previous
            return when if usage <= u0 else t0 + (when - t0) * (threshold - u0) / (usage - u0)
        previous = (when, usage)
    if until is None or len(progress) < 2 or previous is None:
        return None
    (t_a, b_a), (t_b, b_b) = progress[0], progress[-1]
    if t_b <= t_a or b_b <= b_a:
        return None
    rate = (b_b - b_a) * PTE_OVERHEAD / (t_b - t_a)  # the hog's overall pace, not one burst's speed
    return min(previous[0] + (threshold - previous[1]) / rate, until)


def build_result(
    *,
    spec_summary: dict[str, Any],
    limit_bytes: int,
    levels: CgroupLevels,
    baseline_bytes: int,
    started: float,
    progress: list[tuple[float, int]],
    events: list[GuardEvent],
    exited_at: float | None,
    hog_returncode: int | None,
    timed_out: bool,
    peak_bytes: int | None,
    oom_cgroup: int | None,
    oom_host: int | None,
    bystander_alive: bool | None,
    guard_ran: bool,
    kernel_kills: list[KernelKill] | None,
    hog_pid: int,
    bystander_pid: int | None,
    cgroup_path: str,
) -> DrillResult:
    def rel(t: float | None) -> float | None:
        return None if t is None else t - started

    entries: list[TimelineEntry] = [
        TimelineEntry(0.0, "hog started", f"baseline {format_bytes(baseline_bytes)}")
    ]
    seen_above = next((e.mono for e in events if e.kind == KIND_TRIGGER), None)
    crossed = rel(_crossing(progress, baseline_bytes, levels.threshold_bytes, seen_above))
    if crossed is not None:
        entries.append(TimelineEntry(crossed, "threshold crossed", format_bytes(levels.threshold_bytes)))
    detected = signalled = None
    sig: str | None = None
    for event in events:
        when = rel(event.mono) or 0.0
        if event.kind == KIND_TRIGGER and detected is None:
            detected = when
            entries.append(TimelineEntry(when, "guard detected", event.reason))
        elif event.kind in (KIND_SIGNAL, KIND_ESCALATE):
            if signalled is None:
                signalled, sig = when, event.signal
            entries.append(
                TimelineEntry(when, f"guard sent {event.signal}", f"pid {event.pid} ({event.comm})")
            )
        elif event.kind == KIND_EXITED:
            entries.append(TimelineEntry(when, "guard saw exit", f"pid {event.pid}"))
    exited = rel(exited_at)
    if exited is not None:
        entries.append(TimelineEntry(exited, "hog exited", _status(hog_returncode)))
        if oom_cgroup:
            entries.append(TimelineEntry(exited, "kernel OOM kill", f"cgroup oom_kill +{oom_cgroup}"))
    elif timed_out:
        entries.append(
            TimelineEntry((rel(progress[-1][0]) or 0.0) if progress else 0.0, "timed out", "nobody acted")
        )
    if progress:
        entries.append(
            TimelineEntry(rel(progress[-1][0]) or 0.0, "last hog report", format_bytes(progress[-1][1]))
        )
    entries.sort(key=lambda e: e.seconds)
    if oom_cgroup:
        acted_by = "kernel"
    elif signalled is not None and exited is not None:
        acted_by = "guard"
    else:
        acted_by = "none"
    ours = {hog_pid} | ({bystander_pid} if bystander_pid is not None else set())
    in_drill = other = global_kills = None
    if kernel_kills is not None:
        in_drill = sum(k.pid in ours for k in kernel_kills)
        other = sum(k.memcg and k.pid not in ours for k in kernel_kills)
        global_kills = sum(not k.memcg and k.pid not in ours for k in kernel_kills)
    # The host counter may move for other cgroups' own OOMs on a shared host; the guard was first only if every
    # host-wide kill in the window is explained that way (or, without the log, if there was none at all).
    explained = oom_host == 0 or (
        other is not None and oom_host == other and not global_kills and not in_drill
    )
    guard_first = guard_ran and acted_by == "guard" and not oom_cgroup and explained
    return DrillResult(
        spec=spec_summary,
        limit_bytes=limit_bytes,
        threshold_bytes=levels.threshold_bytes,
        critical_bytes=levels.critical_bytes,
        baseline_bytes=baseline_bytes,
        timeline=tuple(entries),
        crossed_s=crossed,
        detected_s=detected,
        signalled_s=signalled,
        signal=sig,
        exited_s=exited,
        hog_returncode=hog_returncode,
        timed_out=timed_out,
        peak_bytes=peak_bytes,
        headroom_left_bytes=None if peak_bytes is None else limit_bytes - peak_bytes,
        kernel_oom_kills_cgroup=oom_cgroup,
        kernel_oom_kills_host=oom_host,
        kills_in_drill=in_drill,
        kills_other_cgroups=other,
        kills_global=global_kills,
        bystander_survived=bystander_alive,
        hog_pid=hog_pid,
        bystander_pid=bystander_pid,
        cgroup_path=cgroup_path,
        started_monotonic=started,
        acted_by=acted_by,
        guard_first=guard_first,
    )


def _status(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def render_text(result: DrillResult) -> str:
    """The timeline and verdict for people."""
    lines = [
        f"drill: limit {format_bytes(result.limit_bytes)}, guard threshold {format_bytes(result.threshold_bytes)}, "
        f"critical {format_bytes(result.critical_bytes)}, rate {_rate(result.spec.get('rate_bps', 0))}",
        "",
    ]
    for entry in result.timeline:
        lines.append(f"  {entry.seconds * 1000:9.1f} ms  {entry.what:<18} {entry.detail}")
    lines.append("")

    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v * 1000:.1f} ms"

    lines += [
        f"detect latency   {ms(result.detect_latency_s)} (threshold crossed -> guard woke)",
        f"kill latency     {ms(result.kill_latency_s)} (guard woke -> hog gone)",
        f"peak usage       {'-' if result.peak_bytes is None else format_bytes(result.peak_bytes)}, "
        f"headroom left {'-' if result.headroom_left_bytes is None else format_bytes(result.headroom_left_bytes)}",
        f"kernel OOM kills cgroup {_count(result.kernel_oom_kills_cgroup)}, host {_count(result.kernel_oom_kills_host)}"
        + _attribution(result),
        f"bystander        {_bystander(result.bystander_survived)}",
        f"verdict          acted by {result.acted_by}; "
        + ("guard acted first" if result.guard_first else "guard did NOT act first"),
    ]
    return "\n".join(lines) + "\n"


def _attribution(result: DrillResult) -> str:
    if result.kills_other_cgroups is None:
        return " (kernel log unreadable)" if result.kernel_oom_kills_host else ""
    if not (result.kills_other_cgroups or result.kills_global or result.kills_in_drill):
        return ""
    return (
        f" (kernel log: {result.kills_in_drill} of the drill's processes, {result.kills_other_cgroups} in other "
        f"memory cgroups, {result.kills_global} global)"
    )


def _rate(rate_bps: int) -> str:
    return "as fast as it can" if not rate_bps else f"{format_bytes(rate_bps)}/s"


def _count(value: int | None) -> str:
    return "unknown" if value is None else f"+{value}"


def _bystander(value: bool | None) -> str:
    return "none" if value is None else "survived" if value else "KILLED"
