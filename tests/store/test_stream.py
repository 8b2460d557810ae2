"""Reading a data file a piece at a time (store/stream.py, issue 17) gives what reading it whole gave: the same
entries, the same truncation and damage lines at the same offsets, for plain and xz files cut anywhere."""

from __future__ import annotations

import dataclasses
import datetime as dt
import lzma
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.store.conftest import HOST, series, with_processes

from hostward.bounded import xz_decompress
from hostward.errors import StoreError
from hostward.store import DataFileWriter, day_path
from hostward.store import stream as stream_module
from hostward.store.model import CommentMark, RestartMark
from hostward.store.reader import scan, stream_day, stream_file
from hostward.store.stream import FrameReader, Scan, chunks

DAY = dt.date(2026, 11, 27)


@pytest.fixture
def day_file(tmp_path: Path) -> Path:
    """A carried sample, samples with top processes, a restart and a comment, keyframes and deltas."""
    samples = with_processes(series(12))
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST, keyframe_every=4) as writer:
        writer.write_sample(samples[0], carried=True)
        for i, sample in enumerate(samples[1:], 1):
            if i == 5:
                writer.write_comment(CommentMark(sample.timestamp - 1, "maintenance"))
            if i == 8:
                writer.write_restart(RestartMark(sample.timestamp - 1, 3.0, HOST))
            writer.write_sample(sample)
    return path


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def whole_and_streamed(data: bytes, size: int, **kwargs: bool) -> tuple[object, object]:
    def outcome(read: object) -> object:
        try:
            return read()  # type: ignore[operator]
        except StoreError as exc:
            return str(exc)

    def streamed() -> object:
        result = Scan(FrameReader(pieces(data, size)), "f", **kwargs)
        entries = tuple(result)
        return (result.header, entries, result.previous, result.valid_size, result.truncated, result.damaged)

    def whole() -> object:
        r = scan(data, "f", **kwargs)
        return (r.header, r.entries, r.previous, r.valid_size, r.truncated, r.damaged)

    return outcome(whole), outcome(streamed)


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 20])
def test_pieces_of_any_size_read_as_the_whole_file(day_file: Path, size: int) -> None:
    data = day_file.read_bytes()
    whole, streamed = whole_and_streamed(data, size)
    assert streamed == whole
    assert isinstance(whole, tuple) and len(whole[1]) == 13  # 11 samples, a comment, a restart


@pytest.mark.parametrize("salvage", [False, True])
def test_a_file_cut_or_damaged_anywhere_reads_as_when_read_whole(day_file: Path, salvage: bool) -> None:
    data = day_file.read_bytes()
    for cut in range(40, len(data), 37):
        whole, streamed = whole_and_streamed(data[:cut], 13, salvage=salvage)
        assert streamed == whole, f"cut at {cut}"
    for at in range(40, len(data), 53):
        damaged = bytearray(data)
        damaged[at] ^= 0x55
        whole, streamed = whole_and_streamed(bytes(damaged), 13, salvage=salvage, processes=False)
        assert streamed == whole, f"byte {at} flipped"
    zero_tail = data + bytes(300)
    assert whole_and_streamed(zero_tail, 100)[1] == whole_and_streamed(zero_tail, 100)[0]


def test_xz_streams_and_padding_read_as_xz_d(
    tmp_path: Path, day_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_module, "CHUNK", 50)  # many pieces, streams ending inside them
    data = day_file.read_bytes()
    half = len(data) // 2
    packed = lzma.compress(data[:half]) + bytes(8) + lzma.compress(data[half:]) + bytes(4)
    path = tmp_path / "two-streams.xz"
    path.write_bytes(packed)
    assert b"".join(chunks(path)) == xz_decompress(packed, 1 << 30, "x", "x") == data
    for bad, why in [(packed[:-40], "truncated"), (packed + b"junk", "corrupt xz")]:
        path.write_bytes(bad)
        with pytest.raises(StoreError, match="corrupt xz compression"):
            b"".join(chunks(path))
        assert why


