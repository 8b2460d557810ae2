"""Reading a sysstat sa file: CPU of hostward's decoder beside sysstat's own sar and sadf on the same file.

    .venv/bin/python bench/sa_read.py [--sa FILE] [--runs 5] [--baseline-src DIR]

1. **The file**: ``--sa FILE`` (e.g. a day of ``sadc -S XALL``), read only; without it ``sadc -S XALL 1 10``
   records ten seconds of this host into a temporary directory (removed afterwards).
2. **The contenders**, each a fresh process (start-up included, as a user pays it):
   ``sar -u -f FILE`` and ``sar -A -f FILE`` (sysstat's reports, output to /dev/null) beside hostward decoding the
   same file for those reports (``parse_input`` with the parts ``sar -u`` / ``sar -A`` read: every record decoded
   into samples, no report written: hostward's ``sar`` reports hostward's own recordings, and an sa file is
   drawn with ``plot -f`` or brought in with ``import``); and ``sadf -g FILE -- -u`` beside
   ``hostward plot -f FILE -u --format svg`` (the same graph, both drawn).
   ``--baseline-src DIR`` adds every hostward row again run from another source tree (an older checkout's
   ``src``), in the same rounds: before and after, measured side by side.
3. **CPU, not wall time**: user + system of each child (``wait4``), one warm-up run each, then ``--runs`` rounds
   in which every contender runs once in turn, so load from other work on the machine falls on all alike.
   Printed: the median CPU, the peak resident memory of one more run under GNU time (as bench/sar_report.py
   measures it: ru_maxrss from wait4 is floored by this Python process's), and the ratio to the sysstat command
   of the same row. ``hostward plot`` runs as the installed script, as users run it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peers import SRC, hostward_command, peak_rss_mib, run_child

DECODE = (
    "import sys\nfrom pathlib import Path\n"
    "from hostward.store.sysstat.importer import parse_input\n"
    "from hostward.cli.sar_args import parse_sar_args\n"
    "from hostward.cli.sar_data import wanted_parts\n"
    "parts = wanted_parts(parse_sar_args([*sys.argv[2:], '-f', sys.argv[1]]))\n"
    "_, kind, content = parse_input(Path(sys.argv[1]), parts=parts)\n"
    "assert kind == 'sa' and content.entries, kind\n"
)


def find(name: str) -> str:
    for path in (shutil.which(name), f"/usr/lib/sysstat/{name}", f"/usr/lib64/sa/{name}"):
        if path and Path(path).exists():
            return path
    sys.exit(f"{name} is not installed (sysstat)")


def env_for(src: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"LANG": "C", "TZ": "UTC", "PYTHONPATH": str(src), "HOSTWARD_CONFIG": os.devnull})
    return env


def run(argv: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one run of ``argv``."""
    code, seconds, err = run_child(argv, env)
    if code != 0:
        sys.exit(f"{' '.join(argv)} failed: {err.strip()[-400:]}")
    return seconds


def contenders(sa: Path, work: Path, sources: dict[str, Path]) -> dict[str, tuple[str, list[str], Path]]:
    """name -> (the sysstat row it is compared with, argv, source tree)."""
    sar, sadf = find("sar"), find("sadf")
    py = sys.executable
    rows: dict[str, tuple[str, list[str], Path]] = {
        "sar -u -f SA": ("sar -u -f SA", [sar, "-u", "-f", str(sa)], SRC),
        "sar -A -f SA": ("sar -A -f SA", [sar, "-A", "-f", str(sa)], SRC),
        "sadf -g SA -- -u": ("sadf -g SA -- -u", [sadf, "-g", str(sa), "--", "-u"], SRC),
    }
    for label, src in sources.items():
        rows[f"hostward decode for -u{label}"] = ("sar -u -f SA", [py, "-c", DECODE, str(sa), "-u"], src)
        rows[f"hostward decode for -A{label}"] = ("sar -A -f SA", [py, "-c", DECODE, str(sa), "-A"], src)
        out = work / f"plot{len(rows)}.svg"
        plot = [*hostward_command(), "plot", "-f", str(sa), "-u", "--format", "svg", "-o", str(out)]
        rows[f"hostward plot -f SA -u svg{label}"] = ("sadf -g SA -- -u", plot, src)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sa", type=Path, help="the sa file to read (default: 10 s of sadc -S XALL, recorded)"
    )
    parser.add_argument("--runs", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--baseline-src", type=Path, help="also run the hostward rows from this source tree")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sa-read-"))
    try:
        sa = opts.sa
        if sa is None:
            sa = work / "sa"
            subprocess.run([find("sadc"), "-S", "XALL", "1", "10", str(sa)], check=True, env=env_for(SRC))
        sources = {"": SRC}
        if opts.baseline_src is not None:
            sources[" (baseline)"] = opts.baseline_src.resolve()
        rows = contenders(sa, work, sources)
        envs = {name: {**env_for(src), "PYTHONPYCACHEPREFIX": str(work / "pycache" / str(i))}
                for i, (name, (_, _, src)) in enumerate(rows.items())}  # fmt: skip
        for name, (_, argv, _) in rows.items():  # warm-up: byte code, page cache
            run(argv, envs[name])
        rss = {name: peak_rss_mib(argv, envs[name]) for name, (_, argv, _) in rows.items()}
        cpu: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(opts.runs):
            for name, (_, argv, _) in rows.items():
                cpu[name].append(run(argv, envs[name]))
        median = {name: statistics.median(values) for name, values in cpu.items()}
        print(f"{sa} ({sa.stat().st_size / 1e6:.1f} MB), median CPU of {opts.runs} interleaved rounds")
        print(f"{'':44} {'CPU ms':>8} {'max RSS MiB':>12} {'ratio':>7}")
        for name, (peer, _, _) in rows.items():
            ratio = "" if name == peer else f"{median[name] / median[peer]:6.2f}x"
            print(f"{name:44} {median[name] * 1e3:8.0f} {rss[name]:12.1f} {ratio:>7}")
        print("ratio: to the sysstat command of the same report (sar -u, sar -A, sadf -g -- -u)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
