"""Identity of the host, for report banners ("Linux 6.1.0 (web1) 	11/27/26 	_x86_64_	(2 CPU)")."""

from __future__ import annotations

import os

from hostward.frozen import frozen
from hostward.procfs import ProcFS


@frozen
class HostInfo:
    """What sar prints in its first line besides the date: uname(2) fields and the number of CPUs."""

    sysname: str
    release: str
    nodename: str
    machine: str
    cpu_count: int  # CPUs the kernel knows (highest cpuN in /proc/stat + 1), like sysstat's nr_cpu


def read_host(procfs: ProcFS, cpu_count: int) -> HostInfo:
    release = (procfs.read_optional("sys/kernel/osrelease") or os.uname().release).strip()
    nodename = (procfs.read_optional("sys/kernel/hostname") or os.uname().nodename).strip()
    return HostInfo("Linux", release, nodename, os.uname().machine, cpu_count)
