"""Pure conversions of the node_* families on fixture text: naming rules, filters, bounds."""

from __future__ import annotations

import contextlib
import os
import re

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest

from hostward.collect.fields import parse_meminfo_fields, parse_vmstat_fields
from hostward.export.node import (
    meminfo_families,
    meminfo_metric_name,
    parse_os_release,
    timex_families,
    vmstat_families,
)
from hostward.export.node_devices import disk_families, filesystem_families, net_families, parse_mounts
from hostward.ntp.adjtimex import RawTimex

MEMINFO = "MemTotal:       24683784 kB\nActive(anon):        112 kB\nHugePages_Total:       0\nHugepagesize:       2048 kB\n"


def _expose(*families: object) -> str:
    class _C:
        def collect(self) -> object:
            return iter(families)

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_C())  # type: ignore[arg-type]
    return generate_latest(registry).decode()


def test_meminfo_names_follow_node_exporters_rule() -> None:
    assert meminfo_metric_name("Active(anon)", True) == "node_memory_Active_anon_bytes"
    assert meminfo_metric_name("HugePages_Total", False) == "node_memory_HugePages_Total"
    text = _expose(*meminfo_families(MEMINFO))
    assert (
        "node_memory_MemTotal_bytes 2.5276194816e+010" in text
        or "node_memory_MemTotal_bytes 2.5276194816e+10" in text
    )
    assert "node_memory_Active_anon_bytes 114688.0" in text
    assert "node_memory_HugePages_Total 0.0" in text
    assert "# TYPE node_memory_Hugepagesize_bytes gauge" in text


def test_vmstat_default_field_set_is_untyped() -> None:
    text = "nr_free_pages 5\npgpgin 10\npgfault 7\npgmajfault 1\npswpin 0\noom_kill 3\npgsteal_kswapd 9\n"
    exposed = _expose(*vmstat_families(text))
    names = re.findall(r"^# TYPE (\S+) untyped$", exposed, re.M)
    assert names == ["node_vmstat_pgpgin", "node_vmstat_pgfault", "node_vmstat_pgmajfault", "node_vmstat_pswpin",
                     "node_vmstat_oom_kill"]  # fmt: skip


def test_timex_units_as_node_exporter() -> None:
    raw = RawTimex(state=5, status=0x2000 | 0x40, offset=1_500_000, freq=65536 * 10, maxerror_us=16_000_000,
                   esterror_us=16_000_000, constant=2, precision_us=1, tolerance=0, tick_us=10000, tai=37)  # fmt: skip
    values = {f.name: f.samples[0].value for f in timex_families(raw)}
    assert values["node_timex_sync_status"] == 0  # TIME_ERROR
    assert values["node_timex_offset_seconds"] == 1.5e-3  # STA_NANO: nanoseconds
    assert values["node_timex_frequency_adjustment_ratio"] == 1 + 10e-6
    assert values["node_timex_maxerror_seconds"] == 16
    assert values["node_timex_tick_seconds"] == 0.01
    assert values["node_timex_tai_offset_seconds"] == 37


def test_os_release_quoting() -> None:
    parsed = parse_os_release(
        "# c\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID='12'\nbad\n"
    )
    assert parsed == {"pretty_name": "Debian GNU/Linux 12 (bookworm)", "id": "debian", "version_id": "12"}


def test_device_filters_and_bounds() -> None:
    line = "   8       {minor} {name} 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"
    disks = "".join(
        line.format(minor=i, name=n)
        for i, n in enumerate(("sda", "sda1", "loop0", "nvme0n1", "nvme0n1p1", "dm-0"))
    )
    families, dropped = disk_families(disks)
    devices = [s.labels["device"] for s in families[0].samples]
    assert devices == ["sda", "nvme0n1", "dm-0"] and dropped == 0
    flush = next(f for f in families if f.name == "node_disk_flush_requests")
    assert (
        flush.samples[0].value == 16
        and next(f for f in families if f.name == "node_disk_read_bytes").samples[0].value == 3 * 512
    )
    many = "".join(line.format(minor=i, name=f"dm-{i}") for i in range(5000))
    families, dropped = disk_families(many, max_devices=100)
    assert len(families[0].samples) == 100 and dropped == 4900
    head = "Inter-|\n face |\n"
    row = "{}: " + " ".join(["1"] * 16) + "\n"
    families, dropped = net_families(head + "".join(row.format(n) for n in ("lo", "eth0", "veth1")))
    assert [s.labels["device"] for s in families[0].samples] == ["eth0", "veth1"]
    assert families[0].name == "node_network_receive_bytes"


