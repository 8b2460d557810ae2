"""CPU cost per call, measured the same way by every in-process bench: the contenders take turns in rounds, so
load on the (shared) machine falls on each alike, and the median round is reported."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def per_call_cpu(fn: Callable[[], object], n: int) -> float:
    fn()
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n


def interleaved(contenders: dict[str, Callable[[], object]], n: int, rounds: int = 10) -> dict[str, float]:
    """Median CPU per call over ``rounds`` rounds of ``n / rounds`` calls each, the contenders taking turns."""
    per_round = max(n // rounds, 1)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            samples[name].append(per_call_cpu(fn, per_round))
    return {name: statistics.median(values) for name, values in samples.items()}
