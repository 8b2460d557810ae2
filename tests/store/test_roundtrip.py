"""Writing entries and reading them back: every value returns exactly, in order."""

from __future__ import annotations

import dataclasses
import datetime as dt
import lzma
import os
from pathlib import Path

import pytest
from tests.store.conftest import HOST, T0, base_sample, series

from hostward.collect.disk import DiskStats
from hostward.store import CommentMark, DataFileWriter, RestartMark, day_path, read_day, read_file
from hostward.store.framing import FORMAT_VERSION, MAGIC

DAY = dt.date(2026, 11, 27)


def test_samples_marks_and_comments_round_trip(tmp_path: Path) -> None:
    samples = series(75)  # more than two keyframe periods
    path = day_path(tmp_path, DAY)
    restart = RestartMark(T0 - 1, samples[0].uptime_seconds - 1, HOST)
    comment = CommentMark(T0 + 5.5, "deployed v2.3 — ünïcode, tabs\tand newlines\n")
    with DataFileWriter.open(path, DAY, HOST) as writer:
        writer.write_restart(restart)
        for i, sample in enumerate(samples):
            writer.write_sample(sample)
            if i == 0:
                writer.write_comment(comment)
    data = read_file(path)
    assert data.host == HOST
    assert data.previous is None
    assert data.entries == (restart, samples[0], comment, *samples[1:])
    assert path.read_bytes().startswith(MAGIC + FORMAT_VERSION.to_bytes(2, "little"))


def test_carried_sample_becomes_previous_not_an_entry(tmp_path: Path) -> None:
    old, *new = series(4)
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        writer.write_sample(old, carried=True)
        for sample in new:
            writer.write_sample(sample)
    data = read_day(tmp_path, DAY)
    assert data.previous == old
    assert data.entries == tuple(new)


def test_shape_changes_mid_file(tmp_path: Path) -> None:
    """A disk hot-plugged, a CPU going offline, PSI disappearing: each change gets its own shape frame."""
    samples = series(6)
    extra = DiskStats(8, 0, "sdz", *range(1, 16))
    samples[2] = dataclasses.replace(samples[2], disks=(*samples[2].disks, extra))
    cpu = samples[3].cpu
    samples[3] = dataclasses.replace(samples[3], cpu=dataclasses.replace(cpu, per_cpu=(cpu.per_cpu[0], None)))
    samples[4] = dataclasses.replace(samples[4], pressure=None, nets=())
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    assert read_file(path).entries == tuple(samples)


def test_old_kernel_sample_round_trips(tmp_path: Path) -> None:
    samples = series(3, tree="old-kernel")
    assert samples[0].cpu.per_cpu[1] is None and samples[0].pressure is None
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    read = read_file(path).entries
    assert read == tuple(samples)
    assert read[0].memory.missing == samples[0].memory.missing  # type: ignore[union-attr]


def test_values_beyond_64_bits_and_odd_floats_round_trip(tmp_path: Path) -> None:
    """Counters are u64 in the kernel; a delta between two can need 65 bits. Hand-built floats with more than
    two decimals (or inf/nan) must not be rounded away either."""
    a, b, c = series(3)
    big = dataclasses.replace(a, cpu=dataclasses.replace(a.cpu, context_switches=2**64 - 1))
    small = dataclasses.replace(b, cpu=dataclasses.replace(b.cpu, context_switches=0))
    odd = dataclasses.replace(
        c, uptime_seconds=c.uptime_seconds + 1 / 3, load=dataclasses.replace(c.load, load5=float("inf"))
    )
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in (big, small, odd, big):
            writer.write_sample(sample)
    assert read_file(path).entries == (big, small, odd, big)


def test_reopen_appends_with_a_fresh_keyframe(tmp_path: Path) -> None:
    samples = series(10)
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples[:5]:
            writer.write_sample(sample)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        writer.write_restart(RestartMark(T0 + 100, 5.0, HOST))
        for sample in samples[5:]:
            writer.write_sample(sample)
    entries = read_file(path).entries
    assert entries[:5] == tuple(samples[:5]) and entries[6:] == tuple(samples[5:])
    assert isinstance(entries[5], RestartMark)


def test_two_writers_interleave_safely(tmp_path: Path) -> None:
    """`hostward record --comment` beside a running recorder: both append to the same file."""
    samples = series(4)
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as daemon:
        daemon.write_sample(samples[0])
        daemon.write_sample(samples[1])
        with DataFileWriter.open(path, DAY, HOST) as other:
            other.write_comment(CommentMark(T0 + 15, "from another process"))
        daemon.write_sample(samples[2])
        daemon.write_sample(samples[3])
    entries = read_file(path).entries
    assert entries == (
        samples[0],
        samples[1],
        CommentMark(T0 + 15, "from another process"),
        samples[2],
        samples[3],
    )


def test_compressed_file_reads_transparently(tmp_path: Path) -> None:
    samples = series(20)
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    expected = read_file(path)
    xz = path.with_name(path.name + ".xz")
    xz.write_bytes(lzma.compress(path.read_bytes()))
    os.unlink(path)
    assert read_file(xz) == expected
    assert read_day(tmp_path, DAY) == expected


def test_file_is_created_with_its_header_atomically(tmp_path: Path) -> None:
    """No reader ever sees an empty or header-less file, and no temporary file is left behind."""
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST):
        data = read_file(path)
    assert data.entries == () and data.host == HOST
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_bytes_per_sample_stay_well_below_sadc(tmp_path: Path) -> None:
    """The format's size budget: sadc writes ~1,700 bytes per sample for its default set."""
    samples = series(120)
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        before = path.stat().st_size
        for sample in samples:
            writer.write_sample(sample)
    per_sample = (path.stat().st_size - before) / len(samples)
    assert per_sample < 1000, per_sample


def test_base_sample_fixture_is_realistic() -> None:
    sample = base_sample()
    assert len(sample.disks) == 10 and sample.pressure is not None


@pytest.mark.parametrize("step", [1.0, 600.0])
def test_series_of_any_interval_round_trip(tmp_path: Path, step: float) -> None:
    samples = series(40, step=step)
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    assert read_file(path).entries == tuple(samples)
