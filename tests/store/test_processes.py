"""Top processes stored with each sample: exact round trip, compact (fixed details written once)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.store.conftest import HOST, process, series, with_processes

from hostward.store import DataFileWriter, day_path, read_file
from hostward.store.procs_codec import ProcsDecoder, ProcsEncoder

DAY = dt.date(2026, 11, 27)


def test_processes_round_trip_across_keyframes(tmp_path: Path) -> None:
    samples = with_processes(series(25))
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST, keyframe_every=6) as writer:
        writer.write_sample(samples[0], carried=True)
        for sample in samples[1:]:
            writer.write_sample(sample)
    data = read_file(path)
    assert data.previous == samples[0]
    assert data.entries == tuple(samples[1:])
    reused = [p for p in data.entries[-1].top_processes if p.pid == 500]  # type: ignore[union-attr]
    assert reused[0].cmdline == ("/bin/reused-pid",) and reused[0].start_ticks == 9000
    assert [p.oom_score for p in data.entries[0].top_processes if p.pid == 13] == [None]  # type: ignore[union-attr]


def test_fixed_details_are_written_once() -> None:
    encoder = ProcsEncoder()
    top = (process(4242, 900, cmdline=("/usr/bin/postgres", "-D", "/var/lib/postgresql/15/main" * 3)),)
    first = encoder.encode(top, reset=True)
    second = encoder.encode((process(4242, 901, cmdline=top[0].cmdline),), reset=False)
    assert len(second) <= 20 and len(first) > 60
    decoder = ProcsDecoder()
    assert decoder.decode(first) == top
    again = decoder.decode(second)[0]
    assert again.rss_bytes == 901 << 20 and again.cmdline == top[0].cmdline


def test_samples_without_processes_are_unaffected(tmp_path: Path) -> None:
    samples = series(5)
    mixed = [*with_processes(samples[:2]), *samples[2:4], *with_processes(samples[4:])]
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in mixed:
            writer.write_sample(sample)
    assert read_file(path).entries == tuple(mixed)
