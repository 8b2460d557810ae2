"""Safe OOM drills: a temporary memory cgroup with a limit, a hog filling it at a chosen rate, an optional
protected bystander, the guard (or, with ``kernel=True``, only the kernel) acting, and a timeline.

Nothing here can exhaust the host: the hog allocates only after it has been moved into the drill's cgroup and
has checked the limit itself (see hog.py), and the cgroup with everything in it is removed in a ``finally``,
whatever happens (errors, Ctrl-C, a hog that never dies). The kernel's verdict comes from its own counters:
the cgroup's ``oom_kill`` (v1 memory.oom_control since 4.13, v2 memory.events) and /proc/vmstat ``oom_kill``.

"Threshold crossed" is not taken from the guard (that would measure the guard with itself): the hog reports
``(CLOCK_MONOTONIC, bytes touched)`` per MiB and the drill interpolates when the cgroup's usage at the start
plus the bytes touched reached the threshold. The estimate ignores the hog's page tables (1/512 of the bytes).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from hostward.config import ProtectRule
from hostward.errors import CollectError, UsageError
from hostward.oom.drill.drill_kmsg import KmsgWatch
from hostward.oom.drill.drill_timeline import DrillResult, TimelineEntry, build_result
from hostward.oom.drill.stale import drill_name, remove_stale_drill_cgroups
from hostward.oom.guard.cgroup import MemoryCgroup, memory_cgroup_of
from hostward.oom.guard.events import GuardEvent
from hostward.oom.guard.guard import Guard, GuardSettings
from hostward.oom.guard.guard_memcg import cgroup_levels, cgroup_trigger
from hostward.oom.guard.triggers import MIB, Threshold
from hostward.oom.guard.victim import Scope, VictimSelector
from hostward.procfs import ProcFS

log = logging.getLogger(__name__)

BYSTANDER_RULE = ProtectRule(
    name="drill-bystander",
    oom_score_adj=-1000,
    cmdline_regex=r"hostward\.oom\.drill\.hog .*--bystander",
    trust_unprivileged=True,  # the drill's guard sees only the drill's own cgroup: nobody else can match
)
# Reaction budget for the default headroom: wake-up (eventfd, <1 ms) + one selection over the cgroup (a few
# ms in Python) + signal delivery + the victim's exit (exit_mmap of what it holds), with margin for a busy CPU.
REACTION_BUDGET_SECONDS = 0.05
ASSUMED_MAX_RATE_BPS = 4 * 1024 * MIB  # for "as fast as it can": faster than a 4 KiB-faulting hog gets here
_counter = itertools.count()


@dataclass(frozen=True, slots=True)
class DrillSpec:
    limit_bytes: int
    rate_bps: int  # 0: as fast as it can
    headroom: Threshold | None = None  # None: default_headroom(limit, rate)
    bystander: bool = False
    bystander_bytes: int = 32 * MIB
    kernel: bool = False  # let the kernel act: no guard
    grace_seconds: float = 2.0
    sustain_seconds: float = 0.0
    critical_percent: float = 3.0
    timeout_seconds: float = 60.0
    hog_max_bytes: int | None = None  # the hog stops (and holds) here; default twice the limit
    rules: tuple[ProtectRule, ...] = ()
    python: str = sys.executable


def default_headroom(limit_bytes: int, rate_bps: int) -> Threshold:
    """rate x reaction budget + 5% of the limit, between 10% and 50% of the limit (docs/oom-guard.md)."""
    rate = rate_bps if rate_bps > 0 else ASSUMED_MAX_RATE_BPS
    room = int(rate * REACTION_BUDGET_SECONDS + limit_bytes * 0.05)
    room = min(max(room, limit_bytes // 10), limit_bytes // 2)
    return Threshold(absolute_bytes=room)


@dataclass
class _Run:
    """Mutable state of one drill, shared with the reader threads."""

    progress: list[tuple[float, int]] = field(default_factory=list)
    events: list[GuardEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, event: GuardEvent) -> None:
        with self.lock:
            self.events.append(event)


def read_vmstat_oom_kills(procfs: ProcFS) -> int | None:
    match = re.search(r"^oom_kill (\d+)$", procfs.read("vmstat"), re.MULTILINE)
    return int(match[1]) if match else None


def run_drill(
    spec: DrillSpec,
    *,
    procfs: ProcFS | None = None,
    parent: MemoryCgroup | None = None,
    on_cgroup: Callable[[MemoryCgroup], None] | None = None,
    on_ready: Callable[[int, int], None] | None = None,
) -> DrillResult:
    """Run one drill and return its result. The cgroup and its processes are gone when this returns or raises.

    ``on_cgroup`` is called with the drill's cgroup right after it is created (tests and benchmarks use it);
    ``on_ready(baseline_bytes, threshold_bytes)`` just before the hog is told to start (the benchmark starts
    earlyoom there, with the drill's threshold expressed host-wide).
    """
    if spec.limit_bytes <= 0:
        raise UsageError("a drill needs a memory limit (--limit), e.g. --limit 512M")
    if spec.limit_bytes < 64 * MIB:
        raise UsageError("a drill limit below 64M leaves no room for the Python hog itself")
    procfs = procfs or ProcFS()
    parent = parent or memory_cgroup_of("self", procfs)
    if parent is None:
        raise CollectError("no memory cgroup controller found (v1 memory, or v2 with the memory controller)")
    headroom = spec.headroom or default_headroom(spec.limit_bytes, spec.rate_bps)
    levels = cgroup_levels(spec.limit_bytes, headroom, spec.critical_percent)
    remove_stale_drill_cgroups(parent, procfs)
    cgroup = parent.child(drill_name(os.getpid(), next(_counter)))
    run = _Run()
    procs: list[subprocess.Popen[bytes]] = []
    guard: Guard | None = None
    guard_thread: threading.Thread | None = None
    kmsg: KmsgWatch | None = None
    cgroup.create()
    try:
        if on_cgroup is not None:
            on_cgroup(cgroup)
        cgroup.set_limit(spec.limit_bytes)
        bystander = None
        if spec.bystander:
            bystander = _start(spec, cgroup, ["--bystander", "--size", str(spec.bystander_bytes)], procs)
            _wait_line(bystander, 10.0)  # "ready"
            _go(bystander)
            _wait_line(bystander, 10.0)  # allocated
        hog_max = spec.hog_max_bytes or spec.limit_bytes * 2
        hog = _start(
            spec, cgroup, ["--rate", str(spec.rate_bps), "--max", str(hog_max), "--report", "1M"], procs
        )
        _wait_line(hog, 10.0)  # "ready": interpreter up, nothing allocated yet
        baseline = cgroup.usage_bytes()
        _reset_peak(cgroup)
        kmsg = KmsgWatch()  # before the counters: every kill counted in the window is also logged after this
        oom_cg_before = cgroup.oom_kills()
        oom_host_before = read_vmstat_oom_kills(procfs)
        if not spec.kernel:
            trigger = cgroup_trigger(cgroup, headroom, critical_percent=spec.critical_percent)
            selector = VictimSelector(Scope(cgroup), (BYSTANDER_RULE, *spec.rules), procfs=procfs)
            settings = GuardSettings(
                sustain_seconds=spec.sustain_seconds,
                grace_seconds=spec.grace_seconds,
                max_interventions=1,
                cooldown_seconds=0.0,
            )
            guard = Guard([trigger], selector, settings, observer=run.observe)
            guard_thread = threading.Thread(target=guard.run, name="drill-guard", daemon=True)
            guard_thread.start()
        hog_pidfd = os.pidfd_open(hog.pid)
        reader = threading.Thread(
            target=_read_progress, args=(hog.stdout, run), name="drill-hog", daemon=True
        )
        reader.start()
        if on_ready is not None:
            on_ready(baseline, levels.threshold_bytes)
        started = time.monotonic()
        _go(hog)
        exited_at = _wait_exit(hog_pidfd, spec.timeout_seconds)
        os.close(hog_pidfd)
        timed_out = exited_at is None
        hog.poll()
        reader.join(timeout=2.0)
        if guard is not None and guard_thread is not None:
            guard.stop()
            guard_thread.join(timeout=5.0)
        peak = _peak(cgroup)
        oom_host = _delta(oom_host_before, read_vmstat_oom_kills(procfs))
        time.sleep(0.05)  # "Killed process" is printed just after the kernel counts the kill
        kills = kmsg.kills() if kmsg.available else None
        kmsg.close()
        bystander_alive = None if bystander is None else bystander.poll() is None
        with run.lock:
            events = list(run.events)
        return build_result(
            spec_summary=_summary(spec, headroom),
            limit_bytes=spec.limit_bytes,
            levels=levels,
            baseline_bytes=baseline,
            started=started,
            progress=list(run.progress),
            events=events,
            exited_at=exited_at,
            hog_returncode=hog.returncode,
            timed_out=timed_out,
            peak_bytes=peak,
            oom_cgroup=_delta(oom_cg_before, cgroup.oom_kills()),
            oom_host=oom_host,
            kernel_kills=kills,
            bystander_alive=bystander_alive,
            guard_ran=not spec.kernel,
            hog_pid=hog.pid,
            bystander_pid=None if bystander is None else bystander.pid,
            cgroup_path=cgroup.path,
        )
    finally:
        if kmsg is not None:
            kmsg.close()
        if guard is not None:
            guard.stop()
            if guard_thread is not None:
                guard_thread.join(timeout=5.0)
            guard.close()
        for proc in procs:
            _discard(proc)
        cgroup.destroy()


def _summary(spec: DrillSpec, headroom: Threshold) -> dict[str, Any]:
    data = asdict(spec)
    data.pop("rules")
    data.pop("python")
    data["headroom"] = str(headroom)
    return data


def _start(
    spec: DrillSpec, cgroup: MemoryCgroup, args: list[str], procs: list[subprocess.Popen[bytes]]
) -> subprocess.Popen[bytes]:
    """Start a hog that waits for its go byte, and move it into the cgroup before anything else happens."""
    proc = subprocess.Popen(
        [spec.python, "-m", "hostward.oom.drill.hog", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": _pythonpath()},
        start_new_session=True,  # a Ctrl-C at the terminal reaches the drill, which cleans up, not the hog
    )
    procs.append(proc)
    cgroup.add_process(proc.pid)
    return proc


def _pythonpath() -> str:
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    existing = os.environ.get("PYTHONPATH")
    return here if not existing else f"{here}{os.pathsep}{existing}"


def _go(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(b"g")
    proc.stdin.flush()


def _wait_line(proc: subprocess.Popen[bytes], timeout: float) -> None:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready or not proc.stdout.readline():
        raise CollectError(f"drill helper {proc.pid} did not start (exit status {proc.poll()})")


def _read_progress(stream: IO[bytes] | None, run: _Run) -> None:
    if stream is None:
        return
    for line in stream:
        parts = line.split()
        if len(parts) not in (2, 4) or not parts[1].isdigit():
            continue  # "ready" and anything unexpected
        points = [(float(parts[0]), int(parts[1]))]
        if len(parts) == 4:
            points.insert(0, (float(parts[2]), int(parts[3])))  # the start of the chunk's burst
        with run.lock:
            run.progress.extend(points)


def _wait_exit(pidfd: int, timeout: float) -> float | None:
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    if poller.poll(timeout * 1000.0):
        return time.monotonic()
    return None


def _reset_peak(cgroup: MemoryCgroup) -> None:
    if cgroup.version == 1:  # writing 0 resets the v1 watermark (memory.rst 5.5)
        (cgroup.directory / "memory.max_usage_in_bytes").write_text("0")


def _peak(cgroup: MemoryCgroup) -> int | None:
    name = "memory.max_usage_in_bytes" if cgroup.version == 1 else "memory.peak"  # memory.peak: since 5.19
    try:
        return int((cgroup.directory / name).read_text())
    except (OSError, ValueError):
        return None


def _delta(before: int | None, after: int | None) -> int | None:
    return None if before is None or after is None else after - before


def _discard(proc: subprocess.Popen[bytes]) -> None:
    # Popen.kill() is kill(pid), safe here: the drill's own child is not reaped before the wait() below, so its
    # pid cannot have been given to another process. Its descendants are killed through the cgroup
    # (MemoryCgroup.destroy: a /proc/PID handle per member, oom/pidsafe.py).
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=5.0)
    except subprocess.TimeoutExpired:
        log.error("drill process %d did not exit after SIGKILL", proc.pid)
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


__all__ = ["DrillResult", "DrillSpec", "TimelineEntry", "default_headroom", "run_drill"]
