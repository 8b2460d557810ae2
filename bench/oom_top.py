"""CPU per refresh: `hostward oom top` against `dstat --top-oom` (Debian's dstat 0.7.4).

Both run as separate processes with a 1 s interval for two different numbers of refreshes; the difference in
the child's CPU time (user + system, from wait4) divided by the difference in refreshes is the cost of one
refresh, without interpreter start-up. hostward is also measured in-process (take_snapshot only).

    /work/venv/bin/python bench/oom_top.py [--refreshes 6] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")
sys.path.insert(0, SRC)

from hostward.oom.score.top import take_snapshot  # noqa: E402
from hostward.procfs import ProcFS  # noqa: E402


def child_cpu(argv: list[str]) -> float:
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": SRC}
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[0]} failed")
    return usage.ru_utime + usage.ru_stime


def per_refresh(make_argv, low: int, high: int, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median over ``repeat`` pairs of runs: other work on the host makes single differences noisy."""
    samples = sorted(
        (child_cpu(make_argv(high)) - child_cpu(make_argv(low))) / (high - low) for _ in range(repeat)
    )
    return samples[len(samples) // 2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refreshes", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    low, high = 2, max(args.refreshes, 3)
    nprocs = len(ProcFS().pids())
    print(f"{nprocs} processes in /proc; refreshes {low} vs {high}, 1 s apart")

    dstat = shutil.which("dstat")
    hw = [sys.executable, "-m", "hostward", "oom", "top", "--interval", "1"]
    hw_cpu = per_refresh(lambda n: [*hw, "--iterations", str(n)], low, high, args.repeat)
    hw_json = per_refresh(lambda n: [*hw, "--json", "--all", "--iterations", str(n)], low, high, args.repeat)
    start = time.process_time()
    loops = 20
    for _ in range(loops):
        take_snapshot()
    in_process = (time.process_time() - start) / loops

    print(f"hostward oom top (table)        {hw_cpu * 1000:8.1f} ms CPU per refresh")
    print(f"hostward oom top --json --all   {hw_json * 1000:8.1f} ms CPU per refresh")
    print(f"hostward take_snapshot()        {in_process * 1000:8.1f} ms CPU per refresh (in process)")
    if dstat is None:
        print("dstat not installed: no comparison")
        return
    # dstat prints `count` lines after the first one; --noupdate: one line per interval, no intermediate redraws
    ds_cpu = per_refresh(lambda n: [dstat, "--top-oom", "--noupdate", "1", str(n)], low, high, args.repeat)
    print(f"dstat --top-oom                 {ds_cpu * 1000:8.1f} ms CPU per refresh")
    if min(hw_cpu, hw_json, ds_cpu) <= 0:
        # Start-up cost varies by tens of ms between runs; with too few refreshes that swamps the difference.
        print("too noisy for a ratio (a CPU cost per refresh came out <= 0): raise --refreshes or --repeat")
        return
    print(
        f"ratio hostward/dstat: table {hw_cpu / ds_cpu:.2f}x, json {hw_json / ds_cpu:.2f}x, "
        f"snapshot {in_process / ds_cpu:.2f}x"
    )
    print(
        "(dstat shows one process, its name cut at 14 characters, the rounded oom_score; hostward ranks every "
        "process by badness in pages with user, full command line, rss, swap, page tables and both scores)"
    )


if __name__ == "__main__":
    main()
