"""Server throughput on loopback: `hostward ntp serve` next to chronyd 4.3, same load, printing ratios.

    /work/venv/bin/python bench/ntp_server.py [--seconds 3] [--window 16]

A Python load generator keeps --window requests in flight; the figure that does not depend on how fast
the generator is, is the server's own CPU time per reply (from /proc/PID/stat).
"""

from __future__ import annotations

import argparse
import time

from ntp_common import Peer, drive, process_cpu_seconds, start_chronyd, start_hostward


def measure(peer: Peer, seconds: float, window: int) -> tuple[float, float]:
    drive(peer.address, peer.port, 0.3, window)  # warm-up
    cpu0 = process_cpu_seconds(peer.pid)
    start = time.monotonic()
    replies = drive(peer.address, peer.port, seconds, window)
    elapsed = time.monotonic() - start
    cpu = process_cpu_seconds(peer.pid) - cpu0
    return replies / elapsed, cpu / max(replies, 1) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--window", type=int, default=16)
    args = parser.parse_args()
    results = {}
    for start, address in ((start_chronyd, "127.0.86.100"), (start_hostward, "127.0.86.101")):
        peer = start(address)
        try:
            results[peer.name] = measure(peer, args.seconds, args.window)
        finally:
            peer.stop()
    print(f"{'server':<22}{'replies/s':>12}{'server CPU µs/reply':>22}")
    for name, (rate, cpu) in results.items():
        print(f"{name:<22}{rate:>12.0f}{cpu:>22.1f}")
    (c_rate, c_cpu), (h_rate, h_cpu) = results["chronyd"], results["hostward ntp serve"]
    print(
        f"ratio hostward/chronyd: throughput {h_rate / c_rate:.2f}x, CPU per reply {h_cpu / max(c_cpu, 1e-9):.1f}x"
    )


if __name__ == "__main__":
    main()
