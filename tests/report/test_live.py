"""The live-mode sampling generator, with an injected clock."""

from __future__ import annotations

from hostward.report.live import live_samples


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_reference_then_count_samples_on_a_fixed_schedule() -> None:
    clock = FakeClock()
    taken: list[float] = []

    def sampler() -> float:
        taken.append(clock.now)
        clock.now += 0.25  # each sample takes 250 ms: the schedule must not drift
        return clock.now

    out = list(live_samples(sampler, 2.0, 3, sleep=clock.sleep, monotonic=clock.monotonic))  # type: ignore[arg-type]
    assert len(out) == 4
    assert taken == [100.0, 102.0, 104.0, 106.0]
    assert clock.sleeps == [1.75, 1.75, 1.75]


def test_without_count_it_runs_until_the_consumer_stops() -> None:
    clock = FakeClock()
    gen = live_samples(lambda: clock.now, 1.0, None, sleep=clock.sleep, monotonic=clock.monotonic)  # type: ignore[arg-type,return-value]
    first = [next(gen) for _ in range(50)]
    assert first[-1] == 149.0
