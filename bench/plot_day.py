"""A full day as graphs: CPU of `hostward plot` beside sysstat's `sadf -g`, same file, same reports, interleaved.

    .venv/bin/python bench/plot_day.py [--interval 10] [--runs 5] [--reports "-u -r -n DEV"] [--keep DIR]

1. **The day**: ``sadc -S DISK 1 3`` records three real records of this host; the last one is replicated over a
   whole day (86400 / interval records) with sadc's record headers advanced and the counters moved the way a
   working host moves them: CPU busy share, free memory and network traffic follow slow waves with
   deterministic jitter, so lines have detail to draw (a flat line would be cheap for any plotter). ``sar -u``
   must print a row per interval, or the script stops.
2. **The same reports**: ``sadf -g DAY -- REPORTS`` (one SVG, sysstat's own renderer) and
   ``hostward plot -f DAY REPORTS --format svg`` (one SVG per graph, the file drawn directly: nothing imported);
   ``hostward plot`` of the same day imported into a hostward data directory (``--date``), as SVG and as the
   default PDF report. Both also draw the first 12 records alone (the same graphs, each ratio to sadf -g of
   those records): what a plot costs whatever the day's length, and from it the cost of each further record.
3. **CPU, not wall time**: user + system of each child (rusage of the waited process), warm-up run first, then
   ``--runs`` rounds in which every contender runs once in turn, so load from other work on the machine falls
   on all of them alike. Printed: the median per contender and its ratio to sadf -g.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

from _peers import run_child
from hostward.store.sysstat.sa_format import R_STATS, located_stats, parse_sa

SRC = Path(__file__).resolve().parents[1] / "src"
DAY = dt.date(2026, 11, 26)
FIRST = 12  # records of the short day: every graph has a line, and its cost is the plot's fixed cost
A_CPU, A_PCSW, A_MEMORY, A_NET_DEV = 1, 2, 7, 12


def find(name: str) -> str:
    for path in (shutil.which(name), f"/usr/lib/sysstat/{name}"):
        if path and Path(path).exists():
            return path
    sys.exit(f"{name} is not installed")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"LANG": "C", "TZ": "UTC", "PYTHONPATH": str(SRC), "HOSTWARD_CONFIG": os.devnull})
    return env


def _wave(i: int, period: float, phase: float = 0.0) -> float:
    """0..1: a slow wave plus deterministic jitter (a hash of i), so every interval differs."""
    jitter = ((i * 2654435761 + int(phase * 1000)) % 1000) / 1000.0
    return 0.75 * (0.5 + 0.5 * math.sin(i / period + phase)) + 0.25 * jitter


def synthesize_day(directory: Path, interval: int) -> Path:
    """An sa file of a whole DAY at ``interval`` seconds (see the module docstring)."""
    seed = directory / "seed"
    subprocess.run([find("sadc"), "-S", "DISK", "1", "3", str(seed)], check=True, env=_env())
    data = seed.read_bytes()
    sa = parse_sa(data, str(seed))
    last = [r for r in sa.records if r.record_type == R_STATS][-1]
    head = data[: sa.records[0].offset]
    offsets: dict[int, tuple[int, int, int]] = {}  # activity id -> (start in record, item count, item size)
    pos = 24  # after the record header
    for act, at, count in located_stats(sa, last):
        offsets[act.id] = (at - last.offset, count, act.size)
        pos = at - last.offset + count * act.size * act.nr2
    template = bytes(data[last.offset : last.offset + pos])
    records = 86400 // interval
    jiffies = 100 * interval  # per CPU per interval
    cpu_at, cpus, cpu_size = offsets[A_CPU]
    start = int(dt.datetime(DAY.year, DAY.month, DAY.day, tzinfo=dt.UTC).timestamp()) + 1
    rec = bytearray(template)
    out = bytearray(head)
    for i in range(records):
        t = start + interval * i
        struct.pack_into("<QQ", rec, 0, last.uptime_cs + jiffies * i, t)
        struct.pack_into("<BBB", rec, 21, (t // 3600) % 24, (t // 60) % 60, t % 60)
        total = [0, 0, 0]
        for k in range(1, cpus):  # item 0 is "all": the sum of the others
            busy = int(jiffies * (0.05 + 0.9 * _wave(i, 700.0, k)))
            user, system = busy * 3 // 4, busy - busy * 3 // 4
            at = cpu_at + k * cpu_size
            for field, add in ((0, user), (2, system), (3, jiffies - busy)):
                old = struct.unpack_from("<Q", rec, at + 8 * field)[0]
                struct.pack_into("<Q", rec, at + 8 * field, old + add)
            total = [total[0] + user, total[1] + system, total[2] + jiffies - busy]
        for field, add in zip((0, 2, 3), total, strict=True):
            old = struct.unpack_from("<Q", rec, cpu_at + 8 * field)[0]
            struct.pack_into("<Q", rec, cpu_at + 8 * field, old + add)
        at = offsets[A_PCSW][0] + 8  # stats_pcsw: context_switch, processes
        struct.pack_into("<Q", rec, at, struct.unpack_from("<Q", rec, at)[0] + int(2e5 * _wave(i, 300.0)))
        if (
            A_MEMORY in offsets
        ):  # stats_memory: frmkb first, tlmkb fourth; free memory swings within a quarter
            at = offsets[A_MEMORY][0]
            total_kb = struct.unpack_from("<Q", template, at + 24)[0]
            struct.pack_into("<Q", rec, at, int(total_kb * (0.5 + 0.25 * _wave(i, 2000.0))))
        if A_NET_DEV in offsets:  # stats_net_dev: rx/tx packets, rx/tx bytes first
            at, count, size = offsets[A_NET_DEV]
            for n in range(count):
                for field, scale in ((0, 50), (1, 40), (2, 60000), (3, 30000)):
                    o = at + n * size + 8 * field
                    add = int(scale * interval * _wave(i, 400.0 + 90 * n, field + n))
                    struct.pack_into("<Q", rec, o, struct.unpack_from("<Q", rec, o)[0] + add)
        out += rec
    day = directory / f"sa{DAY:%Y%m%d}"
    day.write_bytes(bytes(out))
    rows = subprocess.run(
        [find("sar"), "-u", "-f", str(day)], capture_output=True, text=True, check=True, env=_env()
    ).stdout
    printed = sum(1 for line in rows.splitlines() if " all " in line and not line.startswith("Average"))
    if printed != records - 1:
        sys.exit(f"synthetic file is not what sar expects: {printed} rows for {records} records")
    return day


def shortened(day: Path, keep: int) -> Path:
    """The first ``keep`` records of ``day`` (every record of the synthetic day has the same size): what a
    plot costs whatever the day's length (start-up, figures, files), beside sadf -g on the same records."""
    data = day.read_bytes()
    records = parse_sa(data, str(day)).records
    size = records[1].offset - records[0].offset
    short = day.with_name(f"{day.name}-first{keep}")
    short.write_bytes(data[: records[0].offset + keep * size])
    return short


