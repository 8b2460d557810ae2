"""The native reader against sysstat's own: every counter hostward decodes from an sa file equals the one
``sadf -r`` (raw counters, sadf.c / raw_stats.c) prints for the same record."""

from __future__ import annotations

import subprocess

import pytest
from tests.store.sysstat.conftest import SysstatRun

from hostward.collect.sample import SystemSample
from hostward.store.sysstat.sa_import import read_sa_file

pytestmark = pytest.mark.peer


def raw_lines(run: SysstatRun, flags: list[str]) -> list[list[str]]:
    out = subprocess.run(
        [run.sadf, "-r", "-U", str(run.sa), "--", *flags], capture_output=True, text=True, check=True,
        env={"LC_ALL": "C", "TZ": "UTC"},
    ).stdout  # fmt: skip
    return [
        [f.strip() for f in line.rstrip(";").split(";")]
        for line in out.splitlines()
        if line and line[0].isdigit()
    ]


def pairs(fields: list[str]) -> dict[str, list[int]]:
    """ "name; v1; [v2;] name; ..." -> {name: [values]} (counters print prev;curr, gauges curr)."""
    out: dict[str, list[int]] = {}
    name = ""
    for f in fields:
        if f.lstrip("-").isdigit():
            out[name].append(int(f))
        else:
            name = f
            out[name] = []
    return out


def test_decoded_counters_equal_sadf_raw(sysstat_run: SysstatRun) -> None:
    content = read_sa_file(sysstat_run.sa)
    by_time = {int(e.timestamp): e for e in content.entries if isinstance(e, SystemSample)}
    checked = 0
    kinds: set[str] = set()
    for fields in raw_lines(
        sysstat_run,
        ["-u", "ALL", "-P", "ALL", "-w", "-r", "ALL", "-S", "-q", "-B", "-W", "-d", "-n", "DEV,EDEV"],
    ):
        s = by_time[int(fields[0])]
        kind = fields[1]
        if kind == "CPU":
            number = int(fields[2])
            times = s.cpu.all if number == -1 else s.cpu.per_cpu[number]
            assert times is not None
            v = pairs(fields[3:])
            got = {"%usr": times.user, "%nice": times.nice, "%sys": times.system, "%iowait": times.iowait,
                   "%steal": times.steal, "%irq": times.irq, "%soft": times.softirq, "%guest": times.guest,
                   "%gnice": times.guest_nice, "%idle": times.idle}  # fmt: skip
            assert {k: v[k][-1] for k in got} == got
        elif kind == "proc/s":
            v = pairs(fields[1:])
            assert (v["proc/s"][-1], v["cswch/s"][-1]) == (s.cpu.forks, s.cpu.context_switches)
        elif kind == "kbmemfree":
            v = pairs(fields[1:])
            m = s.memory
            assert (v["kbmemfree"][0], v["kbavail"][0], v["kbttlmem"][0], v["kbcached"][0], v["kbcommit"][0],
                    v["kbslab"][0], v["kbvmused"][0]) == (m.mem_free_kb, m.mem_available_kb, m.mem_total_kb,
                    m.cached_kb, m.committed_as_kb, m.slab_kb, m.vmalloc_used_kb)  # fmt: skip
        elif kind == "runq-sz":
            v = pairs(fields[1:])
            assert (v["runq-sz"][0], v["plist-sz"][0], v["ldavg-1"][0], v["blocked"][0]) == (
                s.load.runnable - 1,
                s.load.threads,
                round(s.load.load1 * 100),
                s.cpu.procs_blocked,
            )
        elif kind == "pgpgin/s":
            v = pairs(fields[1:])
            assert (v["pgpgin/s"][-1], v["fault/s"][-1], v["pgfree/s"][-1]) == (
                s.vmstat.pgpgin,
                s.vmstat.pgfault,
                s.vmstat.pgfree,
            )
        elif kind == "major":
            v = pairs(fields[5:])
            disk = next(d for d in s.disks if (d.major, d.minor) == (int(fields[2]), int(fields[4])))
            assert (v["tps"][-1], v["rkB/s"][-1], v["wkB/s"][-1], v["tot_ticks"][-1]) == (
                disk.total_ios,
                disk.read_sectors,
                disk.write_sectors,
                disk.io_ticks_ms,
            )
        elif kind == "IFACE":
            v = pairs(fields[3:])
            net = next(n for n in s.nets if n.name == fields[2])
            if "rxpck/s" in v:
                assert (v["rxpck/s"][-1], v["txkB/s"][-1]) == (net.rx_packets, net.tx_bytes)
            else:
                assert (v["rxerr/s"][-1], v["coll/s"][-1], v["txfifo/s"][-1]) == (
                    net.rx_errors,
                    net.tx_collisions,
                    net.tx_fifo,
                )
        else:
            continue
        checked += 1
        kinds.add(kind)
    assert kinds == {"CPU", "proc/s", "kbmemfree", "runq-sz", "pgpgin/s", "major", "IFACE"}
    assert checked >= 4 * 9  # 4 intervals x (3 CPU lines, -w, -r, -q, -B, a disk, 4+4 interfaces)
