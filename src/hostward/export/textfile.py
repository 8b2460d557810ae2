"""Textfile mode: the hostward_* families written for node_exporter's textfile collector.

node_exporter reads ``*.prom`` in its ``--collector.textfile.directory`` (Debian:
/var/lib/prometheus/node-exporter) at each scrape, so the file is replaced atomically (temporary file beside it,
then rename; the temporary name does not end in .prom, so a scrape never reads half a file).
"""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import CollectorRegistry

from hostward.atomic import writing
from hostward.errors import StoreError
from hostward.export.exposition import render

TEXTFILE_NAME = "hostward.prom"
DEBIAN_TEXTFILE_DIR = Path("/var/lib/prometheus/node-exporter")


def write_textfile(registry: CollectorRegistry, directory: Path) -> Path:
    """Write the registry's families to DIRECTORY/hostward.prom atomically; returns the path."""
    if not directory.is_dir():
        raise StoreError(f"{directory} is not a directory (node_exporter's --collector.textfile.directory)")
    target = directory / TEXTFILE_NAME
    body = render(registry)
    # Written through the descriptor of the file writing() created exclusively under an unpredictable name:
    # a name swapped in the directory meanwhile is never written through.
    with writing(target, what="write") as handle:
        os.fchmod(handle.fileno(), 0o644)  # node_exporter reads it as its own user
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    return target
