"""Unbounded input (/dev/zero, an endless pipe, an xz bomb) is refused after the documented limit per kind of
input, in one line, with memory bounded (docs/security.md, "Bounded input")."""

from __future__ import annotations

import datetime as dt
import io
import lzma
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import pytest

from hostward.bounded import (
    DATA_FILE_LIMIT,
    IMPORT_LIMIT,
    KERNEL_LOG_LIMIT,
    describe,
    read_at_most,
    xz_decompress,
)
from hostward.errors import InputTooLarge
from hostward.oom.kernlog.kernlog import iter_raw_lines
from hostward.oom.kernlog.sources import file_lines

# Far above what the limits need (the largest is read once, ~2x while decompressing), far below "everything".
ADDRESS_SPACE_BYTES = 4 << 30


def test_read_at_most_stops_at_the_limit_on_dev_zero() -> None:
    with pytest.raises(InputTooLarge, match=r"^/dev/zero: more than 1 MiB, the limit for a test; refused$"):
        read_at_most(Path("/dev/zero"), 1 << 20, "a test")


def test_read_at_most_returns_a_file_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "exact"
    path.write_bytes(b"x" * 4096)
    assert read_at_most(path, 4096, "a test") == b"x" * 4096


def test_xz_decompress_refuses_a_bomb_past_the_limit() -> None:
    bomb = lzma.compress(bytes(8 << 20), format=lzma.FORMAT_XZ)
    assert len(bomb) < 4096
    with pytest.raises(InputTooLarge, match=r"bomb: more than 1 MiB, the limit for a test \(decompressed\)"):
        xz_decompress(bomb, 1 << 20, "bomb", "a test")


def test_xz_decompress_counts_every_concatenated_stream() -> None:
    part = lzma.compress(bytes(600 << 10), format=lzma.FORMAT_XZ)
    assert xz_decompress(part + part, 2 << 20, "two", "a test") == bytes(1200 << 10)
    with pytest.raises(InputTooLarge):
        xz_decompress(part + part, 1 << 20, "two", "a test")


def test_xz_decompress_reports_truncation() -> None:
    whole = lzma.compress(b"hostward" * 1000, format=lzma.FORMAT_XZ)
    with pytest.raises(lzma.LZMAError, match="truncated"):
        xz_decompress(whole[:-8], 1 << 20, "cut", "a test")


def test_kernel_log_lines_stop_at_the_limit_on_an_endless_stream() -> None:
    with open("/dev/zero", "rb") as zero, pytest.raises(InputTooLarge, match="zero: more than 1 MiB"):
        for _ in iter_raw_lines(zero, limit=1 << 20, name="zero"):
            pass
    lines = io.BytesIO(b"kernel: line\n" * 200_000)
    with pytest.raises(InputTooLarge):
        for _ in iter_raw_lines(lines, limit=1 << 20, name="many"):
            pass


def test_gzip_bomb_counts_decompressed_bytes(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "kern.log.2.gz"
    path.write_bytes(gzip.compress(b"Dec  5 kernel: x\n" * (1 << 17)))  # 2.1 MiB of text in a few KB
    assert path.stat().st_size < 64 * 1024
    with pytest.raises(InputTooLarge, match=r"kern.log.2.gz: more than 1 MiB, the limit for a kernel log"):
        list(file_lines(str(path), limit=1 << 20))


def _hostward(
    args: list[str], data_dir: Path, stdin: BinaryIO | None = None
) -> subprocess.CompletedProcess[str]:
    def bounded_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))

    env = {**os.environ, "HOSTWARD_CONFIG": os.devnull, "HOSTWARD_RECORD_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "hostward", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        preexec_fn=bounded_memory,
        stdin=stdin,
    )


def _assert_refused(proc: subprocess.CompletedProcess[str], limit: int, data_dir: Path) -> None:
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"more than {describe(limit)}," in proc.stderr and proc.stderr.rstrip().endswith("refused")
    written = (
        [p for p in data_dir.rglob("*") if p.name != ".hostward-record.lock"] if data_dir.exists() else []
    )
    assert written == [], "nothing may be written"


