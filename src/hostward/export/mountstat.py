"""statvfs on every mount without letting a hung one (dead NFS server, wedged FUSE daemon) stall the scrape.

node_exporter's way (filesystem_linux.go, ``--collector.filesystem.mount-timeout``, 5 s): a mount whose statfs
has not returned within the timeout is marked stuck; until that call returns, the mount is not asked again and
is published as ``node_filesystem_device_error 1``; when it returns, the mark is cleared and the next scrape
reads it normally. node_exporter's scrape still waits for that first hung call; here the calls run in a worker
thread, so a scrape waits at most the timeout per newly hung mount and never again for the same one.

The worker is reused from scrape to scrape (one hand-off per scrape, no thread per mount). A worker caught in a
hung call is abandoned (it is a daemon thread blocked in the kernel) and a fresh one takes the remaining mounts.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence

log = logging.getLogger("hostward.export")
StatVfs = Callable[[str], os.statvfs_result]
MOUNT_TIMEOUT_SECONDS = 5.0  # node_exporter's --collector.filesystem.mount-timeout default
StatResult = os.statvfs_result | OSError


class _Job:
    __slots__ = ("done", "paths", "progress", "results")

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = paths
        self.results: dict[str, StatResult] = {}
        self.progress = 0  # paths finished, read under the owner's lock
        self.done = threading.Event()


class _Worker:
    def __init__(self, owner: MountStatter) -> None:
        self.owner = owner
        self.jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.current: str | None = None  # the path in statvfs now, under the owner's lock
        self.abandoned = False
        threading.Thread(target=self._run, name="statvfs", daemon=True).start()

    def is_abandoned(self) -> bool:  # a method: the flag changes under mypy's feet (another thread sets it)
        return self.abandoned

    def _run(self) -> None:
        owner = self.owner
        while True:
            job = self.jobs.get()
            for path in job.paths:
                with owner.lock:
                    if self.is_abandoned():
                        return
                    self.current = path
                try:
                    result: StatResult = owner.statvfs(path)
                except OSError as exc:
                    result = exc
                with owner.lock:
                    self.current = None
                    if path in owner.stuck:
                        owner.stuck.discard(path)
                        log.warning("mount point %s answers again; its statistics resume", path)
                    if self.is_abandoned():
                        return  # the scrape that waited for this has moved on
                    job.results[path] = result
                    job.progress += 1
            job.done.set()


class MountStatter:
    """``stat_all(paths)``: each path's statvfs result or OSError, within ``timeout`` seconds per hung mount."""

    def __init__(self, statvfs: StatVfs = os.statvfs, timeout: float = MOUNT_TIMEOUT_SECONDS) -> None:
        self.statvfs = statvfs
        self.timeout = timeout
        self.lock = threading.Lock()
        self.stuck: set[str] = set()
        self._worker: _Worker | None = None
        self._turn = threading.Lock()  # concurrent scrapes take turns (one worker)

    def stat_all(self, paths: Sequence[str]) -> dict[str, StatResult]:
        results: dict[str, StatResult] = {}
        with self._turn:
            with self.lock:
                pending = [p for p in paths if p not in self.stuck]
            while pending:
                pending = self._run_job(pending, results)
        for path in paths:
            if path not in results:
                results[path] = TimeoutError(f"statvfs({path}) has not returned: mount marked stuck")
        return results

    def _run_job(self, paths: list[str], results: dict[str, StatResult]) -> list[str]:
        """Run ``paths`` on the worker; return the ones still to do after a mount hung (empty when all ran)."""
        if self._worker is None:
            self._worker = _Worker(self)
        worker = self._worker
        job = _Job(paths)
        worker.jobs.put(job)
        seen = 0
        while not job.done.wait(self.timeout):
            with self.lock:
                if job.done.is_set():
                    break
                if job.progress > seen or worker.current is None:
                    seen = job.progress  # slow but moving: wait on
                    continue
                hung = worker.current
                self.stuck.add(hung)
                worker.abandoned = True
                self._worker = None
                results.update(job.results)
                log.warning(
                    "statvfs(%s) has not returned in %g s: the mount is marked stuck and skipped until it answers",
                    hung,
                    self.timeout,
                )
                return [p for p in paths if p not in job.results and p != hung]
        results.update(job.results)
        return []
