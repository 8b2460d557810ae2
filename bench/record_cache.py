"""The recorder's CPU per sample with and without the cache activity, side by side in one run.

Three `hostward record -i 1 -c N --no-housekeeping` processes start at the same moment: without [cache]
servers, with one real memcached (Debian's, started here on 127.0.0.1 and a free port, stopped by PID), and
with that memcached plus a port nobody listens on (a down server: a refused connection per sample). Each is
measured two ways, and the medians over ``--rounds`` are compared as ratios to the run without cache:

1. steady state, start-up excluded: on-CPU time summed over every thread of the process (the cache pollers
   are threads: /proc/PID/task/*/schedstat, the scheduler's exact sum_exec_runtime) from 3 s in to 2 s before
   the end, per wall second, which at 1 s per sample is the CPU per sample;
2. rusage of the whole process (all threads, tick-based) with start-up removed by a second run with N=1:
   (cpu(N) - cpu(1)) / (N - 1).

Also printed: the CPU of memcached itself answering the polls (its schedstat over the same window).

Usage: .venv/bin/python bench/record_cache.py [--samples N] [--rounds R]   (about R * (N + 4) seconds)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _memcached import Memcached, free_port
from _peers import SRC


def process_cpu_ns(pid: int) -> tuple[int, int]:
    """On-CPU time (ns) of every live thread of ``pid``, and of its main thread alone (the sampling path)."""
    total = main = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as handle:
                ns = int(handle.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += ns
        main += ns if task == str(pid) else 0
    return total, main


def run_side_by_side(
    work: Path, count: int, variants: dict[str, str], memcached_pid: int
) -> tuple[dict[str, tuple[float, float, float]], float]:
    """Start one recorder per variant ([cache] servers, "" for none) at once for ``count`` samples; per variant
    (steady ms per second of all threads, of the main thread, rusage CPU seconds), and memcached's ms per
    second over the same window."""
    record = [sys.executable, "-m", "hostward", "record", "-i", "1", "-c", str(count), "--no-housekeeping"]
    procs: dict[str, subprocess.Popen[bytes]] = {}
    for name, servers in variants.items():
        out = work / f"{name}-{count}"
        shutil.rmtree(out, ignore_errors=True)
        env = {
            **os.environ,
            "PYTHONPATH": str(SRC),
            "HOSTWARD_CONFIG": os.devnull,
            "HOSTWARD_RECORD_TOP_PROCESSES": "0",
            "HOSTWARD_CACHE_SERVERS": servers,
        }
        procs[name] = subprocess.Popen(
            [*record, "-d", str(out)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
    steady = dict.fromkeys(variants, (float("nan"), float("nan")))
    server_ms = float("nan")
    if count >= 8:
        time.sleep(3)
        first = {name: (process_cpu_ns(p.pid), time.monotonic()) for name, p in procs.items()}
        mc0, wall0 = process_cpu_ns(memcached_pid)[0], time.monotonic()
        time.sleep(count - 5)
        for name, p in procs.items():
            (all0, main0), start = first[name]
            all1, main1 = process_cpu_ns(p.pid)
            seconds = time.monotonic() - start
            steady[name] = ((all1 - all0) / 1e6 / seconds, (main1 - main0) / 1e6 / seconds)
        server_ms = (process_cpu_ns(memcached_pid)[0] - mc0) / 1e6 / (time.monotonic() - wall0)
    result = {}
    for name, p in procs.items():
        _pid, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err = p.stderr.read().decode() if p.stderr else ""
            raise SystemExit(f"{name} failed ({p.returncode}): {err}")
        if p.stderr:
            p.stderr.close()
        result[name] = (*steady[name], usage.ru_utime + usage.ru_stime)
    return result, server_ms


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.samples < 8:
        raise SystemExit("--samples must be 8 or more (the steady window is 3 s in to 2 s before the end)")
    server = Memcached()
    down = f"127.0.0.1:{free_port()}"
    variants = {
        "no cache": "",
        "cache (1 server)": server.address,
        "cache (1 + 1 down)": f"{server.address},{down}",
    }
    steady: dict[str, list[float]] = {name: [] for name in variants}
    sampling: dict[str, list[float]] = {name: [] for name in variants}
    per_sample: dict[str, list[float]] = {name: [] for name in variants}
    served: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            for _ in range(args.rounds):
                once, _ = run_side_by_side(work, 1, variants, server.proc.pid)
                many, server_ms = run_side_by_side(work, args.samples, variants, server.proc.pid)
                served.append(server_ms)
                for name in variants:
                    steady[name].append(many[name][0])
                    sampling[name].append(many[name][1])
                    per_sample[name].append((many[name][2] - once[name][2]) / (args.samples - 1) * 1000)
    finally:
        server.stop()
    med = statistics.median
    base = "no cache"
    print(
        f"recorder CPU per sample, {args.samples} samples at 1 s, the three recorders running at once; "
        f"median of {args.rounds} rounds [all rounds]"
    )

    def table(title: str, values: dict[str, list[float]]) -> None:
        print(title)
        for name, found in values.items():
            ratio = med(found) / med(values[base])
            rounds = ", ".join(f"{v:.3f}" for v in found)
            print(f"  {name:<20} {med(found):6.3f} ms   ratio to {base}: {ratio:5.2f}   [{rounds}]")

    table(
        "steady state, all threads (schedstat, 3 s in to 2 s before the end; ms per second = per sample):",
        steady,
    )
    table("steady state, the sampling thread alone (the cache pollers are other threads):", sampling)
    table("process rusage (all threads; tick-based, coarse), start-up removed via N=1 runs:", per_sample)
    print(f"memcached answering the polls of both cache recorders: {med(served):.3f} ms CPU per second")


if __name__ == "__main__":
    main()
