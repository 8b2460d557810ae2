"""The recorder's sampler reads Fibre Channel adapters under its ProcFS's /sys root at every sample (the counters
are /sys files, which its kept-open /proc files do not cover, so they are never taken as unchanged)."""

from __future__ import annotations

import shutil
from pathlib import Path

from hostward.collect.fchost import FcHost
from hostward.procfs import ProcFS
from hostward.recorder.sampler import CachingSampler

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"


def test_every_sample_reads_the_adapters_again(tmp_path: Path) -> None:
    root = tmp_path / "t0"
    shutil.copytree(FIXTURES / "t0", root)
    sampler = CachingSampler(ProcFS(proc=root / "proc", sys=root / "sys"), groups=frozenset({"fchosts"}))
    assert sampler().fchosts == (FcHost("host0", 0x1000, 0x1000, 0x1000, 0x1000),)
    (root / "sys/class/fc_host/host0/statistics/rx_frames").write_text("0x2000\n")
    assert sampler().fchosts == (FcHost("host0", 0x2000, 0x1000, 0x1000, 0x1000),)
    shutil.rmtree(root / "sys/class/fc_host")
    assert sampler().fchosts is None  # the adapter went away: nothing to record
    assert CachingSampler(ProcFS(proc=root / "proc", sys=root / "sys"), groups=frozenset())().fchosts is None
