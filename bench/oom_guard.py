"""Benchmark: hostward's early OOM guard against earlyoom 1.7, on the same safe drills (root, cgroup v1).

    /work/venv/bin/python bench/oom_guard.py                  # 20 drills per rate, 60 s idle measurement
    /work/venv/bin/python bench/oom_guard.py --runs 5 --idle 20 --json

Three measurements, each on a 512 MiB drill cgroup (hostward.oom.drill.drill: the hog only allocates inside it):

1. hostward, cgroup scope (the real configuration for a limited workload): threshold eventfd on
   memory.usage_in_bytes. Detect = threshold crossed (from the hog's own progress reports) -> guard woke;
   kill = guard woke -> hog gone (pidfd readable, its memory freed). Also: did the guard act before the kernel.
2. Host-wide detection, like for like: earlyoom watches host MemAvailable only, so the drill's threshold is
   expressed host-wide: ``MemAvailable at the go signal - 0.8 x (threshold - baseline)`` KiB, i.e. the moment
   the hog has touched 80% of the bytes it needs to cross the cgroup threshold (see HOST_FRACTION). earlyoom --dryrun (NEVER without
   it) and a host-scope ``hostward oom guard --dry-run`` with the same absolute MemAvailable threshold watch
   the same drill; the hog stops just below the critical level (limit - 3%) and holds, so neither the
   kernel nor anybody else kills anything. Detect = host MemAvailable at or below that threshold (seen by a
   2 ms sampler in this process) -> earlyoom's "low memory!" line (stamped on arrival) / hostward's
   "trigger" event (CLOCK_MONOTONIC, comparable across processes). A run in which something else on the
   host freed memory so that MemAvailable never crossed is counted and left out.
3. Idle CPU, 60 s after a 3 s warm-up, from /proc/PID/stat utime+stime: hostward host scope (dry run),
   hostward cgroup scope on an idle limited cgroup, earlyoom --dryrun; reported as CPU seconds per hour.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
logging.getLogger("hostward.oom.guard.guard").setLevel(
    logging.ERROR
)  # in-process drills: the table says it all
sys.path.insert(0, str(SRC))

from hostward.oom.drill.drill import DrillSpec, default_headroom, run_drill  # noqa: E402
from hostward.oom.guard.cgroup import memory_cgroup_of  # noqa: E402
from hostward.oom.guard.guard_memcg import cgroup_levels  # noqa: E402
from hostward.oom.guard.triggers import MIB, parse_size  # noqa: E402

EARLYOOM = "/usr/bin/earlyoom"
ENV = {**os.environ, "PYTHONPATH": str(SRC), "HOSTWARD_CONFIG": "/dev/null"}
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Host-wide threshold at this fraction of the hog's way to the cgroup threshold: other tenants of a shared host
# free and allocate hundreds of MiB at a time, and the margin keeps the crossing (the hog holds just below the
# critical level, ~30 MiB past the cgroup threshold at 200 MiB/s). Detection latency does not depend on where
# along the fill the crossing is, only on the pollers' intervals near it.
HOST_FRACTION = 0.8


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def fmt(values: list[float]) -> str:
    if not values:
        return "      -        -"
    return f"{pct(values, 50) * 1000:7.1f} {pct(values, 95) * 1000:8.1f}"


def mem_available_kib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    raise RuntimeError("no MemAvailable")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


@dataclass
class LineStamper:
    """Reads a process's output in a thread and stamps each line with CLOCK_MONOTONIC on arrival."""

    proc: subprocess.Popen[bytes]
    lines: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append((time.monotonic(), raw.decode(errors="replace")))

    def first(self, needle: str) -> float | None:
        return next((t for t, line in list(self.lines) if needle in line), None)

    def wait_for(self, needle: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.first(needle) is not None:
                return True
            time.sleep(0.01)
        return False


class CrossingWatcher:
    """Samples host MemAvailable every 2 ms and notes when it first fell to ``threshold_kib``: the reference
    both host-wide detectors are measured against (the same quantity they read, so other activity on the host,
    including the detectors' own start-up, moves the reference and the detectors alike)."""

    def __init__(self, threshold_kib: int) -> None:
        self.threshold_kib = threshold_kib
        self.crossed: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with open("/proc/meminfo", "rb", buffering=0) as handle:
            while not self._stop.is_set() and self.crossed is None:
                handle.seek(0)
                for line in handle.read(8192).splitlines():
                    if line.startswith(b"MemAvailable:"):
                        if int(line.split()[1]) <= self.threshold_kib:
                            self.crossed = time.monotonic()
                        break
                time.sleep(0.002)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def start_hostward_guard(args: list[str]) -> tuple[subprocess.Popen[bytes], LineStamper]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hostward.cli.oom_guard", "guard", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=ENV,
    )
    stamper = LineStamper(proc)
    if not stamper.wait_for("guard started", 20):
        terminate(proc)
        raise RuntimeError("hostward guard did not start")
    return proc, stamper


