"""Build a guard from the configuration: the one place that turns [guard] and [[oom.protect]] into triggers, a
scope, a selector, hooks and settings. Used by ``hostward oom guard`` and, later, by the main daemon.
"""

from __future__ import annotations

from pathlib import Path

from hostward.config import Config, GuardConfig
from hostward.errors import UsageError
from hostward.oom.guard.cgroup import MemoryCgroup, find_mounts
from hostward.oom.guard.guard import Guard, GuardSettings
from hostward.oom.guard.guard_memcg import cgroup_trigger
from hostward.oom.guard.hooks import Hooks
from hostward.oom.guard.triggers import (
    MemoryTrigger,
    PsiSpec,
    PsiTrigger,
    Threshold,
    Trigger,
    parse_psi_spec,
    parse_threshold,
)
from hostward.oom.guard.victim import Scope, VictimSelector
from hostward.oom.protect.defaults import rules_in_force
from hostward.procfs import ProcFS
from hostward.safefs import prepare_private_dir


def resolve_cgroup(path: str, procfs: ProcFS) -> MemoryCgroup:
    """'/workloads/batch' (path in the hierarchy) or '/sys/fs/cgroup/memory/workloads/batch' -> MemoryCgroup."""
    v1, v2 = find_mounts(procfs.read("self/mounts"))
    for version, mount in ((1, v1), (2, v2)):
        if mount is None:
            continue
        inside = path.removeprefix(str(mount)) if path.startswith(str(mount) + "/") else path
        candidate = MemoryCgroup(version, mount, "/" + inside.strip("/"))
        if candidate.directory.is_dir() and (
            (candidate.directory / "memory.usage_in_bytes").exists()
            or (candidate.directory / "memory.current").exists()
        ):
            return candidate
    raise UsageError(
        f"no memory cgroup {path!r} (give its path in the memory hierarchy, e.g. /workloads/batch)"
    )


def build_triggers(
    cfg: GuardConfig, scope: Scope, procfs: ProcFS, critical_percent: float = 3.0
) -> list[Trigger]:
    triggers: list[Trigger] = []
    if scope.cgroup is not None:
        triggers.append(
            cgroup_trigger(
                scope.cgroup, parse_threshold(cfg.cgroup_headroom), critical_percent=critical_percent
            )
        )
    if scope.cgroup is None or cfg.mem_available:
        mem = (
            parse_threshold(cfg.mem_available) if cfg.mem_available else Threshold(cfg.mem_available_percent)
        )
        swap = parse_threshold(cfg.swap_free) if cfg.swap_free else Threshold(cfg.swap_free_percent)
        triggers.append(MemoryTrigger(procfs, mem, swap))
    spec: PsiSpec | None = None
    if cfg.psi:
        spec = parse_psi_spec(cfg.psi)
    elif cfg.psi_full_avg10 > 0:
        # avg10 is a 10 s running average: the closest trigger is the same share of a 10 s window.
        spec = PsiSpec("full", int(10_000_000 * cfg.psi_full_avg10 / 100), 10_000_000)
    if spec is not None:
        path = procfs.proc / "pressure" / "memory"
        if scope.cgroup is not None and scope.cgroup.version == 2:
            path = scope.cgroup.directory / "memory.pressure"  # per-cgroup PSI exists only on cgroup2
        triggers.append(PsiTrigger(path, spec))
    return triggers


def build_guard(
    config: Config,
    *,
    procfs: ProcFS | None = None,
    events_file: Path | None = None,
    critical_percent: float = 3.0,
) -> Guard:
    """A ready Guard (not yet running) for ``config``. Raises UsageError/ConfigError for bad settings."""
    procfs = procfs or ProcFS()
    cfg = config.guard
    if cfg.kill_group not in ("", "pgrp", "cgroup"):
        raise UsageError(f"[guard] kill_group must be '', 'pgrp' or 'cgroup', not {cfg.kill_group!r}")
    scope = Scope(resolve_cgroup(cfg.cgroup, procfs) if cfg.cgroup else None)
    selector = VictimSelector(scope, rules_in_force(config.oom)[0], procfs=procfs)
    if events_file is not None:  # StrictModes for the directory of events.jsonl: at start, not at an event
        prepare_private_dir(events_file.parent, "guard events directory")
    # Hooks are checked before the triggers open their descriptors: a bad hook leaks nothing.
    hooks = Hooks(before=cfg.hook_before, after=cfg.hook_after) if cfg.hook_before or cfg.hook_after else None
    triggers = build_triggers(cfg, scope, procfs, critical_percent)
    settings = GuardSettings(
        sustain_seconds=cfg.sustain_seconds,
        grace_seconds=cfg.grace_seconds,
        dry_run=cfg.dry_run,
        kill_group=cfg.kill_group or None,
    )
    return Guard(triggers, selector, settings, events_file, hooks)
