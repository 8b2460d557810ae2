"""The kernel files a scrape reads, kept open between scrapes: the same text as an ordinary read, descriptors
that do not pile up, and closed with the exporter."""

from __future__ import annotations

from pathlib import Path

from hostward.config import Config, RecordConfig
from hostward.export.exposition import render
from hostward.export.node import NodeCollector
from hostward.export.registry import build_exporter
from hostward.export.scrapefiles import ScrapeFiles
from hostward.procfs import ProcFS


def test_kept_open_reads_give_what_an_ordinary_read_gives() -> None:
    procfs = ProcFS()
    files = ScrapeFiles(procfs)
    try:
        assert files.read("sys/kernel/ostype") == procfs.read("sys/kernel/ostype")
        assert files.read("1/mounts") == procfs.read("1/mounts")  # may exceed the first read size: doubled
        for _ in range(5):
            files.read("sys/kernel/ostype")
        assert files.open_files == 2  # one descriptor per file, re-read with pread
        assert files.read_optional("no/such/file") is None
        assert files.read_sys_once("class/net/lo/speed") is None  # EINVAL: lo has no link speed
        assert files.read_sys_once("no/such/attr") is None
        assert files.open_files == 2  # /sys files read once keep no descriptor
    finally:
        files.close()


def test_stopping_the_exporter_closes_its_kernel_files(tmp_path: Path) -> None:
    exporter = build_exporter(Config(record=RecordConfig(data_dir=tmp_path)))
    render(exporter.registry)
    files = next(c.files for c in exporter.registry._collector_to_names if isinstance(c, NodeCollector))
    assert files.open_files >= 8  # stat, meminfo, vmstat, loadavg, diskstats, net/dev, mounts, clocksource...
    exporter.stop()
    assert files.open_files == 0
