"""Where the recorder's CPU time per sample goes with top processes: each part timed in a sampler that sleeps 1 s
before every sample, as the daemon does (issue 17).

bench/record_cost.py compares whole recorders with sadc; this splits the cost of one. In a hot loop the top
processes cost ~0.3 ms a sample; in a recorder that sleeps between samples the same work costs 2-4 times as
much (the CPU's caches and predictors have gone cold, the kernel's as much as the interpreter's), and that is
the cost that counts. Printed, per sample (thread CPU time, sum of the calls in a sample, median over the
samples), for hostward's default activities:

* the sampler with and without top processes, and the sample's encoding + append;
* the top processes split: listing /proc, ranking by statm, reading the winners (and how many were read in
  full: new winners, one statm read more each), the rest (sorting, bookkeeping); the encoding of their T_PROCS frame;
* the system calls alone, in the same cold state: listing /proc, one pread of every kept statm descriptor,
  one pread of each of the winners' four files. What is left above those is the interpreter's share.

Usage: .venv/bin/python bench/record_breakdown.py [--samples N]   (takes about 3 * N seconds)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import hostward.recorder.sampler as sampler_module
from hostward.collect.host import read_host
from hostward.procfs import ProcFS
from hostward.recorder.sampler import CachingSampler
from hostward.recorder.selection import DEFAULT, groups_for
from hostward.recorder.timehealth import TimeHealth
from hostward.store import DataFileWriter, day_path

WINNER_FILES = sampler_module._AGAIN_FILES  # the four files a winner is read again from


class Parts:
    """Thread CPU time of wrapped calls, summed per sample."""

    def __init__(self) -> None:
        self.now: dict[str, int] = defaultdict(int)
        self.calls: dict[str, int] = defaultdict(int)
        self.samples: dict[str, list[int]] = defaultdict(list)

    def wrap(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time_ns()
            try:
                return call(*args, **kwargs)
            finally:
                self.now[name] += time.thread_time_ns() - start
                self.calls[name] += 1

        return timed

    def end_sample(self, names: tuple[str, ...]) -> None:
        for name in names:
            self.samples[name].append(self.now.get(name, 0))
        self.now.clear()

    def us(self, name: str) -> float:
        return statistics.median(self.samples[name]) / 1000


def run(samples: int, top: int) -> tuple[Parts, CachingSampler]:
    """``samples`` samples at 1 s of a sampler with ``top`` top processes, each part timed."""
    parts = Parts()
    procfs = ProcFS()
    sampler = CachingSampler(
        procfs, top_processes=top, groups=groups_for(DEFAULT), time_health=TimeHealth(())
    )
    host = read_host(procfs, len(sampler().cpu.per_cpu))
    names = ("sampler", "write", "listing", "ranking", "winners", "procs frame")
    full_reads, listed = [0], [0]
    namespace = vars(sampler_module)  # the module's read_process, counted while the parts are timed
    real_read_process = namespace["read_process"]

    def counted_read_process(*args: Any, **kwargs: Any) -> Any:
        full_reads[0] += 1
        return real_read_process(*args, **kwargs)

    with tempfile.TemporaryDirectory() as tmp:
        day = dt.date.today()
        with DataFileWriter.open(day_path(Path(tmp), day), day, host) as writer:
            for _ in range(10):  # warm up: descriptors opened, kernel threads known
                writer.write_sample(sampler())
            sampler._listing = parts.wrap("listing", sampler._listing)  # type: ignore[method-assign]
            # What is timed above also hands back the kept listing: count the real ones.
            listing = sampler._proc_listing
            real_pids = listing.pids

            def counted_pids() -> list[int]:
                listed[0] += 1
                return real_pids()

            listing.pids = counted_pids  # type: ignore[method-assign]
            files = sampler._pid_files
            files.resident_pages = parts.wrap("ranking", files.resident_pages)  # type: ignore[method-assign]
            sampler._read_process = parts.wrap("winners", sampler._read_process)  # type: ignore[method-assign]
            procs = writer._procs
            procs.encode = parts.wrap("procs frame", procs.encode)  # type: ignore[method-assign]
            namespace["read_process"] = counted_read_process
            take, write = parts.wrap("sampler", sampler), parts.wrap("write", writer.write_sample)
            try:
                for _ in range(samples):
                    time.sleep(1.0)
                    write(take())
                    parts.end_sample(names)
            finally:
                namespace["read_process"] = real_read_process
    parts.calls["full reads"] = full_reads[0]
    parts.calls["listed"] = listed[0]
    return parts, sampler


def system_calls_alone(sampler: CachingSampler, samples: int) -> tuple[float, float, int, float, int]:
    """Median cold µs of: listing /proc; one pread of every kept statm descriptor; one pread of the four files
    of the first ten processes the sampler tracks (their counts too: a stand-in for the winners' reads)."""
    files = sampler._pid_files
    kept = files.descriptors()
    statm = [fd for (_pid, name), fd in kept.items() if name == "statm"]
    winners = [
        fd
        for pid in list(sampler._seen)[: sampler.top_processes]
        for name in WINNER_FILES
        if (fd := kept.get((pid, name))) is not None
    ]
    listing, ranking, reading = [], [], []
    for _ in range(samples):
        time.sleep(1.0)
        t0 = time.thread_time_ns()
        sampler._proc_listing.pids()  # as the recorder lists: from the first process's position
        t1 = time.thread_time_ns()
        for fd in statm:
            with contextlib.suppress(OSError):
                os.pread(fd, 512, 0)
        t2 = time.thread_time_ns()
        for fd in winners:
            with contextlib.suppress(OSError):
                os.pread(fd, 4096, 0)
        t3 = time.thread_time_ns()
        listing.append(t1 - t0)
        ranking.append(t2 - t1)
        reading.append(t3 - t2)
    med = statistics.median
    return med(listing) / 1000, med(ranking) / 1000, len(statm), med(reading) / 1000, len(winners)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    n = args.samples
    without, first = run(n, 0)
    first.close()
    with_top, sampler = run(n, 10)
    try:
        alone = system_calls_alone(sampler, n)
    finally:
        sampler.close()
    listing_share = with_top.calls["listed"] / n
    top_parts = ("listing", "ranking", "winners")
    top_sum = sum(with_top.us(name) for name in top_parts)
    print(f"cold CPU per sample (1 s sleep before each of {n} samples; median of the per-sample sums), µs:")
    print(f"  sampler without top processes          {without.us('sampler'):7.0f}")
    print(f"  sampler with 10 top processes          {with_top.us('sampler'):7.0f}")
    print(
        f"    listing /proc                        {with_top.us('listing'):7.0f}   (/proc listed in {listing_share:.0%} of the samples)"
    )
    print(f"    ranking by statm                     {with_top.us('ranking'):7.0f}")
    print(
        f"    the winners' files and records       {with_top.us('winners'):7.0f}   "
        f"({with_top.calls['full reads'] / n:.1f} a sample read in full: new winners)"
    )
    rest = with_top.us("sampler") - without.us("sampler") - top_sum
    print(f"    the rest (sort, bookkeeping, caches)  {rest:7.0f}   (with - without - the three above)")
    print(f"  encoding + append, without / with      {without.us('write'):7.0f} / {with_top.us('write'):.0f}")
    print(f"    of which the T_PROCS frame           {with_top.us('procs frame'):7.0f}")
    listing, ranking, statms, reading, reads = alone
    print("the system calls alone, same cold state, µs:")
    print(f"  listing /proc                          {listing:7.0f}")
    print(
        f"  {statms} statm preads                       {ranking:7.0f}   ({ranking / max(statms, 1):.1f} each)"
    )
    print(
        f"  {reads} preads of the winners' files        {reading:7.0f}   ({reading / max(reads, 1):.1f} each)"
    )


if __name__ == "__main__":
    main()
