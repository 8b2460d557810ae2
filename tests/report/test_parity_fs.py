"""sar -F [MOUNT] and --fs=: hostward against sysstat on the same seconds, and an sa file imported.

The test mounts a loop ext4 filesystem and fills it (2 MB and 5 files a second, written mid-second, away from
the reads), so its free space and inode counts move between samples: its rows must be sar's bytes exactly,
the root filesystem's within the columns' tolerances (other processes write there between the reads).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import require_binary, unavailable
from tests.report.sidebyside import (
    Recording,
    environment,
    fill_step,
    filling,
    loop_filesystem,
    record,
    run_hostward,
    run_sar,
)
from tests.report.sidebyside_compare import compare
from tests.store.sysstat.conftest import LOCALES, available, locale_env, run_hostward_sar
from tests.store.sysstat.conftest import run_sar as run_sar_locale

from hostward.store.sysstat import import_files

pytestmark = [pytest.mark.peer, pytest.mark.root, pytest.mark.slow]


class Mounted:
    def __init__(self, recording: Recording, mountpoint: Path) -> None:
        self.recording = recording
        self.mountpoint = str(mountpoint)
        last = recording.samples[-1].filesystems or ()
        self.device = next(f.name for f in last if f.mountpoint == self.mountpoint)


@pytest.fixture(scope="module")
def mounted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mounted]:
    sadc = require_binary("sadc", "sar")["sadc"]
    work = tmp_path_factory.mktemp("parity-fs")
    with loop_filesystem(work) as mnt:
        recording = record(sadc, work, 6, groups="XDISK", after_sample=fill_step(mnt))
    yield Mounted(recording, mnt)


def _rows(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.endswith(f" {name}")]


@pytest.mark.parametrize("flags", [["-F"], ["-F", "MOUNT"], ["-d", "-F"], ["-F", "-p", "-d"]], ids=" ".join)
def test_report_matches_sar(mounted: Mounted, flags: list[str]) -> None:
    theirs = run_sar(flags, mounted.recording.safile)
    result = run_hostward("sar", [*flags, "-f", str(mounted.recording.hwfile)])
    assert result.returncode == 0 and result.stderr == ""
    assert compare(theirs, result.stdout) == []
    name = mounted.mountpoint if "MOUNT" in flags else mounted.device
    ours = _rows(result.stdout, name)
    assert ours == _rows(theirs, name)  # the loop filesystem's rows: sar's bytes
    assert len(ours) == 7  # six samples and the Summary line
    first, last = ours[0].split(), ours[-2].split()
    assert int(first[1]) > int(last[1]) + 8 and int(first[6]) < int(last[6])  # MBfsfree falls, Iused grows


@pytest.mark.parametrize("mount", [False, True], ids=["device", "MOUNT"])
def test_fs_filter(mounted: Mounted, mount: bool) -> None:
    name = mounted.mountpoint if mount else mounted.device
    flags = ["-F", *(["MOUNT"] if mount else []), f"--fs={name},/no/such"]
    theirs = run_sar(flags, mounted.recording.safile)
    ours = run_hostward("sar", [*flags, "-f", str(mounted.recording.hwfile)]).stdout
    assert ours == theirs
    assert len(_rows(ours, name)) == 7 and "/dev/vda" not in ours
    # sar matches the list against the name it shows: a device name does not select under -F MOUNT
    other = mounted.device if mount else mounted.mountpoint
    flags[-1] = f"--fs={other}"
    assert run_hostward("sar", [*flags, "-f", str(mounted.recording.hwfile)]).stdout == run_sar(
        flags, mounted.recording.safile
    )


def test_sadf_csv_and_json(mounted: Mounted) -> None:
    for flags in (["-F"], ["-F", "MOUNT"]):
        theirs = subprocess.run(
            ["sadf", "-d", str(mounted.recording.safile), "--", *flags],
            capture_output=True,
            text=True,
            check=True,
            env=environment(),
        ).stdout.splitlines()
        ours = run_hostward("sadf", ["-d", str(mounted.recording.hwfile), "--", *flags]).stdout.splitlines()
        assert ours[0] == theirs[0]
        name = mounted.mountpoint if "MOUNT" in flags else mounted.device
        assert [r for r in ours if f";{name};" in r] == [r for r in theirs if f";{name};" in r]
    theirs_j = json.loads(
        subprocess.run(
            ["sadf", "-j", str(mounted.recording.safile), "--", "-F"],
            capture_output=True,
            text=True,
            check=True,
            env=environment(),
        ).stdout
    )
    ours_j = json.loads(run_hostward("sadf", ["-j", str(mounted.recording.hwfile), "--", "-F"]).stdout)
    a, b = (j["sysstat"]["hosts"][0]["statistics"] for j in (theirs_j, ours_j))
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        loop_x = [f for f in x["filesystems"] if f["filesystem"] == mounted.device]
        loop_y = [f for f in y["filesystems"] if f["filesystem"] == mounted.device]
        assert loop_x == loop_y and len(loop_x) == 1
        assert [sorted(f) for f in x["filesystems"]] == [sorted(f) for f in y["filesystems"]]


@pytest.fixture(scope="module")
def xall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str, str]]:
    found = require_binary("sadc", "sar")
    work = tmp_path_factory.mktemp("xall-fs")
    sa = work / "sa"
    with loop_filesystem(work) as mnt, filling(mnt):
        subprocess.run(
            [found["sadc"], "-S", "XALL", "1", "4", str(sa)], check=True, env=locale_env(LOCALES["C"])
        )
    done = import_files([sa], work / "data")
    assert done[0].kind == "sa" and done[0].added == 4
    assert not any("A_FS (" in note for note in done[0].skipped)
    yield sa, work / "data" / f"hw{done[0].days[0]:%Y%m%d}", found["sar"], str(mnt)


@pytest.mark.parametrize("name", list(LOCALES))
def test_imported_filesystems_are_sars_bytes(xall: tuple[Path, Path, str, str], name: str) -> None:
    sa, day_file, sar, mnt = xall
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    flag_sets = (("-F",), ("-F", "MOUNT"), ("-F", "MOUNT", f"--fs={mnt}"), ("-u", "-F", "-p"), ("-h", "-F"),
                 ("-F", "--dec=0"))  # fmt: skip
    ours = run_hostward_sar(flag_sets, day_file, loc)
    for flags, text in zip(flag_sets, ours, strict=True):
        assert text == run_sar_locale(sar, flags, sa, loc), f"sar {' '.join(flags)} in {name}"
    assert len(_rows(ours[2], mnt)) == 4  # three samples and the summary


def test_filesystems_sit_where_sar_a_puts_them(xall: tuple[Path, Path, str, str]) -> None:
    sa, day_file, sar, _ = xall
    ours = run_hostward_sar((("-A",),), day_file, LOCALES["C"])[0]
    theirs = run_sar_locale(sar, ("-A",), sa, LOCALES["C"])
    block = ours[ours.index("MBfsfree") - 11 :].split("\n\n")[0]
    assert block in theirs and block.count("\nSummary:") == 2
    headers = ("tcp6sck", "MBfsfree", "%scpu-10")
    assert sorted(headers, key=ours.index) == list(headers) == sorted(headers, key=theirs.index)