def test_mounts_filter_dedup_and_statvfs_errors() -> None:
    text = (
        "/dev/vda / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n/dev/vda / ext4 rw 0 0\n"
        "tmpfs /run tmpfs rw 0 0\n/dev/vdb /srv/my\\040data xfs ro 0 0\ncgroup /sys/fs/cgroup/x cgroup rw 0 0\n"
    )
    mounts = parse_mounts(text)
    assert [(m.mountpoint, m.readonly) for m in mounts] == [("/", False), ("/srv/my data", True)]

    def statvfs(path: str) -> os.statvfs_result:
        if path == "/srv/my data":
            raise OSError(5, "I/O error")
        return os.statvfs_result((4096, 4096, 100, 50, 40, 1000, 900, 900, 0, 255, 0))

    families, _ = filesystem_families(mounts, statvfs)
    values = {(f.name, s.labels["mountpoint"]): s.value for f in families for s in f.samples}
    assert values[("node_filesystem_avail_bytes", "/")] == 40 * 4096
    assert values[("node_filesystem_device_error", "/srv/my data")] == 1
    assert ("node_filesystem_size_bytes", "/srv/my data") not in values


@given(st.lists(st.tuples(st.from_regex(r"[A-Za-z][A-Za-z0-9_()]{0,20}", fullmatch=True),
                          st.integers(0, 2**63), st.booleans()), max_size=30))  # fmt: skip
def test_meminfo_parser_round_trips(rows: list[tuple[str, int, bool]]) -> None:
    text = "".join(f"{k}: {v}{' kB' if kb else ''}\n" for k, v, kb in rows)
    parsed = parse_meminfo_fields(text)
    assert [(f.key, f.value, f.in_kb) for f in parsed] == rows


@given(st.text(max_size=300))
def test_field_parsers_never_crash_unexpectedly(text: str) -> None:
    from hostward.errors import CollectError

    for parse in (parse_meminfo_fields, lambda t: parse_vmstat_fields(t, re.compile("pg"))):
        with contextlib.suppress(CollectError):  # a bad value is one CollectError naming the line
            parse(text)


@given(st.text(max_size=400), st.text(max_size=400), st.text(max_size=400))
def test_net_families_read_any_text_without_raising(a: str, b: str, c: str) -> None:
    """filefd/sockstat/netstat parsers meet files of other kernels (or garbage): never an exception."""
    from hostward.export.node_net import filefd_families, netstat_families, sockstat_families

    for family in (*filefd_families(a), *sockstat_families(a, b, 4096), *netstat_families(a, b, c)):
        assert family.name.startswith("node_")


def test_sockstat_and_netstat_shapes() -> None:
    from hostward.export.node_net import netstat_families, sockstat_families

    sockstat = "sockets: used 11\nTCP: inuse 1 orphan 0 tw 202 alloc 1 mem 104\nFRAG: inuse 0 memory 0\n"
    got = {f.name: f.samples[0].value for f in sockstat_families(sockstat, "TCP6: inuse 3\n", 4096)}
    assert got["node_sockstat_sockets_used"] == 11 and got["node_sockstat_TCP_tw"] == 202
    assert got["node_sockstat_TCP_mem_bytes"] == 104 * 4096 and got["node_sockstat_TCP6_inuse"] == 3
    assert "node_sockstat_FRAG_memory_bytes" not in got
    snmp = "Tcp: ActiveOpens InSegs RtoMin\nTcp: 5 7 200\n"
    net = {
        f.name: f.samples[0].value for f in netstat_families(None, snmp, "Ip6InOctets 9\nIp6InReceives 1\n")
    }
    assert net == {
        "node_netstat_Tcp_ActiveOpens": 5,
        "node_netstat_Tcp_InSegs": 7,
        "node_netstat_Ip6_InOctets": 9,
    }
