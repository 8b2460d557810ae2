"""sar -n FC against the real sadc, sar and sadf. This machine has no Fibre Channel adapter, so the adapters are
made: a tree of ``class/fc_host/hostN/statistics/{rx,tx}_{frames,words}`` files is bind-mounted over /sys/class
in a private mount namespace (``unshare -m``, root), where the real ``sadc -S DISK`` reads it as it reads a real
HBA's sysfs files, and writes A_NET_FC records. Proved here: hostward imports them and ``hostward sar -n FC``
(also -n ALL, -A, -p, in each locale sysstat writes) is byte for byte ``sar -n FC -f``; sadf -d/-p/-x are sadf's
bytes, -j the same objects; and hostward's collector, reading the same tree, finds what sadc recorded, bad
files included (not hexadecimal, too big, negative, missing). A real adapter's sysfs driver is not exercised.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.conftest import require_binary, require_root, unavailable
from tests.report.sidebyside import run_hostward, run_sadf
from tests.store.sysstat.conftest import (
    LOCALES,
    XallDay,
    assert_sars_bytes,
    locale_env,
    run_hostward_sar,
    run_sar,
)

from hostward.collect.fchost import COUNTERS, FcHost, fc_statistics
from hostward.collect.sample import SystemSample
from hostward.store.sysstat import import_files
from hostward.store.sysstat.sa_decode import decode_sa
from hostward.store.sysstat.sa_format import parse_sa

pytestmark = pytest.mark.peer

FLAGS: tuple[tuple[str, ...], ...] = (
    ("-n", "FC"),
    ("-n", "FC", "-p"),
    ("-n", "DEV,FC"),
    ("-n", "ALL"),
    ("-A",),
)


def _write(tree: Path, host: str, values: dict[str, str]) -> None:
    """Each counter replaced whole (a temp file renamed over it): written in place, sadc could read the file
    between its truncation and the write, take a smaller value, and print the next interval's wrap-around."""
    stats = tree / "fc_host" / host / "statistics"
    stats.mkdir(parents=True, exist_ok=True)
    for name, text in values.items():
        temp = stats / f".{name}.new"
        temp.write_text(text)
        temp.replace(stats / name)


def _counters(host: str, tick: int) -> dict[str, str]:
    base = {"host0": 0x72400, "host3": 0x10, "host12": 0xFFFFFFFF00}[host]
    step = {"host0": 40960, "host3": 7, "host12": 1 << 31}[host]
    return {c: f"0x{base + tick * step * (k + 1):x}\n" for k, c in enumerate(COUNTERS)}


