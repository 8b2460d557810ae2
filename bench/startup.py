"""Start-up CPU of hostward commands next to the C and Python tools they stand beside, interleaved.

    .venv/bin/python bench/startup.py [--runs 10] [--baseline-src OLD_CHECKOUT/src]

The NTP and cache rows query a chronyd and a memcached this script starts on 127.0.0.1 (and stops). The
``sar -A -f`` rows read files recorded first (3 samples at 1 s, ``sadc -S XALL`` beside ``hostward record``:
start-up and the decoding of every activity, not the length of a day); ``oom report`` reads a fixture log
(no C tool explains an OOM kill: no peer, the figure alone); ``web user list`` lists the one account of a
data directory made first (listing creates nothing: a missing data directory would be an error) and ``web audit
verify`` checks the audit log that adding it wrote; ``oom explain``, ``oom doctor`` and ``ntp status`` read
this host (no peer for these).

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

from _memcached import Memcached
from _peers import SADC, SRC, hostward_command, run_child
from ntp_common import start_chronyd

OOM_LOG = SRC.parent / "tests" / "fixtures" / "oom" / "debian8-3.16-memcg-v1.kern.log"
SAMPLES = 3

MEMCACHED_TOOL = "/usr/share/memcached/scripts/memcached-tool"


def pairs(
    ntp: str, ntp_port: int, cache: str, tmp: Path, files: tuple[Path, Path]
) -> list[tuple[str, list[str], str, list[str]]]:
    """(label, hostward argv, peer label, peer argv): the peer is skipped when its program is not installed
    (an empty label: no peer)."""
    sa, hw = files
    web = str(web_data(tmp))
    chrony = [
        f"pidfile {tmp}/chrony.pid",
        "cmdport 0",
        f"bindcmdaddress {tmp}/chrony.sock",
        f"driftfile {tmp}/drift",
    ]
    return [
        ("hostward --version", ["--version"], "sar -V", ["sar", "-V"]),
        ("hostward sar -u 1 1", ["sar", "-u", "1", "1"], "sar -u 1 1", ["sar", "-u", "1", "1"]),
        ("hostward oom top --json", ["oom", "top", "--json"], "dstat --top-oom 1 1", ["dstat", "--top-oom", "1", "1"]),
        ("hostward ntp query", ["ntp", "query", "--samples", "1", f"{ntp}:{ntp_port}"], "chronyd -Q",
         ["/usr/sbin/chronyd", "-Q", "-u", "root", "-t", "10",
          f"server {ntp} port {ntp_port} iburst minpoll -6 maxpoll -6", *chrony]),
        ("hostward cache stats", ["cache", "stats", cache], "memcached-tool stats", [MEMCACHED_TOOL, cache, "stats"]),
        ("hostward sar -A -f", ["sar", "-A", "-f", str(hw)], "sar -A -f", ["sar", "-A", "-f", str(sa)]),
        ("hostward oom report LOG", ["oom", "report", str(OOM_LOG)], "", []),
        ("hostward web user list", ["web", "--data-dir", web, "user", "list"], "", []),
        ("hostward web audit verify", ["web", "--data-dir", web, "audit", "verify"], "", []),
        ("hostward oom explain 1", ["oom", "explain", "--json", "1"], "", []),
        ("hostward oom doctor --json", ["oom", "doctor", "--json"], "", []),
        ("hostward ntp status --json", ["ntp", "status", "--json"], "", []),
    ]  # fmt: skip


def record(tmp: Path) -> tuple[Path, Path]:
    """``sadc -S XALL 1 3`` and ``hostward record -i 1 -c 3`` side by side: (the sa file, hostward's file)."""
    sa, hw_dir = tmp / "sa", tmp / "hw"
    env = {**os.environ, "PYTHONPATH": str(SRC), "HOSTWARD_CONFIG": os.devnull}
    ours = [sys.executable, "-m", "hostward", "record", "-i", "1", "-c", str(SAMPLES), "--no-housekeeping"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    runs = [
        subprocess.Popen([SADC, "-S", "XALL", "1", str(SAMPLES), str(sa)], **quiet),
        subprocess.Popen([*ours, "-d", str(hw_dir)], env=env, **quiet),
    ]
    for run in runs:
        if run.wait(timeout=60 + SAMPLES) != 0:
            raise SystemExit(f"{' '.join(map(str, run.args))} failed ({run.returncode})")
    # the day's file (the recorder also keeps a lock, a boot id)
    return sa, sorted(hw_dir.glob("hw[0-9]*"))[-1]


def web_data(tmp: Path) -> Path:
    """A data directory whose dashboard has one account (a viewer), for the ``web user list`` row."""
    data = tmp / "web-data"
    add = [*hostward_command(), "web", "--data-dir", str(data), "user", "add", "bench", "--password-stdin"]
    env = {**os.environ, "PYTHONPATH": str(SRC), "HOSTWARD_CONFIG": os.devnull}
    subprocess.run(
        add, input=b"bench start-up passphrase 7\n", env=env, stdout=subprocess.DEVNULL, check=True
    )
    return data


# Commands whose exit status is a verdict: `ntp query` exits 1 (WARNING) with one server, fewer than 3;
# `ntp status` says how this host keeps time (3: critical, a clock no daemon disciplines, as on a test VM).
VERDICT_EXITS = {"hostward ntp query": (0, 1), "hostward ntp status --json": (0, 1, 3)}


def cpu_of(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    code, cpu, err = run_child(argv, env)
    if code not in ok:
        raise SystemExit(f"{' '.join(argv)} failed ({code}): {err.strip()}")
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10, help="rounds (default 10)")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="also run the hostward whose package is in this directory (an older checkout's src) in the same "
        "rounds: before/after side by side",
    )
    args = parser.parse_args()
    chronyd = start_chronyd("127.0.0.1")
    memcached = Memcached()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
            files = record(Path(tmp))
            rows = pairs(chronyd.address, chronyd.port, memcached.address, Path(tmp), files)
            median = measure(rows, args.runs, Path(tmp), args.baseline_src)
    finally:
        memcached.stop()
        chronyd.stop()
    print(f"start-up CPU, median of {args.runs} interleaved runs (ms; user + system)")
    for label, _ours, peer_label, _peer in rows:
        line = f"  {label:<26} {median[label]:7.1f} ms"
        if not peer_label:
            line += "   (no peer)"
        elif peer_label in median:
            peer_ms = median[peer_label]
            ratio = f"{median[label] / peer_ms:7.1f}x" if peer_ms > 0 else "   (peer < 1 tick)"
            line += f"   {peer_label:<22} {peer_ms:7.1f} ms   ratio {ratio}"
        else:
            line += f"   {peer_label}: not installed"
        if args.baseline_src is not None:
            base = median.get(BASE + label)
            line += f"   (baseline {base:.1f} ms)" if base is not None else "   (baseline failed)"
        print(line)


BASE = "baseline: "


def measure(
    rows: list[tuple[str, list[str], str, list[str]]], runs: int, tmp: Path, baseline: Path | None = None
) -> dict[str, float]:
    """Median CPU (ms) of every command, hostward's and the peers' (and the baseline's), run in turn ``runs``
    times. A baseline command that fails (e.g. an older reader on a newer file) is left out."""
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),
        "HOSTWARD_CONFIG": os.devnull,
        "LANG": "C",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    hostward = hostward_command()
    base_env = {**env, "PYTHONPATH": str(baseline)} if baseline is not None else env
    commands: list[tuple[str, list[str], dict[str, str]]] = []
    for label, ours, peer_label, peer in rows:
        commands.append((label, [*hostward, *ours], env))
        if baseline is not None:
            commands.append((BASE + label, [*hostward, *ours], base_env))
        if peer and shutil.which(peer[0]):
            commands.append((peer_label, peer, env))
    for label, argv, run_env in list(commands):  # warm the byte-code cache and the page cache
        try:
            cpu_of(argv, run_env, VERDICT_EXITS.get(label.removeprefix(BASE), (0,)))
        except SystemExit:
            if not label.startswith(BASE):
                raise
            commands.remove((label, argv, run_env))
    cpu: dict[str, list[float]] = {label: [] for label, _, _ in commands}
    for _ in range(runs):
        for label, argv, run_env in commands:
            cpu[label].append(cpu_of(argv, run_env, VERDICT_EXITS.get(label.removeprefix(BASE), (0,))))
    return {label: statistics.median(values) * 1000 for label, values in cpu.items()}


if __name__ == "__main__":
    main()
