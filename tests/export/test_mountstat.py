"""node_filesystem_* with a hung mount: statvfs in a worker with a timeout, the mount marked stuck and served as
device_error 1 until its call returns (node_exporter's stuck-mount handling), and the real path on real mounts."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from tests.record.conftest import wait_for

from hostward.export.mountstat import MountStatter
from hostward.export.node_devices import DeviceCollector, parse_mounts
from hostward.procfs import ProcFS


class HangingStatvfs:
    """os.statvfs, except that ``hung`` blocks until released (a dead NFS server, a wedged FUSE daemon)."""

    def __init__(self, hung: str) -> None:
        self.hung = hung
        self.release = threading.Event()
        self.calls: list[str] = []

    def __call__(self, path: str) -> os.statvfs_result:
        self.calls.append(path)
        if path == self.hung:
            self.release.wait(60)
            return os.statvfs("/")
        return os.statvfs(path)


def test_a_hung_mount_is_marked_stuck_skipped_and_resumes(tmp_path: Path) -> None:
    statvfs = HangingStatvfs("/hung")
    statter = MountStatter(statvfs, timeout=0.3)
    try:
        first = statter.stat_all(["/", "/hung", str(tmp_path)])
        assert isinstance(first["/"], os.statvfs_result)
        assert isinstance(
            first[str(tmp_path)], os.statvfs_result
        )  # the mounts after the hung one are read too
        assert isinstance(first["/hung"], TimeoutError)
        assert statter.stuck == {"/hung"}
        second = statter.stat_all(["/", "/hung"])
        assert isinstance(second["/hung"], TimeoutError)
        assert statvfs.calls.count("/hung") == 1  # not asked again while its first call hangs
    finally:
        statvfs.release.set()
    wait_for(lambda: not statter.stuck, what="the stuck mark cleared when the call returned")
    third = statter.stat_all(["/", "/hung"])
    assert isinstance(third["/hung"], os.statvfs_result)
    assert statvfs.calls.count("/hung") == 2


def test_a_slow_mount_that_answers_is_not_stuck() -> None:
    def slow(path: str) -> os.statvfs_result:
        time.sleep(0.2)
        return os.statvfs(path)

    statter = MountStatter(slow, timeout=2.0)
    results = statter.stat_all(["/"] * 1 + ["/tmp", "/", "/tmp", "/"])  # ~1 s in all, each well inside 2 s
    assert all(isinstance(r, os.statvfs_result) for r in results.values())
    assert statter.stuck == set()


def test_errors_are_device_errors_not_stuck(tmp_path: Path) -> None:
    statter = MountStatter(timeout=5.0)
    results = statter.stat_all([str(tmp_path / "absent")])
    assert isinstance(results[str(tmp_path / "absent")], FileNotFoundError)
    assert statter.stuck == set()


def _mounts_text() -> str:
    return Path("/proc/1/mounts").read_text()


def test_the_scrape_serves_a_hung_mount_as_device_error_on_real_mounts() -> None:
    procfs = ProcFS()
    mounts = parse_mounts(_mounts_text())
    assert mounts, "no mount passed node_exporter's filters"
    hung = mounts[0].mountpoint
    statvfs = HangingStatvfs(hung)
    collector = DeviceCollector(
        procfs.read_optional, procfs.read_sys_optional, statvfs=statvfs, mount_timeout=0.3
    )
    try:
        families = {f.name: f for f in collector.collect()}
    finally:
        statvfs.release.set()
    errors = {s.labels["mountpoint"]: s.value for s in families["node_filesystem_device_error"].samples}
    sizes = {s.labels["mountpoint"]: s.value for s in families["node_filesystem_size_bytes"].samples}
    assert errors[hung] == 1 and hung not in sizes
    for mount in mounts[1:]:
        if mount.mountpoint.startswith("/tmp/"):
            continue  # another test's tmpfs, maybe gone by now
        st = os.statvfs(mount.mountpoint)
        assert errors[mount.mountpoint] == 0
        assert sizes[mount.mountpoint] == st.f_blocks * st.f_bsize  # the real value, through the worker


def test_real_mounts_through_the_worker_match_statvfs() -> None:
    procfs = ProcFS()
    collector = DeviceCollector(procfs.read_optional, procfs.read_sys_optional)
    families = {f.name: f for f in collector.collect()}
    errors = {s.labels["mountpoint"]: s.value for s in families["node_filesystem_device_error"].samples}
    sizes = {s.labels["mountpoint"]: s.value for s in families["node_filesystem_size_bytes"].samples}
    # other tests on this machine mount and unmount tmpfs under /tmp meanwhile: compare the lasting mounts
    mounts = [m for m in parse_mounts(_mounts_text()) if not m.mountpoint.startswith("/tmp/")]
    assert "/" in errors
    for mount in mounts:
        st = os.statvfs(mount.mountpoint)
        assert errors[mount.mountpoint] == 0
        assert sizes[mount.mountpoint] == st.f_blocks * st.f_bsize
