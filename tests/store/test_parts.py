"""Reading only some parts of each sample (issue 17): what is asked for reads exactly as a full read, the rest
is empty, and every report built on what its activity declares (report.engine.SAMPLE_READS) is the same."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from pathlib import Path

import pytest
from tests.conftest import modules_after
from tests.store.conftest import HOST, series, with_processes

from hostward.activities import BY_NAME
from hostward.activities.base import AverageInput, Interval, uptime_cs
from hostward.collect.fchost import FcHost
from hostward.collect.filesystems import Filesystem
from hostward.collect.interrupts import Interrupts
from hostward.collect.kernel import KernelTables
from hostward.collect.nfs import NfsClient, NfsServer
from hostward.collect.power import CpuFrequency
from hostward.collect.sample import ClockSample, MemcachedSample, SystemSample
from hostward.collect.serial import SerialLine
from hostward.collect.snmp import Snmp
from hostward.collect.snmp6 import Snmp6
from hostward.collect.sockets import Sockets, Sockets6
from hostward.collect.softnet import Softnet
from hostward.report.engine import SAMPLE_READS, sample_parts
from hostward.report.selection import Selected
from hostward.store import DataFileWriter, day_path, read_day, read_file
from hostward.store.parts import SAMPLE_PARTS

DAY = dt.date(2026, 11, 27)
FIELDS = ("cpu", "load", "memory", "vmstat", "disks", "nets", "pressure", "time", "caches", "ktables", "sockets",
          "sockets6", "snmp", "snmp6", "interrupts", "nfs", "nfsd", "serial", "softnet", "filesystems", "cpufreq",
          "fchosts")  # fmt: skip


def busy(n: int) -> list[SystemSample]:
    """Samples with every part present and moving: time health and two memcached servers too."""
    out = []
    for i, s in enumerate(with_processes(series(n))):
        clock = ClockSample(True, 100 + i, 200, 3 * i, 4, 5)
        caches = (
            MemcachedSample("127.0.0.1:11211", True, 7, 99, 1000 + 10 * i, cmd_get=50 * i, get_hits=40 * i),
            MemcachedSample("127.0.0.1:11212", i % 3 != 0, cmd_set=7 * i),
        )
        cpu = dataclasses.replace(s.cpu, procs_blocked=i % 4, procs_running=1 + i % 3)
        tables = KernelTables(1000 + i, 50 + i, 900 - i, i % 2)
        socks, socks6 = Sockets(30 + i, 5, 9 * i, 2, 1, i % 2), Sockets6(i, 2, 1, 0)
        snmp = Snmp(Ip_InReceives=100 * i, Tcp_ActiveOpens=3 * i, Udp_NoPorts=i)
        snmp6 = Snmp6(Ip6_InReceives=50 * i, Icmp6_InEchos=i, Udp6_NoPorts=2 * i)
        fs = (Filesystem("/dev/vda", "/", 10**12, 10**11 - i * 4096, 9 * 10**10, 10**6, 10**5 - i),)
        fs += (Filesystem("/dev/loop0", "/mnt/a b", 10**8, 10**7, 10**7, 100, 50),) if i % 4 else ()
        irqs = Interrupts(("24", "LOC"), 2, (i, 0, 250 * i, 240 * i))
        nfs, nfsd = NfsClient(rpc_calls=9 * i, read=i), NfsServer(rpc_calls=4 * i, rc_hits=i)
        ports = (SerialLine(0, rx=i, tx=30 * i), SerialLine(1, frame=i // 3))
        out.append(
            dataclasses.replace(
                s,
                cpu=cpu,
                time=clock,
                caches=caches,
                ktables=tables,
                sockets=socks,
                sockets6=socks6,
                snmp=snmp,
                snmp6=snmp6,
                interrupts=irqs,
                nfs=nfs,
                nfsd=nfsd,
                serial=ports,
                softnet=Softnet((0, 100 * i, 0, 0, 1, 0, i % 3, 1, 90 * i, 1, i, 0, 0, 0)),
                filesystems=fs,
                cpufreq=(
                    CpuFrequency("all", 250000 + i),
                    CpuFrequency("0", 240000),
                    CpuFrequency("1", 260000 + 2 * i),
                ),
                fchosts=(FcHost("host0", 1000 * i, 900 * i, (1 << 64) - 1, 4 * i),)
                + ((FcHost("host7", i, 0, 0, i),) if i % 3 else ()),
            )
        )
    return out


def _empty(value: object) -> bool:
    """None, zero, empty, or a record of those."""
    if isinstance(value, tuple | frozenset):
        return all(_empty(v) for v in value)
    if dataclasses.is_dataclass(value):
        return all(_empty(getattr(value, f.name)) for f in dataclasses.fields(value))
    return not value


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, list[SystemSample]]:
    samples = busy(14)
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST, keyframe_every=5) as writer:
        writer.write_sample(samples[0], carried=True)
        for sample in samples[1:]:
            writer.write_sample(sample)
    return path, samples


def test_sample_parts_are_the_sample_fields() -> None:
    assert frozenset(FIELDS) == SAMPLE_PARTS
    assert {f.name for f in dataclasses.fields(SystemSample)} >= SAMPLE_PARTS


@pytest.mark.parametrize("part", FIELDS)
def test_a_part_reads_as_in_a_full_read_and_the_rest_is_empty(
    recorded: tuple[Path, list[SystemSample]], part: str
) -> None:
    path, samples = recorded
    data = read_file(path, processes=False, parts=frozenset({part}))
    got = [data.previous, *data.entries]
    assert len(got) == len(samples)
    for ours, full in zip(got, samples, strict=True):
        assert isinstance(ours, SystemSample)
        assert (ours.timestamp, ours.uptime_seconds) == (full.timestamp, full.uptime_seconds)
        assert getattr(ours, part) == getattr(full, part)
        assert ours.top_processes == ()
        for other in FIELDS:
            if other != part:
                assert _empty(getattr(ours, other)), other


def test_every_part_asked_for_is_a_full_read(recorded: tuple[Path, list[SystemSample]]) -> None:
    path, samples = recorded
    data = read_day(path.parent, DAY, processes=False, parts=SAMPLE_PARTS)
    assert data.entries == tuple(dataclasses.replace(s, top_processes=()) for s in samples[1:])


def test_unknown_parts_are_refused(recorded: tuple[Path, list[SystemSample]]) -> None:
    with pytest.raises(ValueError, match="unknown sample parts"):
        read_file(recorded[0], parts=frozenset({"cpu", "top_processes"}))


@pytest.mark.parametrize("name", sorted(SAMPLE_READS))
def test_each_report_reads_the_same_from_its_declared_parts(
    recorded: tuple[Path, list[SystemSample]], name: str
) -> None:
    """The declaration is what the activity's formulas read: rows and averages match a full read."""
    activity = BY_NAME[name]
    path, _ = recorded
    full = read_file(path, processes=False)
    parts = sample_parts([Selected(activity)])
    assert parts == SAMPLE_READS[name]
    partial = read_file(path, processes=False, parts=parts)

    def report(data: list[SystemSample]) -> list[object]:
        out: list[object] = []
        for prev, curr in itertools.pairwise(data):
            out.append(activity.rows(Interval(prev, curr, uptime_cs(curr) - uptime_cs(prev))))
        span = Interval(data[0], data[-1], uptime_cs(data[-1]) - uptime_cs(data[0]))
        out.append(activity.averages(AverageInput(span, tuple(data[1:]))))
        return out

    whole = [full.previous, *full.entries]
    some = [partial.previous, *partial.entries]
    assert all(isinstance(s, SystemSample) for s in whole + some)
    expected = report(whole)  # type: ignore[arg-type]
    assert any(rows for rows in expected)  # the fixture gives this report something to show
    assert repr(report(some)) == repr(expected)  # type: ignore[arg-type]  (repr: nan == nan)


