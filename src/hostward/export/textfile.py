"""Textfile mode: the hostward_* families written for node_exporter's textfile collector.

node_exporter reads ``*.prom`` in its ``--collector.textfile.directory`` (Debian:
/var/lib/prometheus/node-exporter) at each scrape, so the file is replaced atomically (temporary file beside it,
then rename; the temporary name does not end in .prom, so a scrape never reads half a file).
"""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import CollectorRegistry

from hostward.atomic import replacing
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
    with replacing(target, what="write") as tmp:
        # replacing() created tmp exclusively under an unpredictable name; O_NOFOLLOW refuses a swapped-in link
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC)
        os.fchmod(fd, 0o644)  # node_exporter reads it as its own user
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
    return target
