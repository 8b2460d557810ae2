"""The whole of ``sar -A``: an sa file recorded by the real sadc with ``-S XALL`` while the test moves the
counters (TCP and UDP on IPv4 and IPv6, disk writes), imported by hostward, then ``hostward sar -A`` on the
imported day is byte for byte ``sar -A -f`` on the sa file, every section, in every locale sysstat writes."""

from __future__ import annotations

import difflib
import os
import subprocess
from pathlib import Path

import pytest
from tests.conftest import require_binary, unavailable
from tests.report.sidebyside import socket_traffic
from tests.store.sysstat.conftest import LOCALES, available, locale_env, run_hostward_sar, run_sar

from hostward.store.sysstat import import_files

pytestmark = pytest.mark.peer


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, tuple[str, ...]]:
    found = require_binary("sadc", "sar")
    work = tmp_path_factory.mktemp("xall-all")
    sa = work / "sa"
    scratch = work / "scratch"
    with socket_traffic():
        sadc = subprocess.Popen(
            [found["sadc"], "-S", "XALL", "1", "5", str(sa)], env=locale_env(LOCALES["C"])
        )
        for _ in range(20):  # disk writes that reach the device, so the -d and -b columns move too
            scratch.write_bytes(os.urandom(1 << 20))
            os.sync()
        assert sadc.wait(30) == 0
    done = import_files([sa], work / "data")
    assert done[0].kind == "sa" and done[0].added == 5
    dropped = tuple(note for note in done[0].skipped if note.startswith("dropped"))
    return sa, work / "data" / f"hw{done[0].days[0]:%Y%m%d}", found["sar"], dropped


@pytest.mark.parametrize("name", list(LOCALES))
def test_sar_A_of_an_imported_xall_file_is_sars(
    recorded: tuple[Path, Path, str, tuple[str, ...]], name: str
) -> None:
    sa, day_file, sar, dropped = recorded
    assert dropped == ()  # no activity of the file is left behind
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    ours = run_hostward_sar((("-A",),), day_file, loc)[0]
    theirs = run_sar(sar, ("-A",), sa, loc)
    diff = "".join(difflib.unified_diff(theirs.splitlines(True), ours.splitlines(True), "sar -A", "hostward"))
    assert ours == theirs, f"in {name}:\n{diff[:6000]}"
