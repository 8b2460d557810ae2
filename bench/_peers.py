"""What the benches share: running sadc and `hostward record` side by side (CPU time, file sizes), how hostward is
run (its installed script), a child's CPU and stderr, and a command's peak resident memory."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
SADC = shutil.which("sadc") or "/usr/lib/sysstat/sadc"
GNU_TIME = "/usr/bin/time"


def hostward_command(*, python_m: bool = False) -> list[str]:
    """hostward as users run it: the installed ``hostward`` script next to this interpreter (``python -m
    hostward`` adds runpy's imports, ~3 ms of each run), or ``-m`` when asked or when there is no script.
    PYTHONPATH chooses whose package either one runs."""
    script = Path(sys.executable).parent / "hostward"
    return [str(script)] if script.exists() and not python_m else [sys.executable, "-m", "hostward"]


def run_child(
    argv: list[str], env: dict[str, str], stdout: int = subprocess.DEVNULL
) -> tuple[int, float, str]:
    """(exit status, CPU seconds user + system, standard error) of one run of ``argv``. Standard error is read
    while the child runs, to its end, and only then is the child reaped with its rusage: a child that writes more
    than a pipe holds (64 KiB) before exiting would wait forever on a parent that waited first."""
    proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.PIPE)
    err, usage = reap(proc)
    return proc.returncode, usage.ru_utime + usage.ru_stime, err


def reap(proc: subprocess.Popen[bytes]) -> tuple[str, resource.struct_rusage]:
    """(standard error, rusage) of a child started with ``stderr=PIPE``, its returncode set: standard error read
    to its end first, then the child reaped (see run_child)."""
    err = ""
    if proc.stderr is not None:
        with proc.stderr:
            err = proc.stderr.read().decode(errors="replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return err, usage


def peak_rss_mib(argv: list[str], env: dict[str, str]) -> float:
    """Peak resident memory of one run, as GNU time reports its own child's. Not ru_maxrss from wait4: a child
    forked by this Python process inherits its high-water mark (~15 MiB) at exec, which hides every figure below
    that (sar -u's ~2 MiB read as 15 MiB)."""
    if not os.path.exists(GNU_TIME):
        raise SystemExit(f"{GNU_TIME} is missing: install the Debian package 'time' (scripts/setup --bench)")
    with tempfile.NamedTemporaryFile("r") as report:
        timed = [GNU_TIME, "-f", "%M", "-o", report.name, *argv]
        subprocess.run(timed, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return int(report.read().split()[-1]) / 1024


@dataclass
class Run:
    name: str
    cpu_seconds: float  # user + system of the process
    system_seconds: float  # the kernel's share (generating /proc text, syscalls)
    steady_ms_per_second: float  # on-CPU time per second of wall time between 3 s in and 2 s before the end
    file: Path
    size: int


def start(
    name: str, argv: list[str], out: Path, **env_extra: str
) -> tuple[str, subprocess.Popen[bytes], Path]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "HOSTWARD_CONFIG": os.devnull, **env_extra}
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return name, proc, out


def on_cpu_ns(pid: int) -> int:
    """Time the task has run, in ns (/proc/PID/schedstat, first field: the scheduler's sum_exec_runtime,
    exact, unlike rusage's tick-based split); the recorders are single-threaded while they sample."""
    with open(f"/proc/{pid}/schedstat") as handle:
        return int(handle.read().split()[0])


def finish(name: str, proc: subprocess.Popen[bytes], out: Path, steady: float = float("nan")) -> Run:
    err, usage = reap(proc)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}): {err}")
    files = [out] if out.is_file() else sorted(p for p in out.iterdir() if p.name.startswith("hw"))
    if len(files) != 1:
        raise SystemExit(f"{name}: expected one data file, found {files} (did the run cross midnight?)")
    return Run(
        name, usage.ru_utime + usage.ru_stime, usage.ru_stime, steady, files[0], files[0].stat().st_size
    )


def finish_all(runs: list[tuple[str, subprocess.Popen[bytes], Path]], count: int) -> dict[str, Run]:
    """Wait for runs started together for ``count`` samples at 1 s. Steady state, start-up excluded: on-CPU time
    per wall second (= per sample at 1 s) measured in the middle of the run."""
    steady = dict.fromkeys((name for name, _, _ in runs), float("nan"))
    if count >= 8:
        time.sleep(3)
        first = {name: (on_cpu_ns(proc.pid), time.monotonic()) for name, proc, _ in runs}
        time.sleep(count - 5)
        for name, proc, _ in runs:
            cpu0, wall0 = first[name]
            steady[name] = (on_cpu_ns(proc.pid) - cpu0) / 1e6 / (time.monotonic() - wall0)
    return {name: finish(name, proc, out, steady[name]) for name, proc, out in runs}


def side_by_side(workdir: Path, count: int) -> dict[str, Run]:
    """Start sadc (default activities), sadc -S DISK, and hostward without and with its top processes at the
    same moment, each for ``count`` samples at 1 s, and wait for all four."""
    workdir.mkdir(parents=True, exist_ok=True)
    tag = f"n{count}"
    hw_dir = workdir / f"hostward-{tag}"
    hw_top = workdir / f"hostward-top-{tag}"
    for directory in (hw_dir, hw_top):
        shutil.rmtree(directory, ignore_errors=True)
    for name in (f"sa-{tag}", f"sa-disk-{tag}"):
        (workdir / name).unlink(missing_ok=True)
    record = [sys.executable, "-m", "hostward", "record", "-i", "1", "-c", str(count), "--no-housekeeping"]
    sa, sa_disk = workdir / f"sa-{tag}", workdir / f"sa-disk-{tag}"
    runs = [
        start("sadc", [SADC, "1", str(count), str(sa)], sa),
        start("sadc -S DISK", [SADC, "-S", "DISK", "1", str(count), str(sa_disk)], sa_disk),
        start("hostward", [*record, "-d", str(hw_dir)], hw_dir, HOSTWARD_RECORD_TOP_PROCESSES="0"),
        start("hostward+top10", [*record, "-d", str(hw_top)], hw_top, HOSTWARD_RECORD_TOP_PROCESSES="10"),
    ]
    return finish_all(runs, count)
