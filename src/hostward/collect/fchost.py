"""Fibre Channel host adapters for sar -n FC, from /sys/class/fc_host (rd_stats.c read_fchost, sysstat 12.6).

sadc lists the class directory and takes every entry whose name starts with ``host``, in directory order
(readdir; ``os.listdir`` gives the same order), its name cut to 15 bytes (MAX_FCH_LEN). For each it reads
``statistics/{rx_frames,tx_frames,rx_words,tx_words}``: the first line of each file, which the kernel writes
as hexadecimal (drivers/scsi/scsi_transport_fc.c: ``0x%llx``), scanned with ``%lx``. What sadc does with a bad
file is kept, so both record the same numbers: a missing or unreadable file, or one that does not start with a
hexadecimal number, reads as 0; a number too big for 64 bits reads as 2**64 - 1 (strtoul's ERANGE value); a
leading ``-`` negates modulo 2**64. Nothing here raises: a bad adapter file never costs the sample.

No class directory, or no ``host*`` entry in it (no adapter, as on most machines), gives None: nothing is
recorded, as sadc leaves A_NET_FC out of a file when it finds no adapter.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from hostward.frozen import frozen

SYS = Path("/sys")
CLASS_DIR = "class/fc_host"
COUNTERS = ("rx_frames", "tx_frames", "rx_words", "tx_words")
NAME_BYTES = 15  # MAX_FCH_LEN - 1
MAX_HOSTS = 65536  # sa.h MAX_NR_FCHOSTS
_LINE = 255  # fgets(line, 256, fp)
_ULONG = (1 << 64) - 1
_HEX = frozenset("0123456789abcdefABCDEF")


@frozen
class FcHost:
    """rd_stats.h stats_fchost: one adapter's frame and word counters (64-bit, cumulative) and its name."""

    name: str  # "host0": the sysfs entry, cut to 15 bytes
    rx_frames: int = 0
    tx_frames: int = 0
    rx_words: int = 0  # 4-byte Fibre Channel words
    tx_words: int = 0


def parse_counter(line: str) -> int:
    """sscanf("%lx") of a statistics file's first line: see the module docstring for what a bad line gives."""
    text = line.lstrip(" \t\n\v\f\r")
    negative = text[:1] == "-"
    if text[:1] in ("+", "-"):
        text = text[1:]
    if text[:2] in ("0x", "0X") and text[2:3] in _HEX:
        text = text[2:]
    end = 0
    while end < len(text) and text[end] in _HEX:
        end += 1
    if end == 0:
        return 0  # no number: sscanf assigns nothing and sadc keeps its 0
    value = int(text[:end], 16)
    if value > _ULONG:
        return _ULONG
    return (-value) & _ULONG if negative else value


def _first_line(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.readline(_LINE)
    except (OSError, ValueError):  # missing, unreadable, a directory: sadc's fopen or fgets fails
        return ""


def _entries(sys_root: Path) -> list[str] | None:
    try:  # a plain string path: on a host without adapters this is the whole cost of a sample (~half a Path's)
        names = os.listdir(f"{sys_root}/{CLASS_DIR}")
    except OSError:
        return None
    return [name for name in names if name.startswith("host")][:MAX_HOSTS]


def fc_statistics(sys_root: Path = SYS) -> tuple[FcHost, ...] | None:
    """Every adapter's counters under ``sys_root`` (sadc's read_fchost); None without an adapter."""
    names = _entries(sys_root)
    if not names:
        return None
    base = f"{sys_root}/{CLASS_DIR}"
    hosts = []
    for name in names:
        values = (parse_counter(_first_line(f"{base}/{name}/statistics/{c}")) for c in COUNTERS)
        short = os.fsdecode(os.fsencode(name)[:NAME_BYTES])
        hosts.append(FcHost(short, *values))
    return tuple(hosts)


def read_fchosts(
    read_optional: Callable[[str], str | None], sys_root: Path = SYS
) -> tuple[FcHost, ...] | None:
    """The collect/sample.py OPTIONAL_READERS entry (a SYSFS_READERS one): the counters are under ``sys_root``,
    which ``read_optional`` (files under /proc) does not reach."""
    del read_optional
    return fc_statistics(sys_root)


def fc_hosts(sys_root: Path = SYS) -> tuple[str, ...]:
    """The adapters' names ("host0", ...), sorted; () when the class directory is absent or unreadable."""
    return tuple(sorted(_entries(sys_root) or ()))
