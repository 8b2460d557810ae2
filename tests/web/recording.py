"""A real short recording for the dashboard's tests: samples of the live kernel written by the store writer
(what `hostward record` does), with a comment, into a temp data directory."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path

from hostward.collect.host import read_host
from hostward.collect.sample import SystemSample, sample_system
from hostward.procfs import ProcFS
from hostward.recorder.timehealth import TimeHealth
from hostward.store import CommentMark, DataFileWriter, day_path


def record(
    data_dir: Path,
    samples: int = 4,
    step: float = 1.0,
    comment: str | None = None,
    nodename: str | None = None,
) -> dt.date:
    """Sample the running system ``samples`` times, ``step`` seconds apart; the comment goes after the
    second sample; ``nodename`` replaces the host name in the file header. Returns the local day written."""
    procfs = ProcFS()
    clock = TimeHealth()  # the kernel clock state the recorder adds to each sample (sar --time)

    def take() -> SystemSample:
        return dataclasses.replace(sample_system(procfs), time=clock())

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
