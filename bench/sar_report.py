"""Reading a recorded day: `hostward sar` against sysstat's `sar` on files of the same samples.

What is compared, and why:

* **The same samples.** ``--record N`` runs ``sadc -S XALL 1 N`` and ``hostward record -i 1 -c N`` (the
  shipping default: 10 top processes with every sample) side by side, so both files hold the same N seconds;
  or pass files recorded that way with ``--sa`` and ``--hw``. Nothing is extrapolated: each report is run on
  those files as they are.
* **The reports people run.** ``sar -u`` (the default report), ``sar -A`` against ``hostward sar -A``, and
  sar restricted to the reports hostward's ``-A`` prints (sysstat's ``-A`` prints more).
* **Interleaved rounds.** The commands take turns within each round, so a burst of load elsewhere on this
  shared machine hits them alike; the median of ``--repeat`` rounds is compared. Measured per run: the
  process's CPU time (user + system, from wait4; start-up included: for hostward, the interpreter), its wall
  time; and, from one more run under GNU time (``/usr/bin/time -f %M``, Debian package ``time``), its peak
  resident memory (_peers.peak_rss_mib: ru_maxrss from wait4 is floored by this Python process's, ~15 MiB).
* **As installed.** A package installed by pip or a distribution has its byte code compiled; this environment
  sets ``PYTHONDONTWRITEBYTECODE``, which made every run compile hostward's sources again (~50 ms of each
  run). The hostward runs get a private ``PYTHONPYCACHEPREFIX`` (removed at the end), filled by one untimed
  run of each command before the rounds.
* **As users run it:** the installed ``hostward`` script next to this interpreter (``python -m hostward`` when
  there is none, or with ``--python-m``), as every bench runs it (_peers.hostward_command).
* ``--baseline-src DIR`` also runs the hostward whose package is in DIR (an older checkout's ``src``) in the
  same rounds: before/after on the same files.

Usage: .venv/bin/python bench/sar_report.py --record 600 [--repeat 7] [--baseline-src /work/main/src]
       .venv/bin/python bench/sar_report.py --sa FILE --hw FILE [--keep DIR] [--python-m] [--only=-u]
(the recorded files go to a temporary directory that is removed at the end, unless --keep DIR is given)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peers import SADC, SRC, finish_all, hostward_command, peak_rss_mib, start

# The reports hostward's -A prints (as of issue 15's additions so far: check `hostward sar -A` headers against
# `sar -A` when an activity is added, and add its flag here), so "sar same set" compares equal work.
SAR_EQUIVALENT = [
    "-u",
    "ALL",
    "-P",
    "ALL",
    "-w",
    "-W",
    "-B",
    "-b",
    "-H",
    "-r",
    "ALL",
    "-S",
    "-v",
    "-q",
    "ALL",
    "-d",
    "-n",
    "DEV,EDEV,SOCK,SOCK6,IP,EIP,ICMP,EICMP,TCP,ETCP,UDP",
]


@dataclass
class Measure:
    cpu: list[float]
    wall: list[float]
    rss_mib: float = 0.0
    out_bytes: int = 0


def record(seconds: int, directory: Path) -> tuple[Path, Path]:
    """sadc -S XALL and hostward's recorder (default top processes) side by side, ``seconds`` samples at 1 s."""
    sa, hw_dir = directory / "sa", directory / "hw"
    argv = [sys.executable, "-m", "hostward", "record", "-i", "1", "-c", str(seconds), "--no-housekeeping"]
    runs = [
        start("sadc -S XALL", [SADC, "-S", "XALL", "1", str(seconds), str(sa)], sa),
        start("hostward record", [*argv, "-d", str(hw_dir)], hw_dir, HOSTWARD_RECORD_TOP_PROCESSES="10"),
    ]
    done = finish_all(runs, seconds)
    return sa, done["hostward record"].file


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, bytes of output) of one run."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed with exit status {proc.returncode}")
        size = out.tell()
    return usage.ru_utime + usage.ru_stime, wall, size


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--record", type=int, default=0, metavar="N", help="record N seconds side by side first"
    )
    parser.add_argument("--sa", type=Path, help="an existing sysstat file")
    parser.add_argument("--hw", type=Path, help="an existing hostward file of the same samples")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="record into DIR and keep the files")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-src", type=Path, metavar="DIR", help="also time the hostward in DIR")
    parser.add_argument(
        "--only", choices=("-u", "-A"), help="compare this report alone, written --only=-u (both by default)"
    )
    parser.add_argument(
        "--python-m", action="store_true", help="run hostward as python -m hostward, not its installed script"
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="hw-bench-"))
    try:
        if args.record:
            work.mkdir(parents=True, exist_ok=True)
            sa, hw = record(args.record, work)
        elif args.sa and args.hw:
            sa, hw = args.sa, args.hw
        else:
            parser.error("give --record N, or --sa and --hw")
        with tempfile.TemporaryDirectory(prefix="hw-bench-pycache-") as pycache:
            return compare(
                sa, hw, args.repeat, args.baseline_src, Path(pycache), python_m=args.python_m, only=args.only
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def compare(
    sa: Path,
    hw: Path,
    repeat: int,
    baseline: Path | None,
    pycache: Path,
    *,
    python_m: bool = False,
    only: str | None = None,
) -> int:
    env = dict(os.environ, LANG="C", LC_ALL="C", HOSTWARD_CONFIG=os.devnull, PYTHONPATH=str(SRC))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    hostwards = {"hostward": dict(env, PYTHONPYCACHEPREFIX=str(pycache / "hostward"))}
    if baseline is not None:
        hostwards["baseline"] = dict(
            env, PYTHONPATH=str(baseline.resolve()), PYTHONPYCACHEPREFIX=str(pycache / "baseline")
        )
    records = subprocess.run(["sar", "-w", "-f", str(sa)], capture_output=True, text=True, env=env).stdout
    print(f"{sa} ({sa.stat().st_size / 1e6:.1f} MB) and {hw} ({hw.stat().st_size / 1e6:.1f} MB): "
          f"{records.count(chr(10)) - 4} intervals in sar -w; {repeat} interleaved rounds, medians")  # fmt: skip
    cases: dict[str, dict[str, tuple[list[str], dict[str, str]]]] = {
        "-u": {"sar": (["sar", "-u", "-f", str(sa)], env)},
        "-A": {
            "sar": (["sar", "-A", "-f", str(sa)], env),
            "sar same set": (["sar", *SAR_EQUIVALENT, "-f", str(sa)], env),
        },
    }
    if only is not None:
        cases = {only: cases[only]}
    hostward = hostward_command(python_m=python_m)
    print(f"hostward runs as: {' '.join(hostward)}")
    for flag, commands in cases.items():
        for name, run_env in hostwards.items():
            commands[name] = ([*hostward, "sar", flag, "-f", str(hw)], run_env)
    results = {flag: {name: Measure([], []) for name in commands} for flag, commands in cases.items()}
    for commands in cases.values():  # byte code compiled, as an installed package has it
        for name in hostwards:
            run_once(*commands[name])
    for flag, commands in cases.items():
        for name, (argv, run_env) in commands.items():
            results[flag][name].rss_mib = peak_rss_mib(argv, run_env)
    for _ in range(repeat):
        for flag, commands in cases.items():
            for name, (argv, run_env) in commands.items():
                cpu, wall, size = run_once(argv, run_env)
                m = results[flag][name]
                m.cpu.append(cpu)
                m.wall.append(wall)
                m.out_bytes = size
    med = statistics.median
    for flag, measures in results.items():
        print(f"sar {flag}:")
        for name, m in measures.items():
            print(f"  {name:<14} cpu {med(m.cpu) * 1e3:8.1f} ms  wall {med(m.wall) * 1e3:8.1f} ms  "
                  f"max RSS {m.rss_mib:7.1f} MiB  {m.out_bytes / 1e6:6.2f} MB out")  # fmt: skip
        peers = [p for p in measures if p.startswith("sar")]
        for name in hostwards:
            for peer in peers:
                ours, theirs = measures[name], measures[peer]
                print(f"  ratio {name} / {peer:<13} cpu {med(ours.cpu) / med(theirs.cpu):6.2f}  "
                      f"wall {med(ours.wall) / med(theirs.wall):6.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
