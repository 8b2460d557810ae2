"""KernelFiles: descriptors kept open, re-read from offset 0."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hostward.errors import CollectError
from hostward.recorder.kernelfiles import KernelFiles


def test_rereads_fresh_content_and_grows_its_buffer(tmp_path: Path) -> None:
    target = tmp_path / "stat"
    target.write_text("cpu 1 2 3 4\n")
    files = KernelFiles(tmp_path)
    try:
        assert files.read("stat") == "cpu 1 2 3 4\n"
        big = "x" * 50_000 + "\n"
        with open(target, "r+") as handle:  # in place, like the kernel regenerating a seq_file
            handle.write(big)
        assert files.read("stat") == big
        assert files.read_optional("pressure/cpu") is None
        with pytest.raises(CollectError, match="pressure/io: not available"):
            files.read("pressure/io")
    finally:
        files.close()


def test_live_proc_files_match_a_fresh_open() -> None:
    files = KernelFiles(Path("/proc"))
    try:
        for name in ("meminfo", "net/dev", "diskstats"):
            first = files.read(name)
            assert (
                first.splitlines()[0].split(":")[0]
                == Path(f"/proc/{name}").read_text().splitlines()[0].split(":")[0]
            )
        before = float(files.read("uptime").split()[0])
        time.sleep(0.05)
        assert float(files.read("uptime").split()[0]) > before  # regenerated at each read, not a cached copy
    finally:
        files.close()
