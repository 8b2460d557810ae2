"""A real unprivileged user (nobody, via setpriv) plants symlinks and hard links at every name a root-side
hostward command could write, with the kernel's fs.protected_symlinks/protected_hardlinks turned off (as on
hosts that lack them); then root runs the command. No file outside the intended output may change.

The planted names: the final output names, the old predictable ``.<name>.<pid>.tmp`` names for the next few
hundred pids, the recorder's lock file, today's day file, events.jsonl, a PNG output directory made by nobody.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import FIXTURES, require_binary, require_root, unavailable

pytestmark = [pytest.mark.root, pytest.mark.slow]

NOBODY = 65534
PID_SPAN = 400  # old temp names are planted for this many pids after the last one the kernel handed out
SYSCTLS = (Path("/proc/sys/fs/protected_symlinks"), Path("/proc/sys/fs/protected_hardlinks"))
DATA_FILE = FIXTURES / "store" / "hw20261127-format1"
SAR_TEXT = FIXTURES / "import" / "midnight-C.txt"

PLANT = r"""
import os, sys
kind, victim, *names = sys.argv[1:]
for name in names:
    if os.path.lexists(name):
        continue
    if kind == "symlink":
        os.symlink(victim, name)
    else:
        os.link(victim, name)
"""


@contextlib.contextmanager
def links_unprotected() -> Iterator[None]:
    """fs.protected_symlinks=0 and fs.protected_hardlinks=0 inside, restored whatever happens."""
    saved = {path: path.read_text() for path in SYSCTLS}
    try:
        for path in SYSCTLS:
            try:
                path.write_text("0\n")
            except OSError as exc:
                unavailable(f"cannot write {path}: {exc.strerror}")
        yield
    finally:
        for path, value in saved.items():
            path.write_text(value)


@pytest.fixture
def unprotected_links() -> Iterator[None]:
    require_root()
    with links_unprotected():
        yield


@pytest.fixture
def farm(public_tmp: Path, unprotected_links: None) -> Path:
    """public_tmp with ``victims/`` (root's files, 0644) and ``sticky/`` (1777, like /tmp)."""
    (public_tmp / "victims").mkdir(mode=0o755)
    for name in ("passwd", "shadow"):
        (public_tmp / "victims" / name).write_text(f"{name}: root's file, must not change\n")
        (public_tmp / "victims" / name).chmod(0o644)
    sticky = public_tmp / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    return public_tmp


def _victim_digests(farm: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((farm / "victims").iterdir())}


def _as_nobody(*argv: str) -> None:
    setpriv = require_binary("setpriv")["setpriv"]
    subprocess.run(
        [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", *argv],
        check=True,
        timeout=60,
        capture_output=True,
        env={"PATH": os.defpath},
    )


def _plant(kind: str, victim: Path, names: list[Path]) -> None:
    """As nobody: a symlink (or hard link) to ``victim`` at every name that is free."""
    _as_nobody("/usr/bin/python3", "-c", PLANT, kind, str(victim), *map(str, names))
    planted = [
        n for n in names if n.is_symlink() or (kind == "hardlink" and n.exists() and n.stat().st_nlink > 1)
    ]
    assert planted, "nothing could be planted: the test would prove nothing"


def _old_temp_names(directory: Path, name: str) -> list[Path]:
    last = int(Path("/proc/sys/kernel/ns_last_pid").read_text())
    return [directory / f".{name}.{pid}.tmp" for pid in range(last + 1, last + 1 + PID_SPAN)]


def _hostward(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hostward", *args],
        capture_output=True,
        text=True,
        timeout=120,  # the old code hung on some planted names: fail, do not wait
        check=False,
        env={**os.environ, "HOSTWARD_CONFIG": os.devnull},
    )


def _day_name() -> str:
    return f"hw{dt.date.today():%Y%m%d}"


KINDS = ["symlink", "hardlink"]


@pytest.mark.parametrize("kind", KINDS)
def test_plot_pdf_into_a_sticky_directory(farm: Path, kind: str) -> None:
    before = _victim_digests(farm)
    target = farm / "sticky" / "report.pdf"
    _plant(kind, farm / "victims" / "passwd", [target, *_old_temp_names(target.parent, target.name)])
    proc = _hostward("plot", "-f", str(DATA_FILE), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert _victim_digests(farm) == before
    info = target.lstat()
    assert stat.S_ISREG(info.st_mode) and info.st_uid == 0 and info.st_nlink == 1
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("kind", KINDS)
def test_plot_png_into_a_directory_nobody_made(farm: Path, kind: str) -> None:
    """nobody creates the output directory first (0777, theirs) and fills it with links at the file names."""
    scratch = farm / "scratch"
    assert _hostward("plot", "-f", str(DATA_FILE), "--format", "png", "-o", str(scratch)).returncode == 0
    names = sorted(p.name for p in scratch.iterdir())
    shutil.rmtree(scratch)
    out = farm / "sticky" / "pngs"
    _as_nobody(
        "/usr/bin/python3",
        "-c",
        "import os, sys; os.mkdir(sys.argv[1]); os.chmod(sys.argv[1], 0o777)",
        str(out),
    )
    before = _victim_digests(farm)
    plant = [out / n for n in names] + [t for n in names[:3] for t in _old_temp_names(out, n)]
    _plant(kind, farm / "victims" / "shadow", plant)
    proc = _hostward("plot", "-f", str(DATA_FILE), "--format", "png", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert _victim_digests(farm) == before
    for name in names:
        info = (out / name).lstat()
        assert stat.S_ISREG(info.st_mode) and info.st_uid == 0 and info.st_nlink == 1


def _data_dir_names(data_dir: Path) -> list[Path]:
    day = _day_name()
    return [
        data_dir / ".hostward-record.lock",
        data_dir / day,
        data_dir / "events.jsonl",
        data_dir / "imported",
        *_old_temp_names(data_dir, day),
        *_old_temp_names(data_dir, f"{day}.xz"),
    ]


ROOT_WRITERS = {
    "record": ["record", "--interval", "1", "--count", "1", "--data-dir"],
    "comment": ["record", "--comment", "planted", "--data-dir"],
    "import": ["import", str(SAR_TEXT), "--data-dir"],
}


@pytest.mark.parametrize("owner", ["root", "nobody"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", sorted(ROOT_WRITERS))
def test_data_directory_others_can_write(farm: Path, kind: str, command: str, owner: str) -> None:
    """A data directory writable by nobody (root's with mode 1777, or nobody's own): root refuses to write."""
    data_dir = farm / "sticky" / "data"
    if owner == "root":
        data_dir.mkdir()
        data_dir.chmod(0o1777)
    else:
        _as_nobody("/usr/bin/python3", "-c", "import os, sys; os.mkdir(sys.argv[1], 0o755)", str(data_dir))
    before = _victim_digests(farm)
    _plant(kind, farm / "victims" / "passwd", _data_dir_names(data_dir))
    planted = sorted(p.name for p in data_dir.iterdir())
    proc = _hostward(*ROOT_WRITERS[command], str(data_dir))
    assert proc.returncode == 1, proc.stderr
    why = "writable by group and others" if owner == "root" else f"owned by uid {NOBODY}"
    assert proc.stderr.count("\n") == 1 and f"refusing data directory {data_dir}: it is {why}" in proc.stderr
    assert _victim_digests(farm) == before
    assert sorted(p.name for p in data_dir.iterdir()) == planted  # root created nothing there


def test_sysctls_are_restored() -> None:
    """The farm leaves the host as it found it, even when the test inside fails."""
    require_root()
    saved = [p.read_text() for p in SYSCTLS]
    with pytest.raises(RuntimeError), links_unprotected():
        assert [p.read_text() for p in SYSCTLS] == ["0\n", "0\n"]
        raise RuntimeError("a failing test")
    assert [p.read_text() for p in SYSCTLS] == saved
