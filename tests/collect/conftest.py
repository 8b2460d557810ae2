from __future__ import annotations

from pathlib import Path

import pytest

from hostward.procfs import ProcFS

PROC_TREES = Path(__file__).parent.parent / "fixtures" / "proc"


def tree(name: str) -> ProcFS:
    return ProcFS(proc=PROC_TREES / name / "proc", sys=PROC_TREES / name / "sys")


@pytest.fixture
def debian_vm() -> ProcFS:
    """Snapshot of a Debian 12 / kernel 6.18 VM (2 CPUs, virtio disk, loop and zram devices, PSI)."""
    return tree("debian12-vm")


@pytest.fixture
def old_kernel() -> ProcFS:
    """Hand-written tree of an old kernel: 8 CPU columns, an offline CPU, 11-counter diskstats, per-zone
    vmstat reclaim counters, no MemAvailable, no PSI, a half-duplex 1 Gb/s NIC."""
    return tree("old-kernel")
