"""Live mode: samples taken every ``interval`` seconds, as a generator (the CLI prints; nothing here does)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from hostward.collect.sample import SystemSample


def live_samples(
    sampler: Callable[[], SystemSample],
    interval: float,
    count: int | None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> Iterator[SystemSample]:
    """Yield a reference sample at once, then ``count`` more (forever when None), one per ``interval``.

    Ticks are scheduled from the start on the monotonic clock, like sadc's alarm(): a slow sample delays its
    own line but does not shift the ones after it.
    """
    start = monotonic()
    yield sampler()
    taken = 0
    while count is None or taken < count:
        taken += 1
        delay = start + taken * interval - monotonic()
        if delay > 0:
            sleep(delay)
        yield sampler()