@pytest.mark.parametrize(
    ("args", "limit"),
    [
        (["sar", "-u", "-f", "/dev/zero"], DATA_FILE_LIMIT),
        (["import", "/dev/zero"], IMPORT_LIMIT),
        (["oom", "report", "/dev/zero"], KERNEL_LOG_LIMIT),
    ],
    ids=["sar-f", "import", "oom-report"],
)
def test_dev_zero_is_refused(tmp_path: Path, args: list[str], limit: int) -> None:
    data_dir = tmp_path / "data"
    _assert_refused(_hostward(args, data_dir), limit, data_dir)


def test_endless_stdin_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with open("/dev/zero", "rb") as zero:
        proc = _hostward(["oom", "report", "-"], data_dir, stdin=zero)
    _assert_refused(proc, KERNEL_LOG_LIMIT, data_dir)


def test_endless_pipe_to_import_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "sa05"
    os.mkfifo(fifo)
    data_dir = tmp_path / "data"
    feeder = subprocess.Popen(["sh", "-c", f"exec yes 'Linux 6.1 (host) 12/05/26' > {fifo}"])
    try:
        proc = _hostward(["import", str(fifo)], data_dir)
    finally:
        feeder.kill()
        feeder.wait(10)
    _assert_refused(proc, IMPORT_LIMIT, data_dir)


def test_xz_bomb_is_refused(tmp_path: Path, xz_bomb: Path) -> None:
    data_dir = tmp_path / "data"
    _assert_refused(_hostward(["import", str(xz_bomb)], data_dir), IMPORT_LIMIT, data_dir)


@pytest.fixture(scope="module")
def data_file_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~95 KB of xz holding a hostward day file (prefix, header, samples) and then 640 MiB of zeros: the reader
    decompresses a piece at a time (issue 17), so a bomb of zeros alone is refused at once as no data file;
    this one reads as a data file until the bound refuses it."""
    from tests.store.conftest import HOST, series

    from hostward.store import DataFileWriter, day_path

    day = dt.date(2026, 11, 27)
    path = day_path(tmp_path_factory.mktemp("day"), day)
    with DataFileWriter.open(path, day, HOST) as writer:
        for sample in series(3):
            writer.write_sample(sample)
    bomb = path.with_name(path.name + ".xz")
    compressor = lzma.LZMACompressor(format=lzma.FORMAT_XZ, preset=0)
    zeros = bytes(16 << 20)
    with bomb.open("wb") as handle:
        handle.write(compressor.compress(path.read_bytes()))
        for _ in range(40):
            handle.write(compressor.compress(zeros))
        handle.write(compressor.flush())
    path.unlink()
    return bomb


def test_xz_bomb_holding_a_data_file_is_refused_by_sar(tmp_path: Path, data_file_bomb: Path) -> None:
    data_dir = tmp_path / "data"
    _assert_refused(_hostward(["sar", "-u", "-f", str(data_file_bomb)], data_dir), DATA_FILE_LIMIT, data_dir)


def test_xz_bomb_of_zeros_is_refused_by_sar_as_no_data_file(tmp_path: Path, xz_bomb: Path) -> None:
    proc = _hostward(["sar", "-u", "-f", str(xz_bomb)], tmp_path / "data")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "not a hostward data file at offset 0" in proc.stderr
    assert proc.stdout == ""


def test_dev_zero_as_the_configuration_is_refused(tmp_path: Path) -> None:
    from hostward.bounded import CONFIG_LIMIT

    env = {**os.environ, "HOSTWARD_CONFIG": "/dev/zero"}
    proc = subprocess.run(
        [sys.executable, "-m", "hostward", "sar", "-u"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES)),
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"/dev/zero: more than {describe(CONFIG_LIMIT)}, the limit for a configuration file" in proc.stderr
