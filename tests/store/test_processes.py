"""Top processes stored with each sample: exact round trip, compact (fixed details written once)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from tests.store.conftest import HOST, process, series, with_processes

from hostward.errors import StoreError
from hostward.store import CommentMark, DataFileWriter, day_path, framing, read_day, read_file
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


def test_reports_can_leave_the_processes_undecoded(tmp_path: Path) -> None:
    """What sar, sadf and plot read (processes=False): the same samples, carried one included, without their
    process lists; a process frame with nothing before it is still damage."""
    samples = with_processes(series(8))
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST, keyframe_every=3) as writer:
        writer.write_sample(samples[0], carried=True)
        for sample in samples[1:]:
            writer.write_sample(sample)
    bare = [dataclasses.replace(s, top_processes=()) for s in samples]
    data = read_file(path, processes=False)
    assert data.previous == bare[0]
    assert data.entries == tuple(bare[1:])
    assert read_day(tmp_path, DAY, processes=False).entries == tuple(bare[1:])
    whole = read_file(path)
    assert whole.entries == tuple(samples[1:]) and whole.previous == samples[0]


def test_a_stray_process_frame_is_damage_even_undecoded(tmp_path: Path) -> None:
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        writer.write_comment(CommentMark(series(1)[0].timestamp, "before"))
    with path.open("ab") as out:
        out.write(framing.frame(framing.T_PROCS, ProcsEncoder().encode((process(7, 1),), reset=True)))
    for processes in (True, False):
        with pytest.raises(StoreError, match="process frame without its sample"):
            read_file(path, processes=processes)
        data = read_file(path, salvage=True, processes=processes)
        assert len(data.entries) == 1 and "process frame without its sample" in data.damage[0]


def test_a_record_given_again_encodes_as_an_equal_copy_would() -> None:
    """The recorder gives an idle process's record object again (recorder/sampler.py); the encoder's short
    path for the very same object writes the bytes an equal copy gets from the general path, in any order,
    through moves, changes, disappearances and resets."""
    a, b, c = process(10, 100), process(11, 200, cmdline=("/bin/b",)), process(12, 300)
    b2 = dataclasses.replace(b, rss_bytes=b.rss_bytes + 4096, state="R")
    frames = [
        ((a, b, c), True),
        ((a, b, c), False),
        ((c, a, b), False),  # moved: references to the previous frame's positions
        ((c, b2), False),  # one changed, one gone
        ((b2, c, a), False),  # one back (written in full again)
        ((b2, c, a), True),  # a reset: nothing carried over
        ((b2, b2), False),  # the same object twice
        ((b2, c), False),
    ]
    same, copies = ProcsEncoder(), ProcsEncoder()
    decoder = ProcsDecoder()
    for top, reset in frames:
        fresh = tuple(dataclasses.replace(p) for p in top)
        payload = same.encode(top, reset=reset)
        assert payload == copies.encode(fresh, reset=reset)
        assert decoder.decode(payload) == top
