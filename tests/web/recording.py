"""A real short recording for the dashboard's tests: samples of the live kernel written by the store writer
(what `hostward record` does), with a comment, into a temp data directory."""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
import time
from pathlib import Path

from hostward.cache.stats import fetch_stats
from hostward.collect.host import read_host
from hostward.collect.sample import SystemSample, sample_system
from hostward.procfs import ProcFS
from hostward.recorder.cachewatch import memcached_sample
from hostward.recorder.timehealth import TimeHealth
from hostward.store import CommentMark, DataFileWriter, day_path


def _cache_traffic(port: int, round_: int) -> None:
    """A few sets and gets (one miss in four) so the recorded cache activity has rates and a hit ratio."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        for key in ("a", "b", "c"):
            s.sendall(f"set {key}{round_} 0 0 1\r\nx\r\n".encode())
            s.recv(100)
        for key in ("a", "b", "c", "none"):
            s.sendall(f"get {key}{round_}\r\n".encode())
            reply = b""
            while not reply.endswith(b"END\r\n"):
                reply += s.recv(100)


def record(
    data_dir: Path,
    samples: int = 4,
    step: float = 1.0,
    *,
    comment: str | None = None,
    nodename: str | None = None,
    memcached_port: int | None = None,
) -> dt.date:
    """Sample the running system ``samples`` times, ``step`` seconds apart; the comment goes after the
    second sample; ``nodename`` replaces the host name in the file header. With ``memcached_port``, a real
    memcached on 127.0.0.1 gets some traffic before each sample and its ``stats`` go into the sample, as the
    recorder's cache watch stores them. Returns the local day written."""
    procfs = ProcFS()
    clock = TimeHealth()  # the kernel clock state the recorder adds to each sample (sar --time)

    def take() -> SystemSample:
        sample = dataclasses.replace(sample_system(procfs), time=clock())
        if memcached_port is None:
            return sample
        server = f"127.0.0.1:{memcached_port}"
        _cache_traffic(memcached_port, int(sample.timestamp * 1000))
        stats = fetch_stats(server, timeout=5).fields
        return dataclasses.replace(sample, caches=(memcached_sample(server, stats),))

    first = take()
    day = dt.datetime.fromtimestamp(first.timestamp).date()
    host = read_host(procfs, len(first.cpu.per_cpu) or 1)
    if nodename is not None:
        host = dataclasses.replace(host, nodename=nodename)
    with DataFileWriter.open(day_path(data_dir, day), day, host) as writer:
        writer.write_sample(first)
        for i in range(1, samples):
            time.sleep(step)
            sample = take()
            writer.write_sample(sample)
            if i == 1 and comment is not None:
                writer.write_comment(CommentMark(sample.timestamp + 0.001, comment))
    return day
