"""The schema written into every data file's header: for each group of a sample's integer vector, the field
names in vector order. A reader maps a file's schema onto its own, so fields added or removed by a later
version read as their default or are skipped (see store/layout.py)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.disk import DiskStats
from hostward.collect.filesystems import Filesystem
from hostward.collect.kernel import KernelTables
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.net import NetDev
from hostward.collect.nfs import NfsClient, NfsServer
from hostward.collect.power import CpuFrequency
from hostward.collect.sample import ClockSample, MemcachedSample
from hostward.collect.serial import SerialLine
from hostward.collect.snmp import Snmp
from hostward.collect.snmp6 import Snmp6
from hostward.collect.sockets import Sockets, Sockets6
from hostward.collect.softnet import FIELDS as SOFTNET_FIELDS
from hostward.store.framing import Reader, Writer

__all__ = ["SCHEMA", "decode_schema", "encode_schema"]


def _int_fields(cls: type[Any], exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name not in exclude)


# Group name -> field names, in vector order. Written into every file header.
SCHEMA: dict[str, tuple[str, ...]] = {
    "cpu_times": _int_fields(CpuTimes),
    "cpu_stat": _int_fields(CpuStat, ("all", "per_cpu")),
    "load_int": ("runnable", "threads", "last_pid"),
    "load_float": ("load1", "load5", "load15"),
    "memory": _int_fields(MemInfo, ("missing",)),
    "vmstat": _int_fields(VmStat),
    "disk": _int_fields(DiskStats, ("name", "whole_device", "physical")),
    "net": _int_fields(NetDev, ("name",)),  # full_duplex is stored as 0/1
    "psi_int": ("total_us",),
    "psi_float": ("avg10", "avg60", "avg300"),
    # Added after format 1 shipped: time health (adjtimex, server offset), at the end of a sample's integers
    # when its shape says it has one. Files without the group (the format-1 golden file) read with time None.
    "time": _int_fields(ClockSample),
    # Added with the cache activity: one group per memcached server of the shape, after "time".
    "cache": _int_fields(MemcachedSample, ("server",)),
    # Added with sar -v and -n SOCK/SOCK6: optional single records after the cache groups (layout.py
    # OPTIONAL_GROUPS), each written when the sample's shape lists it.
    "ktables": _int_fields(KernelTables),
    "sockets": _int_fields(Sockets),
    "sockets6": _int_fields(Sockets6),
    "snmp": _int_fields(Snmp),  # sar -n IP, EIP, TCP, ETCP, UDP
    "snmp6": _int_fields(Snmp6),  # sar -n IP6, EIP6, ICMP6, EICMP6, UDP6
    # sar -I: one value per interrupt and CPU column of the shape (Interrupts.counts), ending the vector.
    "irq": ("count",),
    "nfs": _int_fields(NfsClient),  # sar -n NFS
    "nfsd": _int_fields(NfsServer),  # sar -n NFSD
    # sar -y: one group per serial line of the shape, after the interrupts.
    "serial": _int_fields(SerialLine, ("line",)),
    # sar -n SOFT: one group per line of /proc/net/softnet_stat, after the serial lines (Shape.softnet).
    "softnet": SOFTNET_FIELDS,
    # Optional lists of named records (shape.py OPTIONAL_LISTS): one group per item, names in the shape,
    # after the softnet lines.
    "filesystems": _int_fields(Filesystem, ("name", "mountpoint")),  # sar -F
    "cpufreq": _int_fields(CpuFrequency, ("cpu",)),  # sar -m CPU
}


def encode_schema(out: Writer, schema: dict[str, tuple[str, ...]]) -> None:
    out.uint(len(schema))
    for group, names in schema.items():
        out.text(group).uint(len(names))
        for name in names:
            out.text(name)


def decode_schema(r: Reader) -> dict[str, tuple[str, ...]]:
    schema: dict[str, tuple[str, ...]] = {}
    for _ in range(r.count(1 << 10)):
        group = r.text()
        schema[group] = tuple(r.text() for _ in range(r.count(1 << 12)))
    return schema
