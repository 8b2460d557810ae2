"""Helpers for the OOM toolkit tests (no tests here): child memory cgroups under our own, always removed."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from tests.conftest import require_root, unavailable

from hostward.oom.guard.cgroup import MemoryCgroup, memory_cgroup_of

# Allocates 1 MiB at a time, touching every page (b"x" * n writes; bytearray(n) would not be resident).
ALLOCATOR = "import sys\nb = []\nwhile True:\n    b.append(b'x' * (1 << 20))\n"
# Holds N MiB resident, says so, then sleeps.
HOLDER = (
    "import sys, time\nb = b'x' * (int(sys.argv[1]) << 20)\nprint('ready', flush=True)\ntime.sleep(120)\n"
)


def make_memcg(limit_bytes: int) -> MemoryCgroup:
    require_root()
    own = memory_cgroup_of("self")
    if own is None:
        unavailable("no memory cgroup controller (v1 memory or v2 with +memory)")
        raise AssertionError("unreachable")
    child = own.child(f"hostward-test-{uuid.uuid4().hex[:10]}")
    child.create()
    try:
        child.set_limit(limit_bytes)
    except BaseException:
        child.destroy()
        raise
    return child


@pytest.fixture
def memcg_64m() -> Iterator[MemoryCgroup]:
    cg = make_memcg(64 << 20)
    try:
        yield cg
    finally:
        cg.destroy()


@pytest.fixture
def memcg_1g() -> Iterator[MemoryCgroup]:
    cg = make_memcg(1 << 30)
    try:
        yield cg
    finally:
        cg.destroy()


def spawn_in(cg: MemoryCgroup, code: str, *args: str, stdout: int | None = None) -> subprocess.Popen[bytes]:
    """Start ``python -c code args`` inside ``cg``: the shell joins the cgroup first, then execs Python, so not a
    single byte is allocated outside the limit."""
    procs = cg.directory / "cgroup.procs"
    script = f'echo $$ > "{procs}" && exec "$0" -c "$1" "${{@:2}}"'
    return subprocess.Popen(["bash", "-c", script, sys.executable, code, *args], stdout=stdout)
