"""The cyclic garbage collector paused while a day's records are decoded, reported or turned into series.

A day is ~10^5-10^6 objects (tuples, records) that all stay alive and hold no reference cycles; with the collector
running, its collections (every few hundred allocations) traverse that growing heap again and again and find
nothing: ~40% of decoding a whole day, a third of reading a 10 s day for a plot. Pausing loses nothing. It is
process-wide but only ever delays collection, and a caller that found it paused leaves it paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
