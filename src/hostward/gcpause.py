"""The cyclic garbage collector paused while a day's records are decoded, reported or turned into series.

A day is ~10^5-10^6 objects (tuples, records) that all stay alive and hold no reference cycles; with the collector
running, its collections (every few hundred allocations) traverse that growing heap again and again and find
nothing: ~40% of decoding a whole day, a third of reading a 10 s day for a plot. Pausing loses nothing. It is
process-wide but only ever delays collection, and a caller that found it paused leaves it paused.

The dashboard's threads read days at the same time, so the pauses nest across threads: the first to pause notes
whether the collector ran and the last to finish turns it back on. (Each noting and restoring on its own, a
thread could note "paused" just before another restored it, then pause it again for good: a daemon whose
reference cycles were never collected again.)
"""

from __future__ import annotations

import _thread
import gc
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = _thread.allocate_lock()  # threading's Lock, without importing threading (start-up)
_pausing = 0  # callers inside collector_paused(), in every thread
_restore = False  # whether the collector ran when the first of them came in


@contextmanager
def collector_paused() -> Iterator[None]:
    global _pausing, _restore  # noqa: PLW0603  (one process-wide collector: one count of who paused it)
    with _LOCK:
        if _pausing == 0:
            _restore = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _LOCK:
            _pausing -= 1
            if _pausing == 0 and _restore:
                gc.enable()