def test_a_stream_of_a_day_is_the_whole_day(day_file: Path) -> None:
    from hostward.store.reader import read_day

    whole = read_day(day_file.parent, DAY, salvage=True, processes=False)
    recording = stream_day(day_file.parent, DAY, processes=False)
    assert recording.host == whole.host and recording.has_samples
    assert recording.previous == whole.previous  # known before the first entry
    assert tuple(recording) == whole.entries
    assert recording.damage == list(whole.damage) == []


def test_damage_is_said_after_the_entries_before_it(day_file: Path) -> None:
    data = bytearray(day_file.read_bytes())
    data[len(data) * 2 // 3] ^= 0xFF
    day_file.write_bytes(bytes(data))
    recording = stream_file(day_file, processes=False)
    entries = list(recording)
    assert entries and len(entries) < 13
    assert len(recording.damage) == 1 and "corrupt data at offset" in recording.damage[0]


AVERAGING = ("memory", "swap", "huge", "queue", "ktables", "sock", "sock6", "psi_cpu", "psi_io", "psi_mem", "time",
             "cache", "filesystems", "pwr_cpu")  # fmt: skip


@pytest.mark.parametrize(
    "names",
    [("cpu", "paging"), AVERAGING],
    ids=["counters", "averaging-gauges"],
)
def test_memory_of_a_streamed_report_does_not_grow_with_the_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: tuple[str, ...]
) -> None:
    """The same report over a day 8 times longer: the peak of memory allocated while reading and writing it is
    about the same (a whole read grew by every sample's records). Pieces of 4 KiB: with the 1 MiB default, these
    short files would be read in one piece, which is bounded too but grows up to that size; likewise the text of
    the reports waiting for the first's to end is spooled to a file past 256 bytes (64 KiB by default: with
    4 KiB, the spools of the shorter day stayed in memory and those of the longer one rolled over). The
    reports whose Average: is a mean of the displayed samples (-r, -S, -q, -v ...) keep running sums, not the
    samples (they kept every displayed sample before)."""
    from hostward.report import sar_stream

    monkeypatch.setattr(stream_module, "CHUNK", 1 << 12)
    monkeypatch.setattr(sar_stream, "SPOOL_BYTES", 1 << 8)
    monkeypatch.setattr(sar_stream, "_PIECES", 16)
    import tracemalloc

    from tests.store.test_parts import busy

    from hostward.activities import BY_NAME
    from hostward.report.engine import sample_parts
    from hostward.report.formatting import ReportFormat
    from hostward.report.selection import ReportOptions, Selected

    reports = tuple(Selected(BY_NAME[name]) for name in names)
    parts = sample_parts(reports)
    assert parts is not None
    template = busy(4)

    def peak(n: int) -> int:
        path = day_path(tmp_path / str(n), DAY)
        with DataFileWriter.open(path, DAY, HOST) as writer:
            for i, sample in enumerate(series(n)):
                like = template[i % len(template)]  # every part present: caches, filesystems, clocks ...
                fields = {
                    part: getattr(like, part) for part in parts if part not in ("cpu", "vmstat", "load")
                }
                writer.write_sample(dataclasses.replace(sample, top_processes=like.top_processes, **fields))
        options = ReportOptions(reports=reports)
        tracemalloc.start()
        # CPython keeps up to 2,000 freed tuples of each length below 20 for reuse; a tuple built from an
        # iterator is sized by realloc and does not take one, so with every row a traced block takes the place
        # of one allocated before tracing, until the lists hold only traced ones (bounded: under 4 MB in all).
        # Filled with traced tuples first, and counted from there, they do not pass for growth with the day.
        filled = [tuple(range(size)) for size in range(1, 20) for _ in range(2000)]
        del filled
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        try:
            recording = stream_file(path, processes=False, parts=parts)
            lines = 0
            for text in sar_stream.render_stream(recording.host, recording, options, ReportFormat()):
                lines += text.count("\n")
            assert lines > n  # every report printed its rows
            return tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()

    peak(20)  # first use: lazy imports and caches, not the day
    short, long = peak(100), peak(800)
    # Keeping the samples grew by ~6.4 kB a sample here (4.5 MB for the 700 more with the averaging reports); a
    # bounded report moves by allocator pages and CPython's free lists (tens of kB, up to ~1 kB a sample seen
    # in a long test session), so the margin is wide of the noise and far below the growth.
    assert long - short < (800 - 100) * 1024, (short, long)