def run_sadc_over(tree: Path, sa: Path, interval_count: tuple[int, int]) -> None:
    """The real ``sadc -S DISK INTERVAL COUNT sa`` with ``tree`` as its /sys/class (a private mount namespace)."""
    require_root()
    found = require_binary("sadc", "unshare", "mount")
    script = 'mount --bind "$1" /sys/class && exec "$2" -S DISK "$3" "$4" "$5"'
    interval, count = interval_count
    result = subprocess.run(
        [found["unshare"], "-m", "--propagation", "private", "sh", "-c", script, "sh", str(tree), found["sadc"],
         str(interval), str(count), str(sa)],
        capture_output=True, text=True, env=locale_env(LOCALES["C"]), timeout=60, check=False,
    )  # fmt: skip
    if result.returncode != 0 and "unshare" in result.stderr + result.stdout and not sa.exists():
        unavailable(f"no private mount namespace here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr


@contextmanager
def _moving(tree: Path) -> Iterator[None]:
    """The adapters' counters move every 0.3 s while sadc samples; host12 appears after the first sample."""
    stop = threading.Event()

    def run() -> None:
        tick = 0
        while not stop.wait(0.3):
            tick += 1
            for host in ("host0", "host3") + (("host12",) if tick > 4 else ()):
                _write(tree, host, _counters(host, tick))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@pytest.fixture(scope="module")
def fc_day(tmp_path_factory: pytest.TempPathFactory) -> XallDay:
    work = tmp_path_factory.mktemp("fc")
    tree = work / "class"
    for host in ("host0", "host3"):
        _write(tree, host, _counters(host, 0))
    (tree / "fc_host" / "rport-0:0-1").mkdir()  # not a host: sadc and hostward skip it
    sa = work / "sa"
    with _moving(tree):
        run_sadc_over(tree, sa, (1, 5))
    done = import_files([sa], work / "data")
    assert done[0].kind == "sa" and done[0].added == 5
    assert not any("A_NET_FC" in note for note in done[0].skipped), done[0].skipped
    return XallDay(sa, work / "data" / f"hw{done[0].days[0]:%Y%m%d}", require_binary("sar")["sar"])


@pytest.mark.parametrize("name", list(LOCALES))
def test_imported_fc_statistics_are_sars_bytes(fc_day: XallDay, name: str) -> None:
    ours = assert_sars_bytes(fc_day, FLAGS, name)
    text = ours[0]
    assert "FCHOST" in text and " host0\n" in text and " host3\n" in text
    assert any(
        line.split()[1] not in ("0.00", "0,00") for line in text.splitlines() if line.endswith("host0")
    )


def test_an_adapter_that_appears_reads_from_zero_as_in_sar(fc_day: XallDay) -> None:
    ours = run_hostward_sar((("-n", "FC"),), fc_day.day_file, LOCALES["C"])[0]
    assert " host12\n" in ours
    assert ours == run_sar(fc_day.sar, ("-n", "FC"), fc_day.sa, LOCALES["C"])


@pytest.mark.parametrize("mode", ["-d", "-p", "-j", "-x"])
def test_imported_sadf_output_is_sadfs(fc_day: XallDay, mode: str) -> None:
    env = locale_env(LOCALES["C"])
    for report in (["-n", "FC"], ["-n", "FC,DEV"]):
        theirs = run_sadf([mode], fc_day.sa, report, env)
        ours = run_hostward("sadf", [mode, str(fc_day.day_file), "--", *report], env=env)
        assert ours.returncode == 0, ours.stderr
        if mode == "-j":
            stats_t = json.loads(theirs)["sysstat"]["hosts"][0]["statistics"]
            stats_o = json.loads(ours.stdout)["sysstat"]["hosts"][0]["statistics"]
            assert [s["network"] for s in stats_o] == [s["network"] for s in stats_t], report
            assert "fchosts" in stats_o[-1]["network"]
        else:
            assert ours.stdout == theirs, report


BAD = {
    "host0": {"rx_frames": "0x1f\n", "tx_frames": "zz\n", "rx_words": "0x" + "f" * 20 + "\n", "tx_words": "-5\n"},
    "host1": {"rx_frames": "  0X2a junk\n", "tx_frames": "", "rx_words": "123456789abcdef0\n"},  # tx_words missing
    "host2": {"rx_frames": "0x\n", "tx_frames": "+0x10\n", "rx_words": "\u00b2\n", "tx_words": "0xffffffffffffffff\n"},
    "host_with_a_long_name_x": {c: "0x1\n" for c in COUNTERS},
}  # fmt: skip


def test_the_collector_reads_what_sadc_records_bad_files_included(tmp_path: Path) -> None:
    tree = tmp_path / "class"
    for host, values in BAD.items():
        _write(tree, host, values)
    (tree / "fc_host" / "host2" / "statistics" / "tx_words").unlink()
    (tree / "fc_host" / "host2" / "statistics" / "tx_words").mkdir()  # a directory: fgets fails
    sa = tmp_path / "sa"
    run_sadc_over(tree, sa, (1, 1))
    entries = decode_sa(parse_sa(sa.read_bytes(), str(sa))).entries
    recorded = [e.fchosts for e in entries if isinstance(e, SystemSample)]
    assert len(recorded) == 1 and recorded[0] is not None
    ours = fc_statistics(tmp_path)  # the same tree, as hostward's recorder reads /sys
    assert ours == recorded[0]
    by_name = {h.name: h for h in ours or ()}
    assert by_name["host0"] == FcHost("host0", 0x1F, 0, (1 << 64) - 1, (1 << 64) - 5)
    assert by_name["host1"] == FcHost("host1", 0x2A, 0, 0x123456789ABCDEF0, 0)
    assert by_name["host2"] == FcHost("host2", 0, 0x10, 0, 0)
    assert by_name["host_with_a_lon"] == FcHost("host_with_a_lon", 1, 1, 1, 1)  # 15 bytes: MAX_FCH_LEN - 1
