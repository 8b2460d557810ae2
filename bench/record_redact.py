"""What redacting the kept command lines adds to a recorder sample, side by side with the sample itself.

Three figures per sample, medians of ``--rounds`` runs of ``--samples`` samples each, thread CPU time:

* the recorder's sampler with top_processes 10 and no filter (what a sample cost before redaction);
* the same sampler with the recorder's Redactor (the default: rules + 1024-character bound, results remembered
  per command line);
* the Redactor's rules alone on the same ten command lines with nothing remembered (the cost on a host whose
  top processes change every sample, e.g. short-lived compiler jobs).

Usage: .venv/bin/python bench/record_redact.py [--samples N] [--rounds R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from hostward.collect.redact import Redactor
from hostward.procfs import ProcFS
from hostward.recorder.sampler import CachingSampler


def per_sample(sampler: CachingSampler, samples: int) -> float:
    sampler()  # warm the kernel-file cache and the redactor's memory
    start = time.thread_time()
    for _ in range(samples):
        sampler()
    return (time.thread_time() - start) / samples


def rules_only(commands: list[tuple[str, ...]], samples: int) -> float:
    start = time.thread_time()
    for _ in range(samples):
        redactor = Redactor()  # a fresh one: nothing remembered
        for args in commands:
            redactor(args)
    return (time.thread_time() - start) / samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    plain = CachingSampler(ProcFS(), top_processes=10)
    redacted = CachingSampler(ProcFS(), top_processes=10, cmdline_filter=Redactor())
    commands = [p.cmdline for p in plain().top_processes]
    rows: dict[str, list[float]] = {"sample, no redaction": [], "sample, redacted": [], "rules alone": []}
    for _ in range(args.rounds):
        rows["sample, no redaction"].append(per_sample(plain, args.samples))
        rows["sample, redacted"].append(per_sample(redacted, args.samples))
        rows["rules alone"].append(rules_only(commands, args.samples))
    base = statistics.median(rows["sample, no redaction"])
    chars = sum(len(" ".join(c)) for c in commands)
    print(
        f"{len(commands)} command lines, {chars} characters; median of {args.rounds} x {args.samples} samples"
    )
    for name, values in rows.items():
        value = statistics.median(values)
        print(f"  {name:<22} {value * 1e6:8.1f} us per sample   ratio to no redaction {value / base:5.2f}")
    plain.close()
    redacted.close()


if __name__ == "__main__":
    main()
