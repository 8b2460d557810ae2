"""CPU time per recorded sample: `hostward record` against sysstat's sadc, side by side in one run.

What is measured (both ways are printed):

1. Process CPU time (user + system, from wait4's rusage) of real runs at a 1 s interval, started together:
   ``sadc 1 N file``, ``sadc -S DISK 1 N file`` (sadc's default set plus disks, which hostward always records)
   and ``hostward record -i 1 -c N`` with top_processes 0 (the same activities) and 10. Start-up is removed by also running each with N=1:
   steady-state cost per sample = (cpu(N) - cpu(1)) / (N - 1).
2. In-process, for hostward only: the loop body (sample_system + DataFileWriter.write_sample) timed with
   time.process_time over many iterations, and the encoding alone, so the format's share is visible.

Usage: /work/venv/bin/python bench/record_cost.py [--samples N]   (takes about N + 2 seconds)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _peers import side_by_side
from hostward.collect.host import read_host
from hostward.collect.sample import sample_system
from hostward.procfs import ProcFS
from hostward.recorder.sampler import CachingSampler
from hostward.store import DataFileWriter, day_path
from hostward.store.codec import SampleEncoder


def in_process(iterations: int, top: int) -> tuple[float, float, float]:
    """(sampling ms, sampling + encode + append ms, encode-only ms) per sample in CPU time, using the
    recorder's own sampler, in a hot loop."""
    procfs = ProcFS()
    sampler = CachingSampler(procfs, top_processes=top)
    first = sample_system(procfs)
    host = read_host(procfs, len(first.cpu.per_cpu))
    with tempfile.TemporaryDirectory() as tmp:
        day = dt.date.today()
        with DataFileWriter.open(day_path(Path(tmp), day), day, host) as writer:
            for _ in range(50):  # warm up
                writer.write_sample(sampler())
            t0 = time.process_time()
            samples = [sampler() for _ in range(iterations)]
            t1 = time.process_time()
            for sample in samples:
                writer.write_sample(sample)
            t2 = time.process_time()
    encoder = SampleEncoder()
    t3 = time.process_time()
    for sample in samples:
        encoder.encode(sample)
    t4 = time.process_time()
    per = 1000 / iterations
    return (t1 - t0) * per, (t2 - t0) * per, (t4 - t3) * per


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--iterations", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        once = side_by_side(work, 1)
        many = side_by_side(work, args.samples)
    print(
        f"process CPU time, {args.samples} samples at 1 s, all four running at once (start-up removed via N=1):"
    )
    per_sample = {}
    for name in many:
        startup = once[name].cpu_seconds
        steady = (many[name].cpu_seconds - startup) / (args.samples - 1) * 1000
        kernel = (many[name].system_seconds - once[name].system_seconds) / (args.samples - 1) * 1000
        per_sample[name] = steady
        print(
            f"  {name:<14} start-up {startup * 1000:7.1f} ms   total {many[name].cpu_seconds * 1000:7.1f} ms   "
            f"per sample {steady:6.3f} ms (kernel {kernel:5.3f})"
        )
    for ours in ("hostward", "hostward+top10"):
        for ref in ("sadc", "sadc -S DISK"):
            print(f"  ratio {ours:<14} / {ref:<13} {per_sample[ours] / per_sample[ref]:5.2f}")
    print(
        "steady state, start-up excluded (on-CPU time from /proc/PID/schedstat per second, 3 s in to 2 s before"
    )
    print("the end; at 1 s per sample this is the CPU cost per sample):")
    for name, run in many.items():
        print(f"  {name:<14} {run.steady_ms_per_second:6.3f} ms per sample")
    for ours in ("hostward", "hostward+top10"):
        for ref in ("sadc", "sadc -S DISK"):
            ratio = many[ours].steady_ms_per_second / many[ref].steady_ms_per_second
            print(f"  ratio {ours:<14} / {ref:<13} {ratio:5.2f}")
    print(
        "  (target: hostward / sadc <= 1; sadc records no processes, so hostward+top10 is not like for like)"
    )
    print(
        f"in-process CPU time per sample, hot loop ({args.iterations} iterations; a daemon sleeping between samples"
    )
    print("runs with cold CPU caches, which is why the process figures above are higher):")
    for top in (0, 10):
        sample_ms, loop_ms, encode_ms = in_process(args.iterations, top)
        print(
            f"  top_processes={top:<3} sampling {sample_ms:.3f} ms, with encode + append {loop_ms:.3f} ms "
            f"(encode alone {encode_ms:.3f} ms)   ratio to sadc {loop_ms / per_sample['sadc']:5.2f}"
        )


if __name__ == "__main__":
    main()