def test_an_activity_without_a_declaration_reads_everything() -> None:
    unknown = dataclasses.replace(BY_NAME["cpu"], name="not-declared")
    assert sample_parts([Selected(BY_NAME["cpu"]), Selected(unknown)]) is None
    assert sample_parts([Selected(BY_NAME["cpu"]), Selected(BY_NAME["queue"])]) == {"cpu", "load"}


def test_sar_u_on_a_file_with_every_group_imports_none_of_their_records(
    recorded: tuple[Path, list[SystemSample]],
) -> None:
    # Issue 17: the optional groups' record classes (SNMP, sockets, NFS, filesystems ...) cost start-up; a report
    # that reads only the CPU times does not import them, even from a file that holds them all.
    path, _samples = recorded
    code = f"from hostward.cli import main\nmain(['sar', '-u', '-f', {str(path)!r}])"
    imported, printed = modules_after(code, "hostward.collect.")
    assert "Average:" in printed
    optional = {
        "filesystems",
        "interrupts",
        "kernel",
        "nfs",
        "power",
        "serial",
        "snmp",
        "snmp6",
        "sockets",
        "softnet",
    }
    assert not imported & {f"hostward.collect.{name}" for name in optional}
    imported, _ = modules_after(code, "")
    # Neither dataclasses (with inspect, ast, dis: ~6 ms), typing (~2 ms), logging nor lzma for a plain file.
    assert not imported & {"dataclasses", "inspect", "typing", "logging", "lzma"}, sorted(imported)
    imported, _ = modules_after(code.replace("'-u'", "'-n', 'TCP'"), "hostward.collect.")
    assert "hostward.collect.snmp" in imported  # the report that reads them has them


def test_the_blank_records_are_what_the_makers_make_from_zeros() -> None:
    # parts._blank builds them with the classes' own constructors (no maker compiled for a part not read).
    from hostward.store.layout import _makers
    from hostward.store.parts import _blank

    make, zeros = _makers(), [0] * 400
    blank = _blank()
    assert repr(blank.cpu) == repr(make.cpu_stat(zeros, 0, make.cpu_times(zeros, 0), ()))
    assert repr(blank.load) == repr(make.load(zeros, 0, 0.0, 0.0, 0.0))
    assert repr(blank.memory) == repr(make.memory(zeros, 0, frozenset()))
    assert repr(blank.vmstat) == repr(make.vmstat(zeros, 0))


def test_a_decoder_follows_each_shape_with_that_shapes_builder(tmp_path: Path) -> None:
    """The decoder keeps the parts builder of the shape it follows (PartsBuilder.builder, issue 17): a CPU that
    goes offline and comes back changes the shape twice, and each sample's CPU lines read as written."""
    samples = busy(12)
    for i in range(4, 8):
        cpu = samples[i].cpu
        samples[i] = dataclasses.replace(
            samples[i], cpu=dataclasses.replace(cpu, per_cpu=(cpu.per_cpu[0], None))
        )
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST, keyframe_every=3) as writer:
        for sample in samples:
            writer.write_sample(sample)
    for parts in (frozenset({"cpu"}), frozenset({"cpu", "load"})):
        data = read_file(path, processes=False, parts=parts)
        assert [e.cpu for e in data.entries if isinstance(e, SystemSample)] == [s.cpu for s in samples]
        assert [e.cpu.per_cpu[1] is None for e in data.entries if isinstance(e, SystemSample)] == [
            4 <= i < 8 for i in range(12)
        ]
