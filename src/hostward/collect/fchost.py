"""Fibre Channel host adapters for sar -n FC: the entries of /sys/class/fc_host (rd_stats.c read_fchost reads
host*/statistics/{rx,tx}_{frames,words} there). hostward does not record their statistics; it only needs to
know whether the host has any, to answer ``-n FC`` as sar does (nothing to report without adapters)."""

from __future__ import annotations

from pathlib import Path


def fc_hosts(sys_root: Path = Path("/sys")) -> tuple[str, ...]:
    """The adapters' names ("host0", ...), sorted; () when the class directory is absent or unreadable."""
    try:
        return tuple(sorted(entry.name for entry in (sys_root / "class/fc_host").iterdir()))
    except OSError:
        return ()
