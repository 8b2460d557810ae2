"""Time of a full `-A` report: `hostward sar -A -f` against sysstat's `sar -A -f`.

What is compared, and why:

1. **Equal sample counts, real data.** sadc and hostward record the same seconds side by side (``--record N``
   runs ``sadc -S XALL 1 N`` and hostward's sampler in lock-step, N seconds of wall time; or pass existing
   files with ``--sa`` and ``--hw``). Then each report is timed:
   ``sar -A -f sa`` (every sysstat activity: it prints more than hostward has), ``sar <hostward's -A set> -f
   sa`` (the same reports hostward prints: -u ALL -P ALL -w -W -B -b -r ALL -S -q -d -n DEV,EDEV), and
   ``hostward sar -A -f hw``; the commands take turns, ``--repeat`` rounds, and the median is compared (the
   machines are shared). Times include process start-up (for hostward: the Python interpreter).
2. **A full day.** A sysstat file of 8640 records can only be recorded in real time (a day), so hostward's
   full day is synthesised (8640 samples at 10 s of evolving counters, written by the store's writer) and
   timed; sar's full-day time is estimated from its per-record time in (1), since its cost is linear in
   records. The script prints which numbers are measured and which are extrapolated.

Usage: /work/venv/bin/python bench/sar_report.py [--record 600 | --sa FILE --hw FILE] [--repeat 5]
       [--baseline-src OLD_CHECKOUT/src]   (times that hostward too, in the same rounds: before/after)
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import statistics
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


@dataclasses.dataclass
class Timing:
    best: float
    median: float
    size: int  # bytes of output


def timed(commands: dict[str, tuple[list[str], dict[str, str]]], repeat: int) -> dict[str, Timing]:
    """Wall time of every command, ``repeat`` rounds; the commands take turns within a round so that a burst
    of load from elsewhere on the machine hits them alike. Best and median of the rounds, and the output size."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    sizes: dict[str, int] = {}
    for _ in range(repeat):
        for name, (command, env) in commands.items():
            t0 = time.perf_counter()
            out = subprocess.run(command, capture_output=True, check=True, env=env).stdout
            times[name].append(time.perf_counter() - t0)
            sizes[name] = len(out)
    return {name: Timing(min(t), statistics.median(t), sizes[name]) for name, t in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--record", type=int, default=0, metavar="N", help="record N seconds side by side first"
    )
    parser.add_argument("--sa", type=Path, help="existing sysstat file")
    parser.add_argument("--hw", type=Path, help="existing hostward file with the same samples")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--baseline-src",
        type=Path,
        metavar="DIR",
        help="also time the hostward whose package is in DIR (e.g. an older checkout's src), same runs",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hw-bench-"))
    if args.record:
        sa, hw = record(args.record, work)
    elif args.sa and args.hw:
        sa, hw = args.sa, args.hw
    else:
        parser.error("give --record N, or --sa and --hw")
    env = dict(os.environ, LANG="C")
    hostwards = {"hostward": ([sys.executable, "-m", "hostward", "sar"], env)}
    if args.baseline_src:
        baseline_env = dict(env, PYTHONPATH=str(args.baseline_src.resolve()))
        hostwards["baseline"] = ([sys.executable, "-m", "hostward", "sar"], baseline_env)
    records = (
        int(
            subprocess.run(
                ["sar", "-w", "-f", str(sa)], capture_output=True, text=True, env=env
            ).stdout.count("\n")
        )
        - 4
    )
    print(
        f"equal sample counts: {records} intervals in {sa} and {hw}; {args.repeat} rounds, wall time "
        "(median; best in brackets)"
    )
    commands = {
        "sar -A -f": (["sar", "-A", "-f", str(sa)], env),
        "sar <hostward's -A set> -f": (["sar", *SAR_EQUIVALENT, "-f", str(sa)], env),
    }
    for name, (argv, run_env) in hostwards.items():
        commands[f"{name} sar -A -f"] = ([*argv, "-A", "-f", str(hw)], run_env)
    t = timed(commands, args.repeat)
    for name, timing in t.items():
        print(
            f"  {name:<32} {timing.median:8.3f} s ({timing.best:.3f})  {timing.size / 1e6:6.2f} MB out  "
            f"{timing.median / records * 1e3:7.3f} ms/record"
        )
    sar_all, sar_eq = t["sar -A -f"].median, t["sar <hostward's -A set> -f"].median
    for name in hostwards:
        ours = t[f"{name} sar -A -f"].median
        print(f"  ratio {name} / sar -A {'':<{10 - len(name)}}      {ours / sar_all:8.2f}")
        print(f"  ratio {name} / sar same set {'':<{10 - len(name)}}{ours / sar_eq:8.2f}")

    day = work / "hwday"
    start = dt.datetime.combine(dt.date.today(), dt.time()).timestamp()
    write(day, synthetic_day(start))
    t_day = timed(
        {name: ([*argv, "-A", "-f", str(day)], run_env) for name, (argv, run_env) in hostwards.items()},
        args.repeat,
    )
    est_all, est_eq = sar_all / records * (DAY_SAMPLES - 1), sar_eq / records * (DAY_SAMPLES - 1)
    print(f"full day ({DAY_SAMPLES} samples at 10 s):")
    for name, timing in t_day.items():
        print(
            f"  {name} sar -A -f (measured, synthetic day) {'':<{10 - len(name)}}{timing.median:8.3f} s "
            f"({timing.best:.3f})  {timing.size / 1e6:6.2f} MB out"
        )
    print(f"  sar -A -f (extrapolated from ms/record)             {est_all:8.3f} s")
    print(f"  sar <same set> -f (extrapolated)                    {est_eq:8.3f} s")
    for name, timing in t_day.items():
        print(
            f"  ratio {name} / sar -A {'':<{10 - len(name)}}                    {timing.median / est_all:8.2f}"
        )
        print(
            f"  ratio {name} / sar same set {'':<{10 - len(name)}}              {timing.median / est_eq:8.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
