"""``hostward sadf -p`` against sysstat 12.6's ``sadf -p`` on the same sa file (recorded by sadc -S XALL with a
comment and a LINUX RESTART, imported): byte for byte, every report hostward has, in every time form."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import unavailable
from tests.store.sysstat.conftest import LOCALES, available, locale_env, restart_import

# sadf writes one activity after the other, so a few invocations cover every report hostward has.
REPORTS: tuple[tuple[str, ...], ...] = (
    ("-u",),
    ("-u", "ALL"),
    (
        "-P",
        "ALL",
        "-q",
        "ALL",
        "-r",
        "ALL",
        "-S",
        "-W",
        "-B",
        "-b",
        "-H",
        "-v",
        "-d",
        "-w",
        "-n",
        "DEV,EDEV,SOCK,SOCK6,IP,EIP,TCP,ETCP,UDP",
    ),
)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    return restart_import(tmp_path_factory.mktemp("sadf_p"), "a comment", "sadf")


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env, timeout=120)
    assert (done.returncode, done.stderr) == (0, ""), argv
    return done.stdout


@pytest.mark.parametrize("name", list(LOCALES))
def test_sadf_p_is_sadfs_bytes(recorded: tuple[Path, Path, str], name: str) -> None:
    sa, day_file, sadf = recorded
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    env = locale_env(loc)
    for options in ((), ("-t",), ("-U",), ("-C",)) if name == "C" else ((), ("-C",)):
        for report in REPORTS:
            argv = ["-p", *options]
            ours = _run([sys.executable, "-m", "hostward", "sadf", *argv, str(day_file), "--", *report], env)
            theirs = _run([sadf, *argv, str(sa), "--", *report], env)
            assert ours == theirs, f"sadf {argv} -- {report}:\n{ours}\n--- sadf:\n{theirs}"
    ours = _run([sys.executable, "-m", "hostward", "sadf", "-p", str(day_file), "--", "-C", "-P", "ALL"], env)
    assert "\tCOM a comment\n" in ours and "\tLINUX-RESTART\t(" in ours and "\tcpu1\t%idle\t" in ours


def test_one_output_format_at_a_time() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hostward", "sadf", "-p", "-d"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert (
        done.stderr
        == "hostward sadf: choose exactly one output format: -d (CSV), -j (JSON), -p (awk), -x (XML) or -g (SVG)\n"
    )
