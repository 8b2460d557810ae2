"""CPU time per recorded sample: `hostward record` against sysstat's sadc, side by side in one run.

What is measured (both ways are printed):

1. Process CPU time of real runs at a 1 s interval, started together: ``sadc 1 N file``, ``sadc -S DISK 1 N
   file`` (sadc's default set plus disks, which hostward always records) and ``hostward record -i 1 -c N``
   with top_processes 0 and 10, and the same recorder without its time health group ("hostward -time":
   one adjtimex call per sample, which sadc does not record, so that row is the same activities as ``sadc -S
   DISK``); with ``--baseline-src DIR`` also the hostward in DIR (an older checkout's src: before/after in the
   same runs). Two measures: the on-CPU time from
   /proc/PID/schedstat between 3 s in and 2 s before the end (start-up excluded, exact), and wait4's rusage
   with start-up removed by a second run with N=1: (cpu(N) - cpu(1)) / (N - 1) (tick-based, noisier). Each is
   repeated ``--rounds`` times and the median is compared: the machines are shared with other jobs.
2. In-process, for hostward only: the loop body (the recorder's sampler + DataFileWriter.write_sample) timed
   with time.thread_time, in a hot loop and after sleeping 1 s before each sample as the daemon does. The
   difference is how much more the same work costs when the CPU caches and predictors have gone cold
   (measured here: 3x; a tight pure-Python loop loses only ~20 us after a sleep, so it is the working set).

Usage: /work/venv/bin/python bench/record_cost.py [--samples N] [--rounds R] [--baseline-src DIR]
       (takes about R * (N + 4) + 20 seconds)
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _peers import SADC, Run, finish_all, start
from hostward.collect.host import read_host
from hostward.collect.sample import SystemSample
from hostward.procfs import ProcFS
from hostward.recorder.sampler import CachingSampler
from hostward.store import DataFileWriter, day_path
from hostward.store.codec import SampleEncoder


class _NoTimeHealth:
    """Stands in for recorder.timehealth.TimeHealth: samples carry no time group."""

    def __call__(self) -> None:
        return None

    def close(self) -> None:
        pass


def record_without_time_health(data_dir: Path, count: int) -> None:
    """``hostward record -i 1 -c COUNT --no-housekeeping -d DATA_DIR`` minus the time health group (run in a
    child process of this script, like the real recorder: see side_by_side)."""
    import dataclasses

    from hostward.config import load_config
    from hostward.recorder import Recorder

    config = dataclasses.replace(load_config().record, interval_seconds=1.0, data_dir=data_dir)
    Recorder(config, housekeeping=False, time_health=_NoTimeHealth()).run(count)  # type: ignore[arg-type]


def side_by_side(workdir: Path, count: int, baseline: Path | None) -> dict[str, Run]:
    """sadc, sadc -S DISK, hostward (top 0 and 10) and optionally the baseline hostward, started at the same
    moment, each for ``count`` samples at 1 s (as _peers.side_by_side, plus the baseline)."""
    tag = f"n{count}"
    record = [sys.executable, "-m", "hostward", "record", "-i", "1", "-c", str(count), "--no-housekeeping"]
    hostwards = {"hostward": ("0", None), "hostward+top10": ("10", None)}
    if baseline is not None:
        hostwards["baseline"] = ("0", baseline)
        hostwards["baseline+top10"] = ("10", baseline)  # the shipping default, before/after
    for name in [*hostwards, "hostward -time"]:
        shutil.rmtree(workdir / f"{name}-{tag}", ignore_errors=True)
    sa, sa_disk = workdir / f"sa-{tag}", workdir / f"sa-disk-{tag}"
    sa.unlink(missing_ok=True)
    sa_disk.unlink(missing_ok=True)
    runs = [
        start("sadc", [SADC, "1", str(count), str(sa)], sa),
        start("sadc -S DISK", [SADC, "-S", "DISK", "1", str(count), str(sa_disk)], sa_disk),
    ]
    for name, (top, src) in hostwards.items():
        out = workdir / f"{name}-{tag}"
        extra = {"HOSTWARD_RECORD_TOP_PROCESSES": top}
        if src is not None:
            extra["PYTHONPATH"] = str(src.resolve())
        runs.append(start(name, [*record, "-d", str(out)], out, **extra))
    no_time = workdir / f"hostward -time-{tag}"
    this = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--record-without-time-health",
        str(no_time),
        str(count),
    ]
    runs.append(start("hostward -time", this, no_time, HOSTWARD_RECORD_TOP_PROCESSES="0"))
    return finish_all(runs, count)


def in_process(iterations: int, top: int, cold: int) -> tuple[float, float, float, float]:
    """(sampling ms, sampling + encode + append ms, encode-only ms) per sample in a hot loop, and the median
    sampling + encode + append ms of ``cold`` samples each taken after a 1 s sleep; all CPU time."""
    procfs = ProcFS()
    sampler = CachingSampler(procfs, top_processes=top)
    host = read_host(procfs, len(sampler().cpu.per_cpu))
    with tempfile.TemporaryDirectory() as tmp:
        day = dt.date.today()
        with DataFileWriter.open(day_path(Path(tmp), day), day, host) as writer:
            for _ in range(50):  # warm up
                writer.write_sample(sampler())
            t0 = time.thread_time()
            samples: list[SystemSample] = [sampler() for _ in range(iterations)]
            t1 = time.thread_time()
            for sample in samples:
                writer.write_sample(sample)
            t2 = time.thread_time()
            after_sleep = []
            for _ in range(cold):
                time.sleep(1.0)
                c0 = time.thread_time()
                writer.write_sample(sampler())
                after_sleep.append(time.thread_time() - c0)
    encoder = SampleEncoder()
    t3 = time.thread_time()
    for sample in samples:
        encoder.encode(sample)
    t4 = time.thread_time()
    per = 1000 / iterations
    cold_ms = statistics.median(after_sleep) * 1000 if after_sleep else float("nan")
    return (t1 - t0) * per, (t2 - t0) * per, (t4 - t3) * per, cold_ms


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--cold", type=int, default=15, help="in-process samples taken after a 1 s sleep")
    parser.add_argument("--baseline-src", type=Path, metavar="DIR", help="also run the hostward in DIR")
    parser.add_argument("--record-without-time-health", nargs=2, metavar=("DIR", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.record_without_time_health:
        record_without_time_health(
            Path(args.record_without_time_health[0]), int(args.record_without_time_health[1])
        )
        return
    steady: dict[str, list[float]] = {}
    rusage: dict[str, list[float]] = {}
    kernel: dict[str, list[float]] = {}
    startup: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for _ in range(args.rounds):
            once = side_by_side(work, 1, args.baseline_src)
            many = side_by_side(work, args.samples, args.baseline_src)
            for name, run in many.items():
                steady.setdefault(name, []).append(run.steady_ms_per_second)
                per = (run.cpu_seconds - once[name].cpu_seconds) / (args.samples - 1) * 1000
                rusage.setdefault(name, []).append(per)
                kern = (run.system_seconds - once[name].system_seconds) / (args.samples - 1) * 1000
                kernel.setdefault(name, []).append(kern)
                startup.setdefault(name, []).append(once[name].cpu_seconds * 1000)
    med = statistics.median
    refs = ("sadc", "sadc -S DISK")
    ours = [name for name in steady if name not in refs]

    def ratios(values: dict[str, list[float]]) -> None:
        for name in ours:
            for ref in refs:
                print(f"  ratio {name:<14} / {ref:<13} {med(values[name]) / med(values[ref]):5.2f}")

    print(
        f"steady state, start-up excluded: on-CPU time from /proc/PID/schedstat per second (3 s in to 2 s before "
        f"the end; at 1 s per sample the CPU cost per sample); {args.samples} samples at 1 s, all recorders "
        f"running at once; median of {args.rounds} rounds [all rounds]:"
    )
    for name, values in steady.items():
        print(f"  {name:<14} {med(values):6.3f} ms per sample  [{', '.join(f'{v:.3f}' for v in values)}]")
    ratios(steady)
    print(
        "  (target: hostward / sadc <= 1; sadc records no processes, so hostward+top10 is not like for like)"
    )
    print(
        "process CPU time from rusage, start-up removed via N=1 runs (tick-based: coarser), median of rounds:"
    )
    for name in steady:
        print(
            f"  {name:<14} start-up {med(startup[name]):7.1f} ms   per sample {med(rusage[name]):6.3f} ms "
            f"(kernel {med(kernel[name]):5.3f})"
        )
    ratios(rusage)
    print(
        f"in-process CPU time per sample, this checkout only: hot loop ({args.iterations} iterations) and after "
        f"a 1 s sleep before each sample ({args.cold} samples, median):"
    )
    for top in (0, 10):
        sample_ms, loop_ms, encode_ms, cold_ms = in_process(
            args.iterations, top, args.cold if top == 0 else 0
        )
        after = f"; after a sleep {cold_ms:.3f} ms" if top == 0 else ""
        print(
            f"  top_processes={top:<3} sampling {sample_ms:.3f} ms, with encode + append {loop_ms:.3f} ms "
            f"(encode alone {encode_ms:.3f} ms){after}"
        )


if __name__ == "__main__":
    main()
