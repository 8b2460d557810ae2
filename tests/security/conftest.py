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
