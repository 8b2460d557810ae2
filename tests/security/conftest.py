"""Helpers for tests that act as an unprivileged user (nobody) beside root."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def public_tmp() -> Iterator[Path]:
    """A fresh 0755 directory directly under /tmp (pytest's own tmp_path is 0700, closed to other users)."""
    directory = Path(tempfile.mkdtemp(prefix="hostward-security-", dir="/tmp"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def xz_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~95 KB of xz holding 640 MiB of zeros: past every input limit of docs/security.md once decompressed."""
    import lzma

    path = tmp_path_factory.mktemp("bomb") / "sa05.xz"
    compressor = lzma.LZMACompressor(format=lzma.FORMAT_XZ, preset=0)
    zeros = bytes(16 << 20)
    with path.open("wb") as handle:
        for _ in range(40):
            handle.write(compressor.compress(zeros))
        handle.write(compressor.flush())
    assert path.stat().st_size < 128 * 1024
    return path