def start_earlyoom(args: list[str]) -> tuple[subprocess.Popen[bytes], LineStamper]:
    assert "--dryrun" in args  # never without --dryrun
    proc = subprocess.Popen([EARLYOOM, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    stamper = LineStamper(proc)
    if not stamper.wait_for("sending SIGTERM when", 10):
        terminate(proc)
        raise RuntimeError("earlyoom did not start: " + "".join(line for _, line in stamper.lines))
    return proc, stamper


# -- 1. cgroup-scope guard drills -------------------------------------------------------------------------------
def guard_drills(limit: int, rate: int, runs: int) -> dict[str, object]:
    detect: list[float] = []
    kill: list[float] = []
    signal_lat: list[float] = []
    first = 0
    headroom_left: list[int] = []
    for _ in range(runs):
        result = run_drill(DrillSpec(limit_bytes=limit, rate_bps=rate, bystander=True))
        first += result.guard_first
        if result.detect_latency_s is not None:
            detect.append(result.detect_latency_s)
        if result.kill_latency_s is not None:
            kill.append(result.kill_latency_s)
        if result.signalled_s is not None and result.detected_s is not None:
            signal_lat.append(result.signalled_s - result.detected_s)
        if result.headroom_left_bytes is not None:
            headroom_left.append(result.headroom_left_bytes)
    return {
        "runs": runs,
        "guard_first": first,
        "detect_s": detect,
        "signal_s": signal_lat,
        "kill_s": kill,
        "min_headroom_left_bytes": min(headroom_left) if headroom_left else None,
    }


# -- 2. host-wide detection: earlyoom --dryrun vs hostward host scope --dry-run ---------------------------------
def host_detection(limit: int, rate: int, runs: int, tmp: Path) -> dict[str, object]:
    levels = cgroup_levels(limit, default_headroom(limit, rate))
    est_baseline = 43 * MIB  # two interpreters (hog, bystander) and the bystander's 32 MiB
    # Hold just below the critical level: as far past the threshold as the drill can go without any risk of the
    # kernel acting, so that noise in host-wide MemAvailable cannot undo the crossing.
    hold = levels.critical_bytes - 6 * MIB - est_baseline
    fill_s = hold / (rate or 3 * 1024 * MIB)
    earlyoom_lat: list[float] = []
    hostward_lat: list[float] = []
    misses = {"earlyoom": 0, "hostward": 0}
    no_crossing = 0
    for i in range(runs):
        procs: dict[str, tuple[subprocess.Popen[bytes], LineStamper]] = {}
        watchers: list[CrossingWatcher] = []
        events = tmp / f"host-{rate}-{i}.jsonl"

        def on_ready(
            baseline: int,
            threshold: int,
            procs: dict[str, tuple[subprocess.Popen[bytes], LineStamper]] = procs,
            events: Path = events,
            watchers: list[CrossingWatcher] = watchers,
        ) -> None:
            host_kib = mem_available_kib() - int((threshold - baseline) * HOST_FRACTION) // 1024
            procs["earlyoom"] = start_earlyoom(["--dryrun", "-r", "0", "-M", str(host_kib)])
            procs["hostward"] = start_hostward_guard(
                ["--dry-run", "--mem-available", str(host_kib * 1024), "--events", str(events)]
            )
            watchers.append(CrossingWatcher(host_kib))

        try:
            spec = DrillSpec(
                limit_bytes=limit,
                rate_bps=rate,
                kernel=True,
                bystander=True,  # the same baseline as the guard drills
                hog_max_bytes=hold,
                timeout_seconds=fill_s + 1.5,
            )
            run_drill(spec, on_ready=on_ready)
        finally:
            for proc, _ in procs.values():
                terminate(proc)
            for watcher in watchers:
                watcher.stop()
        crossed = watchers[0].crossed if watchers else None
        if crossed is None:
            no_crossing += 1  # something else on the host freed memory meanwhile: not comparable
            continue
        seen = procs["earlyoom"][1].first("low memory!")
        if seen is None:
            misses["earlyoom"] += 1
        else:
            earlyoom_lat.append(seen - crossed)
        triggers = [json.loads(line) for line in events.read_text().splitlines()] if events.exists() else []
        mono = next((e["mono"] for e in triggers if e["kind"] == "trigger"), None)
        if mono is None:
            misses["hostward"] += 1
        else:
            hostward_lat.append(mono - crossed)
    return {
        "runs": runs,
        "earlyoom_detect_s": earlyoom_lat,
        "hostward_detect_s": hostward_lat,
        "misses": misses,
        "no_crossing": no_crossing,
    }


# -- 3. idle CPU ---------------------------------------------------------------------------------------------------
def idle_cpu(seconds: float, tmp: Path) -> dict[str, float]:
    parent = memory_cgroup_of("self")
    assert parent is not None
    idle_cg = parent.child(f"hostward-bench-idle-{os.getpid()}")
    idle_cg.create()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        idle_cg.set_limit(512 * MIB)
        procs["hostward host (dry run)"] = start_hostward_guard(["--dry-run", "--no-events"])[0]
        procs["hostward cgroup (eventfd)"] = start_hostward_guard(["--cgroup", idle_cg.path, "--no-events"])[
            0
        ]
        procs["earlyoom --dryrun"] = start_earlyoom(["--dryrun", "-r", "0"])[0]
        time.sleep(3.0)
        before = {name: cpu_seconds(p.pid) for name, p in procs.items()}
        time.sleep(seconds)
        return {name: (cpu_seconds(p.pid) - before[name]) / seconds * 3600 for name, p in procs.items()}
    finally:
        for proc in procs.values():
            terminate(proc)
        idle_cg.destroy()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20, help="drills per fill rate (default 20)")
    parser.add_argument(
        "--rates", default="200M,1G,max", help="comma-separated fill rates (max = unthrottled)"
    )
    parser.add_argument("--limit", default="512M")
    parser.add_argument(
        "--idle", type=float, default=60.0, help="seconds of idle CPU measurement (default 60)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.stderr.write("bench/oom_guard.py needs root (memory cgroups)\n")
        return 2
    if not Path(EARLYOOM).exists():
        sys.stderr.write(
            f"{EARLYOOM} not found (apt-get install earlyoom; it is only ever run with --dryrun)\n"
        )
        return 2
    limit = parse_size(args.limit)
    report: dict[str, object] = {"limit_bytes": limit, "runs": args.runs, "rates": {}}
    rates: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="hostward-bench-") as tmpdir:
        for name in args.rates.split(","):
            rate = 0 if name == "max" else parse_size(name)
            sys.stderr.write(
                f"rate {name}: {args.runs} guard drills, {args.runs} host-wide detection drills\n"
            )
            rates[name] = {
                "guard": guard_drills(limit, rate, args.runs),
                "host": host_detection(limit, rate, args.runs, Path(tmpdir)),
            }
        report["rates"] = rates
        sys.stderr.write(f"idle CPU over {args.idle:g} s\n")
        report["idle_cpu_seconds_per_hour"] = idle_cpu(args.idle, Path(tmpdir))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"drill: {args.limit} memory cgroup, {args.runs} drills per rate; latencies in ms as p50 / p95\n")
    print(f"{'rate':>6} | {'hostward cgroup guard (eventfd)':^42} | {'host-wide MemAvailable, detect':^34}")
    print(
        f"{'':>6} | {'detect p50/p95':>16} {'kill p50/p95':>16} {'first':>7} | {'hostward':>16} {'earlyoom 1.7':>16}"
    )
    for name, data in rates.items():
        g = data["guard"]  # type: ignore[index]
        h = data["host"]  # type: ignore[index]
        first = f"{g['guard_first']}/{g['runs']}"
        print(
            f"{name:>6} | {fmt(g['detect_s'])} {fmt(g['kill_s'])} {first:>7} | "
            f"{fmt(h['hostward_detect_s'])} {fmt(h['earlyoom_detect_s'])}"
        )
        if h["misses"]["earlyoom"] or h["misses"]["hostward"] or h["no_crossing"]:
            print(f"{'':>6}   missed: {h['misses']}, runs without a host-wide crossing: {h['no_crossing']}")
    print("\nratio of host-wide detection p50, earlyoom / hostward:")
    for name, data in rates.items():
        h = data["host"]  # type: ignore[index]
        if h["hostward_detect_s"] and h["earlyoom_detect_s"]:
            e, w = statistics.median(h["earlyoom_detect_s"]), statistics.median(h["hostward_detect_s"])
            print(f"  {name:>6}: {e / w:.1f}x" if w > 0 else f"  {name:>6}: hostward ~0 ms")
    print(f"\nidle CPU over {args.idle:g} s, extrapolated to CPU seconds per hour:")
    for proc_name, value in report["idle_cpu_seconds_per_hour"].items():  # type: ignore[attr-defined]
        print(f"  {proc_name:<28} {value:7.2f} s/h")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
