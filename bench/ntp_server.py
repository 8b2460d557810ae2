"""Server throughput on loopback: `hostward ntp serve` next to chronyd 4.3, same load, printing ratios.

    .venv/bin/python bench/ntp_server.py [--seconds 3] [--window 16] [--rounds 6]

A Python load generator keeps --window requests in flight; the figure that does not depend on how fast
the generator is, is the server's own CPU time per reply (from /proc/PID/stat). Both servers run at once
and take turns under load (--rounds), so the machine's other load falls on both alike.
"""

from __future__ import annotations

import argparse
import time

from ntp_common import Peer, drive, process_cpu_seconds, start_chronyd, start_hostward


def measure(peer: Peer, seconds: float, window: int) -> tuple[int, float, float]:
    """(replies, wall seconds, server CPU seconds) of one round of load on ``peer``."""
    cpu0 = process_cpu_seconds(peer.pid)
    start = time.monotonic()
    replies = drive(peer.address, peer.port, seconds, window)
    elapsed = time.monotonic() - start
    return replies, elapsed, process_cpu_seconds(peer.pid) - cpu0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="load per server, in total")
    parser.add_argument("--window", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=6, help="the servers take turns this many times")
    args = parser.parse_args()
    peers = [start_chronyd("127.0.86.100"), start_hostward("127.0.86.101")]
    totals = {peer.name: [0, 0.0, 0.0] for peer in peers}
    try:
        for peer in peers:
            drive(peer.address, peer.port, 0.3, args.window)  # warm-up
        for _ in range(args.rounds):  # interleaved: load on the machine falls on both alike
            for peer in peers:
                replies, elapsed, cpu = measure(peer, args.seconds / args.rounds, args.window)
                total = totals[peer.name]
                total[0] += replies
                total[1] += elapsed
                total[2] += cpu
    finally:
        for peer in peers:
            peer.stop()
    results = {
        name: (replies / elapsed, cpu / max(replies, 1) * 1e6)
        for name, (replies, elapsed, cpu) in ((n, (int(t[0]), t[1], t[2])) for n, t in totals.items())
    }
    print(f"{'server':<22}{'replies/s':>12}{'server CPU µs/reply':>22}")
    for name, (rate, cpu) in results.items():
        print(f"{name:<22}{rate:>12.0f}{cpu:>22.1f}")
    (c_rate, c_cpu), (h_rate, h_cpu) = results["chronyd"], results["hostward ntp serve"]
    print(
        f"ratio hostward/chronyd: throughput {h_rate / c_rate:.2f}x, CPU per reply {h_cpu / max(c_cpu, 1e-9):.1f}x"
    )


if __name__ == "__main__":
    main()
