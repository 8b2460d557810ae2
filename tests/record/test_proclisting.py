"""ProcListing: /proc's processes listed from a position past its fixed entries, only where that is checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import require_binary, require_root

from hostward.procfs import ProcFS
from hostward.recorder import proclisting
from hostward.recorder.proclisting import ProcListing


def _positioned(listing: ProcListing) -> bool:
    return listing.from_position


def _same_as_whole(listing: ProcListing) -> bool:
    """One of a few listings equals a whole listing taken right after (processes start and exit meanwhile)."""
    return any(listing.pids() == ProcFS().pids() for _ in range(5))


def test_the_live_proc_is_listed_from_the_first_process_position() -> None:
    listing = ProcListing(ProcFS())
    try:
        first = listing.pids()
        assert _positioned(listing)
        assert os.getpid() in first and 1 in first and first == sorted(first)
        assert _same_as_whole(listing)
        assert _positioned(listing)  # still: every name read from the position was a pid
    finally:
        listing.close()
    assert not _positioned(listing)


@pytest.mark.parametrize("position", [0, proclisting.FIRST_PROCESS_POSITION + 2])
def test_a_position_that_is_not_the_first_process_fails_the_check(
    monkeypatch: pytest.MonkeyPatch, position: int
) -> None:
    """From 0 the fixed entries come too; from two past the right position pid 1 is left out: either way the
    check against a whole listing refuses the position, and the whole directory is listed."""
    monkeypatch.setattr(proclisting, "FIRST_PROCESS_POSITION", position)
    listing = ProcListing(ProcFS())
    try:
        assert 1 in listing.pids()
        assert not _positioned(listing)
        assert _same_as_whole(listing)
    finally:
        listing.close()


@pytest.mark.parametrize("stranger", ["cpuinfo", "²"])
def test_a_name_that_is_not_a_pid_stops_listing_from_the_position(
    monkeypatch: pytest.MonkeyPatch, stranger: str
) -> None:
    listing = ProcListing(ProcFS())
    try:
        listing.pids()
        assert _positioned(listing)
        real_listdir = os.listdir

        def listdir(where: int | str) -> list[str]:  # its listings (of a descriptor) get a stranger
            return [*real_listdir(where), stranger] if isinstance(where, int) else real_listdir(where)

        monkeypatch.setattr(os, "listdir", listdir)
        assert 1 in listing.pids()  # the whole directory, as ProcFS lists it
        assert not _positioned(listing)  # and from now on
        assert _same_as_whole(listing)
    finally:
        listing.close()


def test_a_tree_that_is_not_the_live_proc_is_listed_whole(tmp_path: Path) -> None:
    for name in ("12", "3", "self", "cpuinfo"):
        (tmp_path / name).mkdir()
    listing = ProcListing(ProcFS(proc=tmp_path))
    assert listing.pids() == [3, 12]
    assert not _positioned(listing)


_REMOUNT = """
import subprocess, sys
from hostward.procfs import ProcFS
from hostward.recorder.proclisting import ProcListing

listing = ProcListing(ProcFS())
assert len(listing.pids()) > 1 and listing.from_position  # the first mount: the host's processes
subprocess.run([sys.argv[1], "-t", "proc", "proc", "/proc"], check=True)  # this pid namespace's own /proc
for _ in range(5):
    if listing.pids() == ProcFS().pids():
        break
else:
    raise SystemExit(f"listed {listing.pids()}, /proc has {ProcFS().pids()}")
