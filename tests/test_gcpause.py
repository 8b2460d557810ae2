"""collector_paused from several threads (the dashboard reads days in a thread pool): the collector runs again
once the last of them is done, whatever the interleaving."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

import pytest

from hostward import gcpause
from hostward.gcpause import collector_paused


class Collector:
    """gc's switch, with a hook run inside isenabled(): a thread switch at that point, replayed in one thread."""

    def __init__(self) -> None:
        self.enabled = True
        self.on_isenabled: Callable[[], object] | None = None

    def isenabled(self) -> bool:
        answer = self.enabled
        hook, self.on_isenabled = self.on_isenabled, None
        if hook is not None:
            hook()
        return answer

    def disable(self) -> None:
        self.enabled = False

    def enable(self) -> None:
        self.enabled = True


def test_a_pause_that_ends_while_another_begins_leaves_the_collector_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Thread A pauses; thread B asks whether the collector runs (no: A paused it); A ends and turns it back on;
    B pauses it. Counted per caller, B then left it off for good."""
    fake = Collector()
    monkeypatch.setattr(gcpause, "gc", fake)
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    assert fake.enabled is False
    fake.on_isenabled = lambda: first.__exit__(None, None, None)  # A ends between B's question and its pause
    second.__enter__()
    if fake.on_isenabled is not None:  # B did not ask (A's pause still holds): A ends now
        fake.on_isenabled = None
        first.__exit__(None, None, None)
    assert fake.enabled is False  # B is still reading
    second.__exit__(None, None, None)
    assert fake.enabled is True


def test_nested_and_concurrent_pauses_restore_the_collector() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()

    barrier = threading.Barrier(8)

    def read() -> None:
        with collector_paused():
            barrier.wait(timeout=30)  # all eight inside at once
        for _ in range(200):
            with collector_paused():
                pass

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert gc.isenabled()


def test_a_collector_found_off_is_left_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
