"""Client cost per query on loopback: hostward's client, ntplib, and chronyd -Q, against one chronyd 4.3.

    /work/venv/bin/python bench/ntp_client.py [--queries 300]

In-process clients (hostward query_server with one sample, ntplib.NTPClient.request) are measured with
time.process_time() per query, in interleaved rounds (median of 10). Whole programs (`hostward ntp query`, `chronyd -Q`) are measured with
the children's rusage per run: that includes interpreter or daemon start-up, which is what a cron job or
a monitoring check pays.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile

import ntplib

from _cpu import interleaved
from hostward.ntp.client import ServerAddress, query_server
from ntp_common import start_chronyd

PYCACHE = tempfile.mkdtemp(prefix="bench-pycache-")


def per_run_cpu(argv: list[str], n: int) -> float:
    # Byte-code caching on, into a private directory (this environment sets PYTHONDONTWRITEBYTECODE, which
    # would make every run recompile hostward from source: not what an installed package costs).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = PYCACHE
    subprocess.run(argv, capture_output=True, check=False, timeout=30, env=env)  # warm-up, fills the cache
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(n):
        subprocess.run(argv, capture_output=True, check=False, timeout=30, env=env)  # exit 1-3 = verdict
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / n


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    peer = start_chronyd("127.0.86.110")
    try:
        target = ServerAddress(peer.address, peer.port)
        ntp = ntplib.NTPClient()
        rows = interleaved(
            {
                "hostward query_server (in-process)": lambda: query_server(
                    target, samples=1, retries=0, timeout=1.0
                ),
                "ntplib request (in-process)": lambda: ntp.request(
                    peer.address, port=peer.port, version=4, timeout=1
                ),
            },
            args.queries,
        )
        tmp = tempfile.mkdtemp(prefix="bench-chronyq-", dir=PYCACHE)
        rows["hostward ntp query (program, 1 sample)"] = per_run_cpu(
            [
                sys.executable,
                "-m",
                "hostward",
                "ntp",
                "query",
                "--samples",
                "1",
                "--json",
                f"{peer.address}:{peer.port}",
            ],
            args.runs,
        )
        rows["chronyd -Q (program, iburst)"] = per_run_cpu(
            [
                "/usr/sbin/chronyd", "-Q", "-u", "root", "-t", "10",
                f"server {peer.address} port {peer.port} iburst minpoll -6 maxpoll -6",
                f"pidfile {tmp}/pid", "cmdport 0", f"bindcmdaddress {tmp}/sock", f"driftfile {tmp}/drift",
            ],
            args.runs,
        )  # fmt: skip
    finally:
        peer.stop()
        shutil.rmtree(PYCACHE, ignore_errors=True)
    print(f"{'client':<42}{'CPU per query':>16}")
    for name, seconds in rows.items():
        print(f"{name:<42}{seconds * 1e6:>13.0f} µs")
    h, n = rows["hostward query_server (in-process)"], rows["ntplib request (in-process)"]
    hp, cq = rows["hostward ntp query (program, 1 sample)"], rows["chronyd -Q (program, iburst)"]
    print(f"ratio hostward/ntplib (in-process): {h / n:.2f}x")
    print(f"ratio hostward ntp query/chronyd -Q (whole program): {hp / max(cq, 1e-9):.1f}x")


if __name__ == "__main__":
    main()
