"""hostward_* families of the OOM toolkit: guard trigger state, protection coverage, the next OOM victim, and
the clock's health as the recorder measured it.

The trigger state is read when the scrape arrives (one /proc/meminfo read, the guard's own MemoryTrigger with
the configured thresholds); the protection status and the OOM ranking scan every process, so they come from a
background poll. Labels are bounded: rule names come from the configuration, the candidate's ``comm`` is one
series at a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client.core import Metric

from hostward.collect.sample import ClockSample
from hostward.config import GuardConfig, ProtectRule
from hostward.export.families import GaugeFamily
from hostward.oom.guard.triggers import MemoryTrigger, Threshold, parse_threshold
from hostward.oom.protect.policy import Outcome, status
from hostward.oom.score.top import take_snapshot
from hostward.procfs import ProcFS


@dataclass(frozen=True, slots=True)
class Candidate:
    comm: str
    score: int  # /proc/PID/oom_score scale (0-2000)
    points: int  # oom_badness's result (pages before 5.9-era scaling)


def read_candidate(procfs: ProcFS) -> Candidate | None:
    """The process the kernel's OOM killer would pick now (hostward oom top's first row)."""
    victim = take_snapshot(procfs, with_cmdline=False).victim
    if victim is None:
        return None
    return Candidate(victim.info.comm[:15], victim.badness.proc_score, victim.badness.points or 0)


@dataclass(frozen=True, slots=True)
class Coverage:
    by_rule: tuple[tuple[str, str, int], ...]  # (rule, outcome, processes)


_OUTCOMES = {Outcome.ALREADY: "applied", Outcome.WOULD_APPLY: "pending", Outcome.WOULD_FAIL: "refused"}


def read_coverage(rules: tuple[ProtectRule, ...], procfs: ProcFS) -> Coverage:
    rows: list[tuple[str, str, int]] = []
    for rule_status in status(rules, procfs):
        for outcome, label in _OUTCOMES.items():
            rows.append(
                (rule_status.rule.name, label, sum(1 for a in rule_status.actions if a.outcome is outcome))
            )
    return Coverage(tuple(rows))


def memory_trigger(cfg: GuardConfig, procfs: ProcFS) -> MemoryTrigger:
    """The guard's host-wide trigger with the configured thresholds (guard_setup.build_triggers' rule)."""
    mem = parse_threshold(cfg.mem_available) if cfg.mem_available else Threshold(cfg.mem_available_percent)
    swap = parse_threshold(cfg.swap_free) if cfg.swap_free else Threshold(cfg.swap_free_percent)
    return MemoryTrigger(procfs, mem, swap)


def trigger_families(
    trigger: MemoryTrigger, enabled: bool, clock: Callable[[], float] = time.monotonic
) -> Iterator[Metric]:
    reading = trigger.sample(clock())
    yield GaugeFamily("hostward_guard_enabled", "Whether [guard] enabled is true.", value=1 if enabled else 0)
    low = GaugeFamily(
        "hostward_guard_trigger_active",
        "Whether a guard trigger's condition is met now (level: low = act with SIGTERM, critical = SIGKILL).",
        labels=("trigger", "level"),
    )
    low.add_metric((reading.trigger, "low"), 1 if reading.low else 0)
    low.add_metric((reading.trigger, "critical"), 1 if reading.critical else 0)
    yield low
    if reading.headroom_bytes is not None:
        yield GaugeFamily(
            "hostward_guard_headroom_bytes",
            "Bytes left before the guard's hard limit (MemAvailable above the kill threshold).",
            value=reading.headroom_bytes,
        )


def coverage_family(rules: int, coverage: Coverage | None) -> Iterator[Metric]:
    yield GaugeFamily("hostward_protect_rules", "Number of [[oom.protect]] rules configured.", value=rules)
    family = GaugeFamily(
        "hostward_protect_processes",
        "Running processes each protection rule covers, by state: applied, pending, refused (by the kernel).",
        labels=("rule", "state"),
    )
    for rule, state, count in coverage.by_rule if coverage else ():
        family.add_metric((rule, state), count)
    yield family


def candidate_families(candidate: Candidate | None) -> Iterator[Metric]:
    if candidate is None:
        return
    score = GaugeFamily(
        "hostward_oom_top_candidate_score",
        "oom_score (0-2000) of the process the kernel's OOM killer would pick now.",
        labels=("comm",),
    )
    score.add_metric((candidate.comm,), candidate.score)
    yield score
    yield GaugeFamily(
        "hostward_oom_top_candidate_badness_points",
        "oom_badness() points of the process the kernel's OOM killer would pick now.",
        value=candidate.points,
    )


def clock_families(clock: ClockSample | None) -> Iterator[Metric]:
    """NTP health as the recorder last measured it against the [ntp] servers (none when none are configured)."""
    if clock is None or clock.servers_queried == 0:
        return
    yield GaugeFamily(
        "hostward_ntp_servers_queried",
        "[ntp] servers the recorder queried in its last burst.",
        value=clock.servers_queried,
    )
    yield GaugeFamily(
        "hostward_ntp_servers_agreeing",
        "Servers whose offsets agree (RFC 5905 intersection) in the last burst.",
        value=clock.servers_agreeing,
    )
    if clock.server_offset_known:
        yield GaugeFamily(
            "hostward_ntp_offset_seconds",
            "Offset of the selected server's time from the local clock (server - local), RFC 5905 theta.",
            value=clock.server_offset_ns / 1e9,
        )
        yield GaugeFamily(
            "hostward_ntp_root_distance_seconds",
            "Root distance of the selected server: the offset's error bound.",
            value=clock.server_error_ns / 1e9,
        )
