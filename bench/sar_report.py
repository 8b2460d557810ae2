"""Time of a full `-A` report: `hostward sar -A -f` against sysstat's `sar -A -f`.

What is compared, and why:

1. **Equal sample counts, real data.** sadc and hostward record the same seconds side by side (``--record N``
   runs ``sadc -S XALL 1 N`` and hostward's sampler in lock-step, N seconds of wall time; or pass existing
   files with ``--sa`` and ``--hw``). Then each report is run ``--repeat`` times and the best wall time kept:
   ``sar -A -f sa`` (every sysstat activity: it prints more than hostward has), ``sar <hostward's -A set> -f
   sa`` (the same reports hostward prints: -u ALL -P ALL -w -W -B -b -r ALL -S -q -d -n DEV,EDEV), and
   ``hostward sar -A -f hw``. Times include process start-up (for hostward: the Python interpreter).
2. **A full day.** A sysstat file of 8640 records can only be recorded in real time (a day), so hostward's
   full day is synthesised (8640 samples at 10 s of evolving counters, written by the store's writer) and
   timed; sar's full-day time is estimated from its per-record time in (1), since its cost is linear in
   records. The script prints which numbers are measured and which are extrapolated.

Usage: /work/venv/bin/python bench/sar_report.py [--record 600 | --sa FILE --hw FILE] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hostward.collect.host import read_host
from hostward.collect.sample import SystemSample, sample_system
from hostward.procfs import ProcFS
from hostward.store import DataFileWriter

SAR_EQUIVALENT = [
    "-u",
    "ALL",
    "-P",
    "ALL",
    "-w",
    "-W",
    "-B",
    "-b",
    "-r",
    "ALL",
    "-S",
    "-q",
    "-d",
    "-n",
    "DEV,EDEV",
]
DAY_SAMPLES = 8640


def record(seconds: int, directory: Path) -> tuple[Path, Path]:
    """sadc and hostward side by side for ``seconds`` samples at 1 s."""
    sa, hw = directory / "sa", directory / "hw"
    procfs = ProcFS()
    proc = subprocess.Popen(["/usr/lib/sysstat/sadc", "-S", "XALL", "1", str(seconds), str(sa)])
    samples: list[SystemSample] = []
    last_size, last_hit = 0, -10.0
    while len(samples) < seconds and (proc.poll() is None or (sa.exists() and sa.stat().st_size > last_size)):
        size = sa.stat().st_size if sa.exists() else 0
        if size > last_size and time.monotonic() - last_hit > 0.5:
            samples.append(sample_system(procfs))
            last_hit = time.monotonic()
        last_size = max(size, last_size)
        time.sleep(0.001)
    proc.wait()
    write(hw, samples)
    return sa, hw


def write(path: Path, samples: list[SystemSample]) -> None:
    host = read_host(ProcFS(), len(samples[0].cpu.per_cpu))
    with DataFileWriter.open(path, dt.date.fromtimestamp(samples[0].timestamp), host) as writer:
        for sample in samples:
            writer.write_sample(sample)


def synthetic_day(start: float) -> list[SystemSample]:
    """8640 samples, 10 s apart, with counters that grow by random amounts and gauges that wander."""
    rng = random.Random(42)
    base = sample_system(ProcFS())
    samples = []
    s = base
    for i in range(DAY_SAMPLES):
        grow = lambda v: v + rng.randint(0, 2000)  # noqa: E731
        cpus = tuple(
            None if c is None else dataclasses.replace(c, user=c.user + rng.randint(0, 500), system=c.system + rng.randint(0, 200), idle=c.idle + rng.randint(300, 1000))
            for c in s.cpu.per_cpu
        )  # fmt: skip
        s = dataclasses.replace(
            s,
            timestamp=start + i * 10,
            uptime_seconds=base.uptime_seconds + i * 10,
            cpu=dataclasses.replace(s.cpu, per_cpu=cpus, context_switches=grow(s.cpu.context_switches), forks=s.cpu.forks + rng.randint(0, 30)),
            memory=dataclasses.replace(s.memory, mem_free_kb=max(0, s.memory.mem_free_kb + rng.randint(-5000, 5000))),
            vmstat=dataclasses.replace(s.vmstat, pgfault=grow(s.vmstat.pgfault), pgfree=grow(s.vmstat.pgfree), pgpgout=grow(s.vmstat.pgpgout)),
            # only disks that have done I/O move (sadc and sar -d skip the others, e.g. unused loop devices)
            disks=tuple(dataclasses.replace(d, read_ios=grow(d.read_ios), write_ios=grow(d.write_ios), read_sectors=grow(d.read_sectors), io_ticks_ms=grow(d.io_ticks_ms)) if d.total_ios else d for d in s.disks),
            nets=tuple(dataclasses.replace(n, rx_bytes=grow(n.rx_bytes), rx_packets=grow(n.rx_packets), tx_bytes=grow(n.tx_bytes)) for n in s.nets),
        )  # fmt: skip
        samples.append(s)
    return samples


def best(command: list[str], repeat: int) -> tuple[float, int]:
    """Best wall time of ``repeat`` runs, and the size of the output."""
    env = dict(os.environ, LANG="C")
    times, size = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run(command, capture_output=True, check=True, env=env).stdout
        times.append(time.perf_counter() - t0)
        size = len(out)
    return min(times), size


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--record", type=int, default=0, metavar="N", help="record N seconds side by side first"
    )
    parser.add_argument("--sa", type=Path, help="existing sysstat file")
    parser.add_argument("--hw", type=Path, help="existing hostward file with the same samples")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hw-bench-"))
    if args.record:
        sa, hw = record(args.record, work)
    elif args.sa and args.hw:
        sa, hw = args.sa, args.hw
    else:
        parser.error("give --record N, or --sa and --hw")
    hostward = [sys.executable, "-m", "hostward", "sar"]
    records = (
        int(
            subprocess.run(
                ["sar", "-w", "-f", str(sa)], capture_output=True, text=True, env=dict(os.environ, LANG="C")
            ).stdout.count("\n")
        )
        - 4
    )
    print(
        f"equal sample counts: {records} intervals in {sa} and {hw}; best of {args.repeat} runs (wall time)"
    )
    t_all, n_all = best(["sar", "-A", "-f", str(sa)], args.repeat)
    t_eq, n_eq = best(["sar", *SAR_EQUIVALENT, "-f", str(sa)], args.repeat)
    t_hw, n_hw = best([*hostward, "-A", "-f", str(hw)], args.repeat)
    print(
        f"  sar -A -f                        {t_all:8.3f} s  {n_all / 1e6:6.2f} MB out  {t_all / records * 1e3:7.3f} ms/record"
    )
    print(
        f"  sar <hostward's -A set> -f       {t_eq:8.3f} s  {n_eq / 1e6:6.2f} MB out  {t_eq / records * 1e3:7.3f} ms/record"
    )
    print(
        f"  hostward sar -A -f               {t_hw:8.3f} s  {n_hw / 1e6:6.2f} MB out  {t_hw / records * 1e3:7.3f} ms/record"
    )
    print(f"  ratio hostward / sar -A          {t_hw / t_all:8.2f}")
    print(f"  ratio hostward / sar same set    {t_hw / t_eq:8.2f}")

    day = work / "hwday"
    start = dt.datetime.combine(dt.date.today(), dt.time()).timestamp()
    write(day, synthetic_day(start))
    t_day, n_day = best([*hostward, "-A", "-f", str(day)], args.repeat)
    est_all, est_eq = t_all / records * (DAY_SAMPLES - 1), t_eq / records * (DAY_SAMPLES - 1)
    print(f"full day ({DAY_SAMPLES} samples at 10 s):")
    print(f"  hostward sar -A -f (measured, synthetic day)    {t_day:8.3f} s  {n_day / 1e6:6.2f} MB out")
    print(f"  sar -A -f (extrapolated from ms/record)         {est_all:8.3f} s")
    print(f"  sar <same set> -f (extrapolated)                {est_eq:8.3f} s")
    print(f"  ratio hostward / sar -A                         {t_day / est_all:8.2f}")
    print(f"  ratio hostward / sar same set                   {t_day / est_eq:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
