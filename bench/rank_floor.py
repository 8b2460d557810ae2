"""The floor under an exact top-process ranking: its kernel work alone, from C, against sadc's whole sample.

hostward's recorder ranks every process by resident memory at every sample (/proc/PID/statm through kept
descriptors, /proc listed again after a fork) and reads the winners in full. sadc records no processes, so its
cost does not grow with their number, and the ranking's does. This bench runs, side by side in one run:
sadc -S DISK,SNMP,IPV6 at 1 s (its on-CPU time per sample, start-up excluded, as record_cost.py measures it)
and bench/rank_floor.c, compiled here, which does only the ranking's reads with no interpreter: pread of every
process's statm after a 1 s sleep (a quiet sample), and a /proc listing followed by the same (a sample after a
fork). With ``--extra N`` it first starts N sleeping processes (as a busier host has) and stops them at the end.

Issue 17's goal is hostward <= 1.5x sadc with its default 10 top processes; if everything else costs what sadc's
sample does, the ranking, the listing and the winners together get 0.5x of sadc's sample. The ratios printed say
how much of that the kernel's part of an exact ranking takes by itself.

Usage: .venv/bin/python bench/rank_floor.py [--samples N] [--extra N]   (needs cc; takes about 2 N + 6 seconds)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peers import SADC, finish_all, start

SOURCE = Path(__file__).resolve().with_suffix(".c")
ACTIVITIES = "DISK,SNMP,IPV6"  # hostward's default [record] activities


def compile_floor(workdir: Path) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise SystemExit("rank_floor.py needs a C compiler: apt-get install gcc")
    binary = workdir / "rank_floor"
    subprocess.run([compiler, "-O2", "-o", str(binary), str(SOURCE)], check=True)
    return binary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=10, help="pairs of samples (quiet, forky)")
    parser.add_argument("--extra", type=int, default=0, help="sleeping processes started first")
    args = parser.parse_args()
    if args.samples < 4 or args.extra < 0:
        parser.error("--samples must be at least 4 and --extra not negative")
    sleepers = [subprocess.Popen(["sleep", "3600"]) for _ in range(args.extra)]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            floor = subprocess.Popen(
                [str(compile_floor(work)), str(args.samples)], stdout=subprocess.PIPE, text=True
            )
            try:
                count = 2 * args.samples + 2
                sa = work / "sa"
                runs = [start("sadc", [SADC, "-S", ACTIVITIES, "1", str(count), str(sa)], sa)]
                sadc = finish_all(runs, count)
                out, _ = floor.communicate()
            finally:
                if floor.returncode is None:  # sadc failed (finish_all exits): the floor would run on
                    floor.kill()
                    floor.wait()
    finally:
        for sleeper in sleepers:
            sleeper.kill()
            sleeper.wait()
    if floor.returncode != 0:
        raise SystemExit(f"rank_floor failed ({floor.returncode})")
    fields = out.split()
    values = dict(zip(fields[::2], (float(v) for v in fields[1::2]), strict=True))
    sadc_us = sadc["sadc"].steady_ms_per_second * 1000
    print(f"processes ranked: {values['processes']:.0f} ({args.extra} sleeping ones started for this run)")
    print(f"  sadc -S {ACTIVITIES}, one sample (on-CPU, start-up excluded): {sadc_us:7.1f} us")
    rows = (
        ("statm of every process, quiet sample", values["quiet"]),
        ("/proc listed, then statm of every one", values["forky"]),
        ("  of which the listing", values["listing"]),
    )
    for label, micros in rows:
        print(f"  C, {label:<38} {micros:7.1f} us = {micros / sadc_us:4.2f}x sadc's sample")
    print("  (issue 17: hostward <= 1.5x sadc with 10 top processes leaves the ranking, the listing and the")
    print("   winners' reads 0.50x together if everything else costs what sadc's sample does)")


if __name__ == "__main__":
    main()
