"""A tiny memory hog for OOM drills: ``python -m hostward.oom.drill.hog --rate 1G``.

Safety first, because this program exists to exhaust memory:

* It allocates nothing until it reads one byte from stdin. The drill starts it, writes its pid into the drill's
  cgroup.procs, and only then writes that byte: every page it touches is charged to the limited cgroup.
* Before allocating it checks its own memory cgroup has a finite limit (v1 memory.limit_in_bytes or v2
  memory.max) and refuses (exit status 3) otherwise. It also stops at ``--max`` bytes.
* PR_SET_PDEATHSIG: if the drill dies, the kernel SIGKILLs the hog.

It touches one byte per 4 KiB page of anonymous mmap chunks (THP is not requested, so each touch is one page
fault and one page charged to the cgroup), paced to ``--rate`` bytes per second (0: as fast as it can), and
writes progress lines ``<CLOCK_MONOTONIC seconds> <bytes touched> [<chunk start> <bytes before it>]`` to stdout so the drill can tell when the
cgroup crossed the guard's threshold without asking the guard. ``--bystander`` allocates ``--size`` at once,
prints one line and sleeps until killed: the process a protection rule must keep alive.
"""

from __future__ import annotations

import argparse
import ctypes
import mmap
import os
import signal
import sys
import time

from hostward.oom.guard.cgroup import V1_UNLIMITED_THRESHOLD, memory_cgroup_of
from hostward.oom.guard.triggers import parse_size

PAGE = 4096
PR_SET_PDEATHSIG = 1
EXIT_UNSAFE = 3


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getppid()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(EXIT_UNSAFE)


def cgroup_limit_ok() -> tuple[bool, str]:
    """(True, path) when this process is in a memory cgroup with a finite limit."""
    cgroup = memory_cgroup_of("self")
    if cgroup is None:
        return False, "no memory cgroup"
    try:
        limit = cgroup.limit_bytes()
    except Exception as exc:  # any failure to read the limit is a refusal, never a guess
        return False, f"cannot read the limit of {cgroup.path}: {exc}"
    if limit is None or limit >= V1_UNLIMITED_THRESHOLD:
        return False, f"memory cgroup {cgroup.path} has no limit"
    return True, cgroup.path


def _report(touched: int, chunk_started: float | None = None, chunk_bytes: int = 0) -> None:
    """``<now> <bytes touched>`` and, for a chunk, ``<when it started> <bytes touched before it>``."""
    line = f"{time.monotonic():.6f} {touched}"
    if chunk_started is not None:
        line += f" {chunk_started:.6f} {touched - chunk_bytes}"
    os.write(1, (line + "\n").encode())


def run_hog(rate_bps: int, chunk_bytes: int, max_bytes: int, report_bytes: int) -> None:
    held: list[mmap.mmap] = []
    touched = 0
    reported = 0
    start = time.monotonic()
    while touched < max_bytes:
        size = min(chunk_bytes, max_bytes - touched)
        size -= size % PAGE
        if size <= 0:
            break
        chunk_started = time.monotonic()
        chunk = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        chunk[::PAGE] = b"\x01" * (size // PAGE)  # one write per page: one fault, one page charged
        held.append(chunk)
        touched += size
        if touched - reported >= report_bytes:
            # With pacing, a chunk is touched in a burst and then the hog sleeps: the start of the burst lets
            # the drill interpolate inside the burst instead of across the sleep.
            _report(touched, chunk_started, size)
            reported = touched
        if rate_bps > 0:
            ahead = start + touched / rate_bps - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    _report(touched)
    while True:  # reached --max: hold the memory until killed
        time.sleep(3600)


def run_bystander(size_bytes: int) -> None:
    chunk = mmap.mmap(-1, max(size_bytes, PAGE), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    chunk[::PAGE] = b"\x01" * (len(chunk) // PAGE)
    _report(len(chunk))
    while True:
        time.sleep(3600)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hostward.oom.drill.hog", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rate", default="1G", help="bytes per second, e.g. 200M, 1G; 0 = as fast as it can")
    parser.add_argument("--chunk", default="1M", help="mmap chunk size (default 1M)")
    parser.add_argument("--max", default="4G", help="stop allocating at this many bytes (default 4G)")
    parser.add_argument("--report", default="4M", help="write a progress line every this many bytes")
    parser.add_argument("--bystander", action="store_true", help="allocate --size once and sleep")
    parser.add_argument("--size", default="32M", help="bystander size (default 32M)")
    args = parser.parse_args(argv)
    sizes = [parse_size(x) for x in (args.rate, args.chunk, args.max, args.report, args.size)]
    _die_with_parent()
    # Everything is imported and parsed: say so (the drill measures its baseline after this line), then wait
    # for the go byte; the drill has moved us into the cgroup by then. EOF means the drill gave up.
    os.write(1, b"ready\n")
    if not os.read(0, 1):
        return 0
    ok, where = cgroup_limit_ok()
    if not ok:
        sys.stderr.write(f"hog: refusing to allocate: {where}\n")
        return EXIT_UNSAFE
    rate, chunk, maximum, report, size = sizes
    if args.bystander:
        run_bystander(size)
    else:
        run_hog(rate, chunk, maximum, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
