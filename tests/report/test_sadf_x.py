"""``hostward sadf -x`` against sysstat 12.6.1's ``sadf -x``: byte for byte on sa files recorded by the real sadc
(``-S XALL`` under traffic, and one with a comment and a LINUX RESTART) and imported, for every report and the
options sadf -x takes, in the locales sysstat writes."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tests.conftest import require_binary
from tests.report.sidebyside import socket_traffic
from tests.store.sysstat.conftest import (
    LOCALES,
    SRC,
    XallDay,
    locale_env,
    locale_or_unavailable,
    restart_import,
    xall_import,
)

pytestmark = pytest.mark.peer

# Every report sadf -x writes, alone and together; sadf writes one activity after the other inside each
# <timestamp>, so these cover each element, each view (-u ALL, -r ALL) and the shared ones (-r with -S).
REPORTS: tuple[tuple[str, ...], ...] = (
    ("-A",),
    ("-u",),
    ("-u", "ALL", "-P", "1"),
    ("-r", "-S"),
    ("-r", "ALL"),
    ("-S",),
    ("-I", "SUM"),
    ("-I", "ALL", "-P", "ALL"),
    ("-b", "-B", "-W", "-H", "-v", "-y", "-d", "-w", "-q"),
    ("-q", "ALL"),
    ("-q", "PSI"),
    ("-n", "DEV"),
    ("-n", "DEV,EDEV", "--iface=lo"),
    ("-n", "ALL"),
    ("-n", "SOCK,TCP,SOFT"),
    ("-d", "-p", "-F", "MOUNT"),
    ("-F",),
    ("-m", "CPU", "-P", "0"),
)

_LOOP = """
import sys
from hostward.cli.sadf import run
for argv in sys.argv[1:]:
    run(argv.split("\\x01"))
    sys.stdout.write("\\x00")
    sys.stdout.flush()
"""


def ours(runs: list[list[str]], env: dict[str, str]) -> list[str]:
    """``hostward sadf ARGV`` for each argv, in one interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _LOOP, *("\x01".join(argv) for argv in runs)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )
    assert (done.returncode, done.stderr) == (0, "")
    return done.stdout.split("\x00")[: len(runs)]


def theirs(sadf: str, argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sadf, *argv], capture_output=True, text=True, check=True, env=env, timeout=60)
    return done.stdout


def assert_same(
    sadf: str,
    sa: Path,
    day_file: Path,
    *,
    options: list[tuple[str, ...]],
    reports: tuple[tuple[str, ...], ...],
    env: dict[str, str],
) -> None:
    runs = [(["-x", *o], list(r)) for o in options for r in reports]
    got = ours([[*before, str(day_file), "--", *after] for before, after in runs], env)
    for (before, after), text in zip(runs, got, strict=True):
        expected = theirs(sadf, [*before, str(sa), "--", *after], env)
        assert text == expected, f"sadf {before} -- {after}:\n{text[:3000]}\n--- sadf:\n{expected[:3000]}"


@pytest.fixture(scope="module")
def xall(tmp_path_factory: pytest.TempPathFactory) -> tuple[XallDay, str]:
    sadf = require_binary("sadf")["sadf"]
    return xall_import(tmp_path_factory, "sadf_x", traffic=lambda _: socket_traffic()), sadf


def test_every_report_is_sadfs_bytes(xall: tuple[XallDay, str]) -> None:
    day, sadf = xall
    assert_same(sadf, day.sa, day.day_file, options=[()], reports=REPORTS, env=locale_env(LOCALES["C"]))


@pytest.mark.parametrize("name", ["de_DE", "en_US", "ISO"])
def test_sadf_x_A_in_each_locale(xall: tuple[XallDay, str], name: str) -> None:
    """sadf writes XML values with the locale's decimal point (1,50 in de_DE), dates always ISO."""
    day, sadf = xall
    env = locale_env(locale_or_unavailable(name))
    assert_same(sadf, day.sa, day.day_file, options=[(), ("-t",)], reports=(("-A",), ("-q",)), env=env)


def test_the_document_holds_what_sar_records(xall: tuple[XallDay, str]) -> None:
    """Not an empty shell that happens to match: every activity is there with items and moving values."""
    day, _ = xall
    text = ours([["-x", str(day.day_file), "--", "-A"]], locale_env(LOCALES["C"]))[0]
    ns = {"s": "http://pagesperso-orange.fr/sebastien.godard/sysstat"}
    root = ET.fromstring(text)
    stamps = root.findall("s:host/s:statistics/s:timestamp", ns)
    assert len(stamps) == 3
    tags = {child.tag.split("}")[1] for child in stamps[0]}
    assert {"cpu-load", "interrupts", "memory", "disk", "network", "filesystems", "psi", "queue"} <= tags
    cpus = stamps[0].findall("s:cpu-load/s:cpu", ns)
    assert [c.get("number") for c in cpus][:2] == ["all", "0"]
    assert float(stamps[0].findall("s:network/s:net-tcp", ns)[0].get("active", "x")) > 0  # socket_traffic


@pytest.fixture(scope="module")
def restarted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """sadc -S XALL: three samples, a comment, a LINUX RESTART, three more; imported."""
    return restart_import(tmp_path_factory.mktemp("sadf_x_restart"), "deployed v2", "sadf")


def test_restarts_comments_windows_and_counts_are_sadfs(restarted: tuple[Path, Path, str]) -> None:
    sa, day_file, sadf = restarted
    env = locale_env(LOCALES["C"])
    stamps = re.findall(
        r'time="(\d\d:\d\d:\d\d)" utc="1" interval', theirs(sadf, ["-x", str(sa), "--", "-q"], env)
    )
    assert len(stamps) == 4  # two intervals before the restart, two after
    options: list[tuple[str, ...]] = [
        (), ("-C",), ("-t",), ("-T",), ("-U",), ("-C", "-t"), ("1", "1"), ("2",), ("-C", "2", "1"),
        ("-s", stamps[1]), ("-e", stamps[2]), ("-s", stamps[1], "-e", stamps[2], "-C"),
    ]  # fmt: skip
    assert_same(
        sadf, sa, day_file, options=options, reports=(("-A",), ("-q", "-C"), ("-P", "1", "-r")), env=env
    )
    text = ours([["-x", "-C", str(day_file), "--", "-q"]], env)[0]
    assert '<comment date="' in text and 'com="deployed v2"/>' in text and "<boot date=" in text


def test_imported_text_history_is_refused_for_xml(tmp_path: Path) -> None:
    """A day known only from imported sar text has no counters: -x says so in one line, exit 2."""
    sar_text = tmp_path / "sar.txt"
    sar_text.write_text(
        "Linux 6.1.0 (box) \t11/26/2026 \t_x86_64_\t(2 CPU)\n\n"
        "10:00:01 AM     CPU     %user     %nice   %system   %iowait    %steal     %idle\n"
        "10:10:01 AM     all      1.00      0.00      1.00      0.00      0.00     98.00\n"
    )
    env = {**locale_env(LOCALES["C"]), "PYTHONPATH": str(SRC)}
    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "hostward"]
    subprocess.run(
        [*cmd, "import", "--data-dir", str(data), str(sar_text)], check=True, env=env, capture_output=True
    )
    done = subprocess.run(
        [*cmd, "sadf", "-x", "--data-dir", str(data), "--date", "2026-11-26"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "sadf -x of imported text history is not available" in done.stderr
