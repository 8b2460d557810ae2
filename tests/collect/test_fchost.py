"""The Fibre Channel collector on constructed /sys trees (this machine has no adapter: a real HBA's sysfs files
are not read here; tests/store/sysstat/test_sysstat_fc.py has the real sadc read the same kind of tree).
The counter parser is checked against the C library's own ``sscanf("%lx")``, which sadc uses."""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from hostward.collect.fchost import COUNTERS, FcHost, fc_hosts, fc_statistics, parse_counter, read_fchosts
from hostward.collect.sample import OPTIONAL_READERS
from hostward.recorder.selection import DEFAULT, groups_for

_LIBC = ctypes.CDLL(ctypes.util.find_library("c"))


def sscanf_lx(text: str) -> int:
    """What sadc stores for a line: ``unsigned long v = 0; sscanf(line, "%lx", &v)``."""
    value = ctypes.c_ulong(0)
    _LIBC.sscanf(text.encode("utf-8", "surrogateescape"), b"%lx", ctypes.byref(value))
    return value.value


def _host(root: Path, name: str, **values: str) -> None:
    stats = root / "class/fc_host" / name / "statistics"
    stats.mkdir(parents=True)
    for counter, text in values.items():
        (stats / counter).write_text(text)


def test_counters_of_each_adapter_in_directory_order(tmp_path: Path) -> None:
    _host(tmp_path, "host4", rx_frames="0x72400\n", tx_frames="0x10\n", rx_words="0x0\n", tx_words="0xabc\n")
    _host(tmp_path, "host1", **{c: "0x1\n" for c in COUNTERS})
    (tmp_path / "class/fc_host/rport-1:0-0").mkdir()  # other entries are not adapters
    hosts = fc_statistics(tmp_path)
    assert hosts is not None
    assert {h.name: h for h in hosts} == {
        "host4": FcHost("host4", 0x72400, 0x10, 0, 0xABC),
        "host1": FcHost("host1", 1, 1, 1, 1),
    }
    listed = [p.name for p in (tmp_path / "class/fc_host").iterdir() if p.name.startswith("host")]
    assert [h.name for h in hosts] == listed  # readdir order, as sadc's
    assert fc_hosts(tmp_path) == ("host1", "host4")


def test_no_adapter_is_nothing_recorded(tmp_path: Path) -> None:
    assert fc_statistics(tmp_path) is None  # no class directory
    (tmp_path / "class/fc_host/rport-0:0-1").mkdir(parents=True)
    assert fc_statistics(tmp_path) is None  # a directory without host* entries
    assert fc_hosts(tmp_path) == ()


def test_bad_files_read_as_sadc_reads_them_without_raising(tmp_path: Path) -> None:
    _host(tmp_path, "host0", rx_frames="garbage\n", tx_frames="", rx_words="0x1" + "0" * 30 + "\n")
    (tmp_path / "class/fc_host/host0/statistics/tx_words").mkdir()  # not a file
    _host(tmp_path, "host9")  # no statistics files at all
    (tmp_path / "class/fc_host/host10").mkdir(parents=True)  # not even a statistics directory
    (tmp_path / "class/fc_host/host11").symlink_to(tmp_path / "nowhere")  # a dangling link
    hosts = {h.name: h for h in fc_statistics(tmp_path) or ()}
    assert hosts == {
        "host0": FcHost("host0", 0, 0, (1 << 64) - 1, 0),
        "host9": FcHost("host9"),
        "host10": FcHost("host10"),
        "host11": FcHost("host11"),
    }


def test_the_reader_is_an_optional_record_of_the_disk_group() -> None:
    assert OPTIONAL_READERS["fchosts"] == ("hostward.collect.fchost", "read_fchosts")
    assert "fchosts" in groups_for(DEFAULT) and "fchosts" in groups_for(("DISK",))
    assert "fchosts" not in groups_for(("SNMP",))
    if not Path("/sys/class/fc_host").exists():  # these machines: no adapter, nothing to record
        assert read_fchosts(lambda _path: None) is None


@given(st.text(alphabet="0123456789abcdefxX+- \t\nzg\u00b2", max_size=40))
def test_parse_counter_is_the_c_librarys_sscanf(text: str) -> None:
    assert parse_counter(text) == sscanf_lx(text)


@given(st.integers(min_value=0, max_value=(1 << 80)))
def test_parse_counter_of_kernel_style_hex(value: int) -> None:
    line = f"0x{value:x}\n"
    assert parse_counter(line) == min(value, (1 << 64) - 1) == sscanf_lx(line)
