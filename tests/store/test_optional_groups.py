"""The optional single records of a sample (kernel tables, IPv4 and IPv6 sockets): stored only when present,
read back exactly, absent in older files, and a group of a later version skipped rather than misread."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from tests.store.conftest import HOST, series

from hostward.collect.filesystems import Filesystem
from hostward.collect.kernel import KernelTables
from hostward.collect.nfs import NfsClient, NfsServer
from hostward.collect.power import CpuFrequency
from hostward.collect.sample import SystemSample
from hostward.collect.snmp import Snmp
from hostward.collect.snmp6 import Snmp6
from hostward.collect.sockets import Sockets, Sockets6
from hostward.collect.softnet import Softnet
from hostward.store import DataFileWriter, read_file
from hostward.store.layout import Unflattener, flatten
from hostward.store.schema import SCHEMA
from hostward.store.shape import Shape, shape_of

DAY = dt.date(2026, 11, 27)


def _with_tables(i: int, sample: SystemSample) -> SystemSample:
    return dataclasses.replace(
        sample,
        ktables=KernelTables(480_000 + i, 1400 + i, 330_000 - i, i % 3),
        sockets=Sockets(22 + i, 3, 4100 - 7 * i, 2, 1, 0),
        sockets6=Sockets6(5, i, 0, 1),
        snmp=Snmp(Ip_InReceives=1000 + i, Tcp_OutSegs=7 * i, Udp_InErrors=i % 2),
        snmp6=Snmp6(Ip6_InReceives=900 + i, Icmp6_OutNeighborAdvertisements=i, Udp6_InErrors=3 * i),
        nfs=NfsClient(rpc_calls=70 + i, getattr=2**32 - 1),
        nfsd=NfsServer(rpc_calls=5 * i, net_tcp=i, rc_misses=1),
    )


def test_optional_records_round_trip_and_come_and_go(tmp_path: Path) -> None:
    samples = [_with_tables(i, s) for i, s in enumerate(series(8))]
    samples[3] = dataclasses.replace(samples[3], sockets6=None)  # recorded without it for one sample
    samples[5] = dataclasses.replace(
        samples[5], ktables=None, sockets=None, sockets6=None, snmp=None, snmp6=None, nfs=None, nfsd=None
    )
    path = tmp_path / "hw"
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    assert read_file(path).entries == tuple(samples)
    assert shape_of(samples[3]).extras == ("ktables", "sockets", "snmp", "snmp6", "nfs", "nfsd")
    assert shape_of(samples[5]).extras == ()


def test_shape_lists_extras_after_everything_older() -> None:
    sample = series(1)[0]
    shape = dataclasses.replace(shape_of(sample), extras=("ktables", "sockets6"))
    assert Shape.decode(shape.encode()) == shape
    bare = dataclasses.replace(shape, extras=())
    assert shape.encode().startswith(bare.encode()[:-1])  # older fields unchanged, extras appended


def test_file_without_the_groups_reads_them_as_absent() -> None:
    sample = _with_tables(1, series(1)[0])
    old_schema = {
        g: names
        for g, names in SCHEMA.items()
        if g not in ("ktables", "sockets", "sockets6", "snmp", "snmp6", "nfs", "nfsd")
    }
    bare = dataclasses.replace(
        sample, ktables=None, sockets=None, sockets6=None, snmp=None, snmp6=None, nfs=None, nfsd=None
    )
    ints, floats = flatten(bare)
    back = Unflattener(old_schema).build(shape_of(bare), ints, floats)
    assert back.ktables is None and back.sockets is None and back.sockets6 is None and back.snmp is None
    assert back.snmp6 is None and back.nfs is None and back.nfsd is None
    assert back == bare


def test_group_of_a_later_version_is_skipped_not_misread() -> None:
    """A later hostward may record a group this one does not know: its values are in the vector between ours
    and must be stepped over, with ours still read at their place."""
    sample = _with_tables(2, series(1)[0])
    ints, floats = flatten(sample)
    shape = shape_of(sample)
    future = ("ktables", "snmp_future", "sockets", "sockets6", "snmp", "snmp6", "nfs", "nfsd")
    file_schema = {**SCHEMA, "snmp_future": ("a", "b", "c")}
    width = len(SCHEMA["ktables"])
    at = (
        len(ints)
        - len(SCHEMA["nfsd"])
        - len(SCHEMA["nfs"])
        - len(SCHEMA["snmp6"])
        - len(SCHEMA["snmp"])
        - len(SCHEMA["sockets6"])
        - len(SCHEMA["sockets"])
    )
    assert sample.ktables is not None
    assert ints[at - width : at] == list(dataclasses.astuple(sample.ktables))
    future_ints = [*ints[:at], 7, 8, 9, *ints[at:]]
    back = Unflattener(file_schema).build(dataclasses.replace(shape, extras=future), future_ints, floats)
    assert back == sample


def test_softnet_lines_round_trip_after_the_interrupts_and_come_and_go(tmp_path: Path) -> None:
    """sar -n SOFT's per-CPU lines (Shape.softnet) follow the irq counts; a sample without them, or with
    another CPU count, changes the shape and reads back exactly."""
    lines = [(0, 2**32 - 1, 1, 0, 0, 0, 4), (1, 77, 0, 2, 3, 1, 0), (3, 5, 0, 0, 0, 0, 0)]
    samples = [
        dataclasses.replace(s, softnet=Softnet(tuple(v + i * (k == 1) for line in lines[: 2 + i % 2] for k, v in
                                                     enumerate(line))))
        for i, s in enumerate(map(_with_tables, range(6), series(6)))
    ]  # fmt: skip
    samples[4] = dataclasses.replace(samples[4], softnet=None)
    path = tmp_path / "hw"
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    assert read_file(path).entries == tuple(samples)
    shape = shape_of(samples[1])
    assert shape.softnet == 3 and Shape.decode(shape.encode()) == shape
    assert shape_of(samples[4]).softnet == 0


def test_item_lists_round_trip_and_a_later_versions_list_is_skipped(tmp_path: Path) -> None:
    """Filesystems (an optional list: names in the shape, numbers in the vector) come and go, read back
    exactly; a list a later version records is stepped over, ours still read at their place."""
    fs = (
        Filesystem("/dev/vda", "/", 10**12, 10**11, 9 * 10**10, 10**6, 10**5),
        Filesystem("/dev/x", "/a b", 9, 8, 7, 6, 5),
    )
    samples = [dataclasses.replace(s, filesystems=fs[: i % 3]) for i, s in enumerate(series(6))]
    samples[4] = dataclasses.replace(samples[4], filesystems=None)
    path = tmp_path / "hw"
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    assert read_file(path).entries == tuple(samples)
    assert shape_of(samples[0]).lists == (("filesystems", ()),) and shape_of(samples[4]).lists == ()
    sample = samples[2]
    ints, floats = flatten(sample)
    shape = shape_of(sample)
    future = dataclasses.replace(shape, lists=(("mounts_future", (("x",), ("y",))), *shape.lists))
    at = len(ints) - 2 * len(SCHEMA["filesystems"])
    back = Unflattener({**SCHEMA, "mounts_future": ("a", "b")}).build(
        future, [*ints[:at], 1, 2, 3, 4, *ints[at:]], floats
    )
    assert back == sample
    assert Shape.decode(future.encode()) == future


def test_cpu_frequencies_round_trip_beside_the_filesystems_and_come_and_go(tmp_path: Path) -> None:
    """sar -m CPU's records (one number each: the list's getter must still give a tuple) follow the
    filesystems; a CPU appears, a sample without them reads None, and the names stay in the shape."""
    fs = (Filesystem("/dev/vda", "/", 10**12, 10**11, 9 * 10**10, 10**6, 10**5),)
    freqs = [
        (
            CpuFrequency("all", 259614 + i),
            CpuFrequency("0", 259614),
            *(() if i % 2 else (CpuFrequency("1", i),)),
        )
        for i in range(6)
    ]
    samples = [dataclasses.replace(s, filesystems=fs, cpufreq=freqs[i]) for i, s in enumerate(series(6))]
    samples[3] = dataclasses.replace(samples[3], cpufreq=None)
    path = tmp_path / "hw"
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    assert read_file(path).entries == tuple(samples)
    shape = shape_of(samples[0])
    assert shape.lists == (("filesystems", (("/dev/vda", "/"),)), ("cpufreq", (("all",), ("0",), ("1",))))
    assert Shape.decode(shape.encode()) == shape
    assert flatten(samples[0])[0][-3:] == [259614, 259614, 0]
