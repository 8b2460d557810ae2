"""Start-up CPU of hostward commands next to the C and Python tools they stand beside, interleaved.

    .venv/bin/python bench/startup.py [--runs 10]

Each round runs every command once, in turn, so load on the machine falls on all of them alike. CPU is the
child's user + system time (rusage of the waited process, children included), which is what the command
costs the host; the 1 s interval of ``sar -u 1 1`` is sleep and costs nothing. Byte-code caching is on (in a
private directory), as for an installed package. Printed: median CPU per command and the ratio hostward/peer.
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

SRC = Path(__file__).resolve().parent.parent / "src"

# (label, hostward argv, peer label, peer argv or None when the peer is not installed)
PAIRS = (
    ("hostward --version", ["--version"], "sar -V", ["sar", "-V"]),
    ("hostward sar -u 1 1", ["sar", "-u", "1", "1"], "sar -u 1 1", ["sar", "-u", "1", "1"]),
    ("hostward oom top --json", ["oom", "top", "--json"], "dstat --top-oom 1 1", ["dstat", "--top-oom", "1", "1"]),
)  # fmt: skip


def cpu_of(argv: list[str], env: dict[str, str]) -> float:
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({code}): {err.strip()}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10, help="rounds (default 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": str(SRC),
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
            "HOSTWARD_CONFIG": os.devnull,
            "LANG": "C",
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # The installed entry point, as users run it (python -m adds runpy, ~3 ms).
        script = Path(sys.executable).parent / "hostward"
        hostward = [str(script)] if script.exists() else [sys.executable, "-m", "hostward"]
        commands: list[tuple[str, list[str]]] = []
        for label, ours, peer_label, peer in PAIRS:
            commands.append((label, [*hostward, *ours]))
            if shutil.which(peer[0]):
                commands.append((peer_label, peer))
        for _label, argv in commands:  # warm the byte-code cache and the page cache
            cpu_of(argv, env)
        cpu: dict[str, list[float]] = {label: [] for label, _ in commands}
        for _ in range(args.runs):
            for label, argv in commands:
                cpu[label].append(cpu_of(argv, env))
    median = {label: statistics.median(values) * 1000 for label, values in cpu.items()}
    print(f"start-up CPU, median of {args.runs} interleaved runs (ms; user + system)")
    for label, _ours, peer_label, _peer in PAIRS:
        line = f"  {label:<26} {median[label]:7.1f} ms"
        if peer_label in median:
            peer_ms = median[peer_label]
            ratio = f"{median[label] / peer_ms:7.1f}x" if peer_ms > 0 else "   (peer < 1 tick)"
            line += f"   {peer_label:<22} {peer_ms:7.1f} ms   ratio {ratio}"
        else:
            line += f"   {peer_label}: not installed"
        print(line)


if __name__ == "__main__":
    main()