def cpu_of(argv: list[str], env: dict[str, str], stdout: Path | None = None) -> float:
    with open(stdout or os.devnull, "wb") as sink:
        code, cpu, err = run_child(argv, env, stdout=sink.fileno())
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {err.strip()}")
    return cpu


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--interval", type=int, default=10, help="seconds between records (default 10)")
    parser.add_argument("--runs", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--reports", default="-u -r -n DEV", help='sar report flags (default "-u -r -n DEV")')
    parser.add_argument("--keep", type=Path, help="keep the day and the graphs in this directory")
    opts = parser.parse_args()
    work = opts.keep or Path(tempfile.mkdtemp(prefix="bench-plot-day-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        env = {**_env(), "PYTHONPYCACHEPREFIX": str(work / "pycache")}
        sa = synthesize_day(work, opts.interval)
        short = shortened(sa, FIRST)
        store = work / "store"
        hostward = [sys.executable, "-m", "hostward"]
        subprocess.run([*hostward, "import", "--data-dir", str(store), str(sa)], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        reports = opts.reports.split()
        contenders: dict[str, tuple[list[str], Path | None]] = {
            "sadf -g (SVG)": ([find("sadf"), "-g", str(sa), "--", *reports], work / "sadf.svg"),
            "hostward plot -f saDD --format svg": (
                [*hostward, "plot", "-f", str(sa), *reports, "--format", "svg", "-o", str(work / "svg-sa")],
                None,
            ),
            "hostward plot --date (imported) svg": (
                [*hostward, "plot", "--data-dir", str(store), "--date", DAY.isoformat(), *reports,
                 "--format", "svg", "-o", str(work / "svg-hw")],
                None,
            ),
            "hostward plot --date (imported) pdf": (
                [*hostward, "plot", "--data-dir", str(store), "--date", DAY.isoformat(), *reports,
                 "-o", str(work / "day.pdf")],
                None,
            ),
            f"sadf -g, first {FIRST} records": (
                [find("sadf"), "-g", str(short), "--", *reports], work / "sadf-short.svg"
            ),
            f"hostward plot -f, first {FIRST} records": (
                [*hostward, "plot", "-f", str(short), *reports, "--format", "svg", "-o", str(work / "svg-short")],
                None,
            ),
        }  # fmt: skip
        for argv, stdout in contenders.values():  # warm-up: byte code, page cache
            cpu_of(argv, env, stdout)
        records = 86400 // opts.interval
        cpu: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(opts.runs):
            for name, (argv, stdout) in contenders.items():
                cpu[name].append(cpu_of(argv, env, stdout))
        median = {name: statistics.median(values) for name, values in cpu.items()}
        peer = median["sadf -g (SVG)"]
        print(f"a day of {records} records at {opts.interval} s, reports {opts.reports!r};")
        print(f"CPU per run (user + system), median of {opts.runs} interleaved rounds:")
        for name, seconds in median.items():
            base = median[f"sadf -g, first {FIRST} records"] if "first" in name else peer
            print(f"  {name:<38} {seconds * 1000:8.0f} ms   ratio to sadf -g {seconds / base:5.2f}x")
        fixed = median[f"hostward plot -f, first {FIRST} records"]
        whole = median["hostward plot -f saDD --format svg"]
        print(f"hostward plot -f: {fixed * 1000:.0f} ms whatever the day's length (start-up, figures, files), "
              f"{(whole - fixed) / (records - FIRST) * 1e6:.0f} us per further record")  # fmt: skip
        if opts.keep:
            print(f"files in {work}")
    finally:
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