print(listing.from_position, listing.pids())
"""


def _in_new_pid_namespace(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs SCRIPT (given mount's path as argv[1], then ARGS) as pid 1 of a new pid namespace in a private mount
    namespace."""
    require_root()
    tools = require_binary("unshare", "mount")
    src = str(Path(proclisting.__file__).parents[2])
    command = [tools["unshare"], "-m", "-p", "-f", "--propagation", "private", sys.executable, "-c"]
    done = subprocess.run(
        [*command, script, tools["mount"], *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": src},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_a_proc_mounted_anew_is_listed_from_the_new_mount() -> None:
    """The descriptor kept open lists the mount it was opened on: a /proc mounted over it for a new pid
    namespace (in a private mount namespace here) has that namespace's processes only, and those are listed,
    from the new mount's first process position once it is checked."""
    done = _in_new_pid_namespace(_REMOUNT)
    assert done.stdout.split(" ", 1)[0] == "True"  # from the new mount's position
    assert len(done.stdout.split(",")) < 10  # the namespace's few processes, not the host's


_REMOUNT_SAMPLER = """
import subprocess, sys
from hostward.collect.procs import read_process
from hostward.procfs import ProcFS
from hostward.recorder import proclisting
from hostward.recorder.sampler import CachingSampler

proclisting.FIRST_PROCESS_POSITION = int(sys.argv[2])  # 0 fails the position's check: whole listings
sampler = CachingSampler(ProcFS(), top_processes=1)
forks = int(sys.argv[3])  # the same count at both samples: the listing is served again unless the mount moved
sampler._listing(forks)
assert sampler._proc_listing.from_position == (sys.argv[2] != "0")
host_init = sampler._read_process(1)  # the host's pid 1, read through descriptors kept
subprocess.run([sys.argv[1], "-t", "proc", "proc", "/proc"], check=True)  # pid 1 is this process now
sampler._listing(forks)
again, own = sampler._read_process(1), read_process(ProcFS(), 1)
print(host_init.start_ticks != own.start_ticks, again.cmdline == own.cmdline, again.start_ticks == own.start_ticks)
"""


@pytest.mark.parametrize("forks", [0, 7])
@pytest.mark.parametrize("position", [proclisting.FIRST_PROCESS_POSITION, 0])
def test_a_proc_mounted_anew_drops_the_descriptors_kept_of_the_old_mount(position: int, forks: int) -> None:
    """Pid 1 of the old mount (the host's) and of the new one (this namespace's, the test's Python) are two
    processes: once the listing sees the new mount, pid 1 is read afresh, not through the old descriptors.
    Whether /proc is listed from the position or whole (position 0 fails its check), and when the
    fork count did not move (7 at both samples: the last listing would be served again but for the mount)."""
    done = _in_new_pid_namespace(_REMOUNT_SAMPLER, str(position), str(forks))
    assert done.stdout.split() == ["True", "True", "True"]


_REMOUNT_AT_EACH_CALL = """
import os, subprocess, sys
from hostward.procfs import ProcFS
from hostward.recorder import proclisting
from hostward.recorder.proclisting import ProcListing

proclisting.FIRST_PROCESS_POSITION = int(sys.argv[2])  # 0 fails the position's check: whole listings
CALLS = ("stat", "open", "fstat", "lseek", "listdir", "close")
real = {name: getattr(os, name) for name in CALLS}
armed = [0]  # the call (counted from 1) /proc is mounted anew before; 0: none


def remount() -> None:
    armed[0] = 0
    subprocess.run([sys.argv[1], "-t", "proc", "proc", "/proc"], check=True)


def seam(name):
    def call(*args, **kwargs):
        if armed[0] == 1:
            remount()
        elif armed[0]:
            armed[0] -= 1
        return real[name](*args, **kwargs)
    return call


for name in CALLS:
    setattr(os, name, seam(name))
for at in range(1, 100):
    listing = ProcListing(ProcFS())
    host = listing.pids()
    assert len(host) > 10, host
    armed[0] = at
    listed = listing.pids()
    if armed[0]:  # past the listing's last call: every seam was tried
        listing.close()
        print("calls", at - 1)
        break
    own = ProcFS().pids()
    assert len(own) < 10, own
    # the listing is of the mount it counts: the old one's processes, or the new one's with the mount counted
    assert len(listed) > 10 if listing.mounts == 0 else listing.mounts == 1 and listed == own, (at, listed)
    assert listing.pids() == own and listing.mounts == 1  # the next listing sees the new mount at the latest
    listing.close()
    subprocess.run([sys.argv[1].replace("mount", "umount"), "/proc"], check=True)  # the host's /proc again
"""


@pytest.mark.parametrize("position", [proclisting.FIRST_PROCESS_POSITION, 0])
def test_a_remount_between_any_two_calls_of_a_listing_is_counted_with_the_mount_listed(position: int) -> None:
    """/proc mounted anew before each system call of a listing in turn (the stat of /proc, the open of its
    descriptor, its fstat ...): the pids listed are always of the mount the listing counts (the host's, or the
    new pid namespace's with ``mounts`` moved), never the new mount's pids while the old mount's descriptors
    are kept; from the position or whole (position 0 fails its check)."""
    done = _in_new_pid_namespace(_REMOUNT_AT_EACH_CALL, str(position))
    assert done.stdout.startswith("calls ") and int(done.stdout.split()[1]) >= 2, done.stdout
