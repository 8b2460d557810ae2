"""CPU time per recorded sample: `hostward record` against sysstat's sadc, side by side in one run.

What is measured (both ways are printed):

1. Process CPU time (user + system, from wait4's rusage) of real runs at a 1 s interval, started together:
   ``sadc 1 N file``, ``sadc -S DISK 1 N file`` (sadc's default set plus disks, which hostward always records)
   and ``hostward record -i 1 -c N``. Start-up is removed by also running each with N=1:
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
from hostward.store import DataFileWriter, day_path
from hostward.store.codec import SampleEncoder


def in_process(iterations: int) -> tuple[float, float, float]:
    """(sample_system ms, full loop body ms, encode-only ms) per sample, in CPU time."""
    procfs = ProcFS()
    first = sample_system(procfs)
    host = read_host(procfs, len(first.cpu.per_cpu))
    with tempfile.TemporaryDirectory() as tmp:
        day = dt.date.today()
        with DataFileWriter.open(day_path(Path(tmp), day), day, host) as writer:
            for _ in range(50):  # warm up
                writer.write_sample(sample_system(procfs))
            t0 = time.process_time()
            samples = [sample_system(procfs) for _ in range(iterations)]
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
    return (t1 - t0) * per, ((t1 - t0) + (t2 - t1)) * per, (t4 - t3) * per


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--iterations", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        once = side_by_side(work, 1)
        many = side_by_side(work, args.samples)
    print(
        f"process CPU time, {args.samples} samples at 1 s, all three running at once (start-up removed via N=1):"
    )
    per_sample = {}
    for name in many:
        startup = once[name].cpu_seconds
        steady = (many[name].cpu_seconds - startup) / (args.samples - 1) * 1000
        per_sample[name] = steady
        print(
            f"  {name:<14} start-up {startup * 1000:7.1f} ms   total {many[name].cpu_seconds * 1000:7.1f} ms   "
            f"per sample {steady:6.3f} ms"
        )
    for ref in ("sadc", "sadc -S DISK"):
        print(f"  ratio hostward / {ref:<13} {per_sample['hostward'] / per_sample[ref]:5.2f}  (target: <= 1)")
    print(
        "  (process CPU time is counted in clock ticks by the kernel: with few samples the figures are coarse)"
    )
    sample_ms, loop_ms, encode_ms = in_process(args.iterations)
    print(f"in-process CPU time per sample, hostward ({args.iterations} iterations):")
    print(
        f"  sample_system {sample_ms:.3f} ms   + encode and append = {loop_ms:.3f} ms   (encode alone {encode_ms:.3f} ms)"
    )
    print(f"  ratio loop body / sadc per sample {loop_ms / per_sample['sadc']:5.2f}")


if __name__ == "__main__":
    main()
