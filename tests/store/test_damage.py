"""Damaged, truncated and foreign files: one StoreError naming the file and the offset, or the valid prefix
of an interrupted write; never another exception, and the file is never modified by reading."""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.store.conftest import HOST, T0, series, with_processes

from hostward.errors import StoreError
from hostward.store import CommentMark, DataFileWriter, RestartMark, day_path, read_file
from hostward.store.framing import PREFIX_SIZE
from hostward.store.reader import scan

DAY = dt.date(2026, 11, 27)


@functools.cache
def reference_file() -> tuple[bytes, tuple[object, ...], list[int]]:
    """A small but complete file (restart, comment, keyframes and deltas, top processes) and its write ends."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = day_path(Path(tmp), DAY)
        ends = []
        with DataFileWriter.open(path, DAY, HOST, keyframe_every=4) as writer:
            ends.append(path.stat().st_size)
            writer.write_restart(RestartMark(T0, 100.0, HOST))
            ends.append(path.stat().st_size)
            for i, sample in enumerate(with_processes(series(6))):
                writer.write_sample(sample)
                ends.append(path.stat().st_size)
                if i == 2:
                    writer.write_comment(CommentMark(T0 + 25, "half way"))
                    ends.append(path.stat().st_size)
        data = path.read_bytes()
        return data, read_file(path).entries, ends


def _prefix_ok(entries: tuple[object, ...]) -> None:
    _, full, _ = reference_file()
    assert entries == full[: len(entries)]


def test_every_truncation_is_a_prefix_or_a_store_error() -> None:
    data, _full, ends = reference_file()
    for cut in range(len(data)):
        try:
            result = scan(data[:cut], "cut")
        except StoreError as exc:
            assert cut < ends[0], f"cut at {cut} is past the header: {exc}"
            assert "cut" in str(exc) and "offset" in str(exc)
            continue
        _prefix_ok(result.entries)
        if cut in ends:
            assert result.truncated is None, cut
        else:
            assert result.truncated is not None or cut in _frame_ends(data), cut
        # nothing complete is lost: every write that ended before the cut is read back
        assert len(result.entries) == sum(1 for e in ends[1:] if e <= cut)


def _frame_ends(data: bytes) -> set[int]:
    from hostward.store.framing import next_frame

    offset, found = PREFIX_SIZE, set()
    while offset < len(data):
        offset = next_frame(data, offset)[2]
        found.add(offset)
    return found


def test_truncation_keeps_every_complete_frame() -> None:
    data, full, ends = reference_file()
    for k, end in enumerate(ends):
        entries = scan(data[:end], "x").entries
        assert len(entries) == k  # one entry per frame after the header here
        entries_torn = scan(data[: end + 3], "x").entries if end + 3 < len(data) else entries
        assert entries_torn == entries
    assert scan(data, "x").entries == full


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_bit_flips_give_a_store_error_or_a_valid_prefix(position: int, bit: int) -> None:
    data, _, _ = reference_file()
    damaged = bytearray(data)
    damaged[position % len(data)] ^= 1 << bit
    try:
        result = scan(bytes(damaged), "flipped")
    except StoreError as exc:
        assert "flipped" in str(exc)
        assert "offset" in str(exc) or "not a hostward data file" in str(exc) or "version" in str(exc)
        return
    _prefix_ok(result.entries)


@settings(max_examples=300)
@given(blob=st.binary(max_size=600), keep_prefix=st.booleans())
def test_random_bytes_never_raise_anything_else(blob: bytes, keep_prefix: bool) -> None:
    data, _, _ = reference_file()
    attempt = data[: PREFIX_SIZE + 40] + blob if keep_prefix else blob
    try:
        result = scan(attempt, "random")
    except StoreError:
        return
    _prefix_ok(result.entries)


@settings(max_examples=200)
@given(cut=st.integers(min_value=0), junk=st.binary(min_size=1, max_size=64))
def test_garbage_appended_after_a_cut(cut: int, junk: bytes) -> None:
    data, _, _ = reference_file()
    try:
        result = scan(data[: cut % len(data)] + junk, "junk")
    except StoreError:
        return
    _prefix_ok(result.entries)


def test_corrupt_middle_names_file_and_offset(tmp_path: Path) -> None:
    data, _, ends = reference_file()
    damaged = bytearray(data)
    damaged[ends[3] + 7] ^= 0x40  # inside the second sample frame's payload
    path = tmp_path / "hw20261127"
    path.write_bytes(bytes(damaged))
    with pytest.raises(StoreError, match=rf"{path}: corrupt data at offset {ends[3]}: checksum mismatch"):
        read_file(path)
    assert path.read_bytes() == bytes(damaged)  # reading never repairs


def test_salvage_returns_what_precedes_the_damage_and_says_where(tmp_path: Path) -> None:
    data, full, ends = reference_file()
    damaged = bytearray(data)
    damaged[ends[3] + 7] ^= 0x40  # inside the second sample frame's payload
    path = tmp_path / "hw20261127"
    path.write_bytes(bytes(damaged))
    salvaged = read_file(path, salvage=True)
    # the restart mark and the two samples written before the damaged frame (ends[1..3]); nothing after it
    assert salvaged.entries == full[:3]
    assert salvaged.damage == (f"{path}: corrupt data at offset {ends[3]}: checksum mismatch",)
    assert path.read_bytes() == bytes(damaged)  # reading never repairs


def test_damaged_length_field_is_not_mistaken_for_a_torn_tail(tmp_path: Path) -> None:
    data, _, ends = reference_file()
    damaged = bytearray(data)
    damaged[ends[2] + 2] = 0x01  # length of the third frame now reaches far past the end of the file
    path = tmp_path / "hw20261127"
    path.write_bytes(bytes(damaged))
    with pytest.raises(StoreError, match=rf"offset {ends[2]}\b"):
        read_file(path)


def test_torn_tail_is_tolerated_by_default_and_refused_in_strict_mode(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, full, ends = reference_file()
    path = tmp_path / "hw20261127"
    path.write_bytes(data[: ends[-1] - 5])
    assert read_file(path).entries == full[:-1]
    assert f"incomplete last sample at offset {ends[-2]}" in caplog.text
    with pytest.raises(StoreError, match=rf"incomplete last (frame|sample) at offset {ends[-2]}\b"):
        read_file(path, strict=True)


def test_zero_filled_tail_after_a_crash_is_tolerated(tmp_path: Path) -> None:
    data, full, _ = reference_file()
    path = tmp_path / "hw20261127"
    path.write_bytes(data + bytes(4096))
    assert read_file(path).entries == full


def test_writer_cuts_a_torn_tail_and_appends_after_it(tmp_path: Path) -> None:
    data, full, ends = reference_file()
    path = day_path(tmp_path, DAY)
    path.write_bytes(data[: ends[-1] - 5])
    extra = series(8)[7]
    with DataFileWriter.open(path, DAY, HOST) as writer:
        assert path.stat().st_size == ends[-2]
        writer.write_sample(extra)
    assert read_file(path, strict=True).entries == (*full[:-1], extra)


def test_writer_moves_a_damaged_file_aside_and_keeps_it(tmp_path: Path) -> None:
    data, _, ends = reference_file()
    damaged = bytearray(data)
    damaged[ends[3] + 7] ^= 0x40
    path = day_path(tmp_path, DAY)
    path.write_bytes(bytes(damaged))
    with DataFileWriter.open(path, DAY, HOST) as writer:
        writer.write_comment(CommentMark(T0, "fresh"))
    kept = path.with_name(path.name + ".damaged-1")
    assert kept.read_bytes() == bytes(damaged)
    assert read_file(path).entries == (CommentMark(T0, "fresh"),)


def test_foreign_files(tmp_path: Path) -> None:
    sa = tmp_path / "sa27"
    sa.write_bytes(b"\x96\xd5\x71\x23" + bytes(200))  # sysstat's FILE_MAGIC, little-endian
    with pytest.raises(
        StoreError, match=r"sa27: not a hostward data file at offset 0 \(it looks like a sysstat sa file\)"
    ):
        read_file(sa)
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    with pytest.raises(StoreError, match=r"notes\.txt: not a hostward data file") as foreign:
        read_file(text)
    assert str(foreign.value).endswith(
        "(sa files, sar text, sadf -d CSV) is brought in with 'hostward import FILE'"
    )
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    with pytest.raises(StoreError, match="empty: not a hostward data file"):
        read_file(empty)
    xz = tmp_path / "bad.xz"
    xz.write_bytes(b"\xfd7zXZ\x00" + os.urandom(50))
    with pytest.raises(StoreError, match=r"bad\.xz: corrupt xz"):
        read_file(xz)


def test_newer_format_version_is_refused_with_advice(tmp_path: Path) -> None:
    data, _, _ = reference_file()
    path = tmp_path / "future"
    path.write_bytes(data[:8] + (99).to_bytes(2, "little") + data[10:])
    with pytest.raises(StoreError, match=r"version 99 at offset 8 is not supported.*upgrade hostward"):
        read_file(path)


def test_unknown_optional_frame_is_skipped_and_unknown_mandatory_frame_refused(tmp_path: Path) -> None:
    from hostward.store.framing import frame

    data, full, _ = reference_file()
    path = tmp_path / "hw"
    path.write_bytes(data + frame(0x80 | 9, b"from the future"))
    assert read_file(path).entries == full
    path.write_bytes(data + frame(42, b"from the future"))
    with pytest.raises(StoreError, match=f"offset {len(data)}: unknown frame type 42"):
        read_file(path)


def test_a_day_file_moved_aside_as_damaged_is_still_reported_up_to_the_damage(tmp_path: Path) -> None:
    from hostward.store.reader import read_day

    data, full, ends = reference_file()
    damaged = bytearray(data)
    damaged[ends[3] + 7] ^= 0x40
    path = day_path(tmp_path, DAY)
    path.write_bytes(bytes(damaged))
    later = T0 + 3600
    with DataFileWriter.open(path, DAY, HOST) as writer:  # the restart moves it aside as .damaged-1
        writer.write_comment(CommentMark(later, "after the restart"))
    day = read_day(tmp_path, DAY, salvage=True)
    # the damaged file's entries before the damage first (they are older), then the new file's
    assert day.entries == (*full[:3], CommentMark(later, "after the restart"))
    (note,) = day.damage
    assert note.startswith(f"{path}.damaged-1: corrupt data at offset {ends[3]}: checksum mismatch")
    assert "moved aside as damaged; its 3 entries before the damage are reported" in note
