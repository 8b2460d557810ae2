"""``sar -j {SID|ID|LABEL|PATH|UUID|...}``: block devices under their /dev/disk/by-* names, the pretty layout.

Against the real sar on one sa file for every type: where this host has the directory both print the same
bytes, where it has none both stop with exit status 1 and one line. The renaming itself is checked on a
/dev/disk tree made in the test (this VM has no udev, so no /dev/disk at all)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import require_binary
from tests.store.sysstat.conftest import LOCALES, locale_env

from hostward.cli import main
from hostward.cli.sar_args import parse_sar_args
from hostward.cli.sar_options import disk_names
from hostward.collect import persistent
from hostward.collect.persistent import persistent_dir, persistent_names
from hostward.errors import CollectError, UsageError
from hostward.store.sysstat import import_files


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    found = require_binary("sadc", "sar")
    work = tmp_path_factory.mktemp("persistent")
    sa = work / "sa"
    subprocess.run([found["sadc"], "-S", "XALL", "1", "3", str(sa)], check=True, env=locale_env(LOCALES["C"]))
    done = import_files([sa], work / "data")
    return sa, work / "data" / f"hw{done[0].days[0]:%Y%m%d}", found["sar"]


def _disk_tree(root: Path) -> None:
    by_uuid = root / "by-uuid"
    by_uuid.mkdir(parents=True)
    (by_uuid / "b-second").symlink_to("../../vda")
    (by_uuid / "a-first").symlink_to("../../vda")  # alphabetically first: the one shown
    (by_uuid / "c-part").symlink_to("../../vda1")
    (by_uuid / "not-a-link").write_text("")


def test_names_are_read_as_sar_reads_them(tmp_path: Path) -> None:
    _disk_tree(tmp_path)
    assert persistent_dir("UUID", tmp_path) == tmp_path / "by-uuid"
    assert persistent_dir("label", tmp_path) is None
    assert persistent_names(tmp_path / "by-uuid") == {"vda": "a-first", "vda1": "c-part"}
    assert disk_names("SID", tmp_path) == {}
    with pytest.raises(CollectError, match="by-label does not exist on this host"):
        disk_names("label", tmp_path)


@pytest.mark.parametrize(("value", "ok"), [("UUID", "uuid"), ("SID", "SID"), ("PartUUID", "partuuid"), ("", None),
                                           ("../etc", None), ("x" * 31, None), ("x" * 30, "x" * 30)])  # fmt: skip
def test_type_words(value: str, ok: str | None) -> None:
    if ok is None:
        with pytest.raises(UsageError):
            parse_sar_args(["-d", "-j", value])
    else:
        args = parse_sar_args(["-d", "-j", value])
        assert args.persistent == ok and args.pretty


@pytest.mark.parametrize("kind", ["SID", "ID", "LABEL", "PATH", "UUID"])
def test_like_sar_on_this_host(imported: tuple[Path, Path, str], kind: str) -> None:
    sa, day_file, sar = imported
    env = locale_env(LOCALES["C"])
    theirs = subprocess.run([sar, "-d", "-j", kind, "-f", str(sa)], capture_output=True, text=True, env=env)
    ours = subprocess.run(
        [sys.executable, "-m", "hostward", "sar", "-d", "-j", kind, "-f", str(day_file)],
        capture_output=True,
        text=True,
        env=env,
    )
    if theirs.returncode == 0:
        assert (ours.returncode, ours.stdout, ours.stderr) == (0, theirs.stdout, "")
    else:  # no /dev/disk/by-<kind> here: sar says "Invalid type of persistent device name" and exits 1
        assert (theirs.returncode, ours.returncode, ours.stdout) == (1, 1, "")
        assert f"/dev/disk/by-{kind.lower()} does not exist on this host" in ours.stderr
        assert ours.stderr.count("\n") == 1


def test_devices_show_their_persistent_names_and_dev_filters_on_them(
    imported: tuple[Path, Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    utc: None,
) -> None:
    sa, day_file, sar = imported
    _disk_tree(tmp_path)
    monkeypatch.setattr(persistent, "DEV_DISK", tmp_path)
    pretty = subprocess.run(
        [sar, "-d", "-p", "-f", str(sa)],
        capture_output=True,
        text=True,
        check=True,
        env=locale_env(LOCALES["C"]),
    ).stdout
    assert main(["sar", "-d", "-j", "UUID", "-f", str(day_file)]) == 0
    out = capsys.readouterr().out
    assert " vda\n" in pretty
    assert out == pretty.replace(" vda\n", " a-first\n")
    assert main(["sar", "-d", "-j", "UUID", "--dev=a-first", "-f", str(day_file)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines()[3:] if line and not line.endswith("DEV")]
    assert rows and all(line.endswith(" a-first") for line in rows)
