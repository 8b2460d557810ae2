"""Real sysstat data made during the test run: ``sadc -S DISK 1 5`` in a temp dir, and sar/sadf output of it
in the locales sysstat writes (LANG=C, en_US, de_DE, S_TIME_FORMAT=ISO)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import require_binary, unavailable

from hostward.report.formatting import ReportFormat
from hostward.store.sysstat import import_files

SRC = Path(__file__).resolve().parents[3] / "src"


@dataclass(frozen=True)
class Locale:
    name: str
    env: dict[str, str]
    fmt: ReportFormat  # what hostward's from_environment() gives in that locale


LOCALES = {
    "C": Locale("C", {"LANG": "C"}, ReportFormat()),
    "en_US": Locale(
        "en_US", {"LANG": "en_US.UTF-8"}, ReportFormat(time_fmt="%I:%M:%S %p", date_fmt="%m/%d/%Y")
    ),
    "de_DE": Locale(
        "de_DE",
        {"LANG": "de_DE.UTF-8"},
        ReportFormat(
            time_fmt="%H:%M:%S", date_fmt="%d.%m.%Y", decimal_point=",", average_label="Durchschn.:"
        ),
    ),
    "ISO": Locale(
        "ISO",
        {"LANG": "en_US.UTF-8", "S_TIME_FORMAT": "ISO"},
        ReportFormat(time_fmt="%H:%M:%S", date_fmt="%Y-%m-%d"),
    ),
}

# Every report hostward defines, with sar's flags.
FLAG_SETS: tuple[tuple[str, ...], ...] = (
    ("-u",), ("-u", "ALL"), ("-P", "ALL"), ("-w",), ("-W",), ("-B",), ("-b",), ("-r",), ("-r", "ALL"), ("-S",),
    ("-q",), ("-d",), ("-n", "DEV"), ("-n", "EDEV"), ("-v",), ("-n", "SOCK"),
    ("-q", "PSI"), ("-q", "ALL"), ("-H",),
)  # fmt: skip


def locale_env(loc: Locale) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LC_") and k not in ("LANGUAGE", "S_TIME_FORMAT")
    }
    env.update(loc.env)
    env["TZ"] = "UTC"
    env["PYTHONPATH"] = str(SRC)
    return env


def available(loc: Locale) -> bool:
    lang = loc.env["LANG"]
    if lang == "C":
        return True
    names = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout.split()
    return lang.replace("UTF-8", "utf8") in names


def run_sar(sar: str, flags: tuple[str, ...], sa: Path, loc: Locale) -> str:
    return subprocess.run(
        [sar, *flags, "-f", str(sa)], capture_output=True, text=True, check=True, env=locale_env(loc)
    ).stdout


_HOSTWARD_SAR_LOOP = """
import sys
from hostward.cli.sar import run
for flags in sys.argv[2:]:
    run(flags.split() + ["-f", sys.argv[1]])
    sys.stdout.write("\\x00")
    sys.stdout.flush()
"""


def run_hostward_sar(flag_sets: tuple[tuple[str, ...], ...], day_file: Path, loc: Locale) -> list[str]:
    """``hostward sar FLAGS -f FILE`` for each flag set, in one interpreter in the locale's environment."""
    out = subprocess.run(
        [sys.executable, "-c", _HOSTWARD_SAR_LOOP, str(day_file), *(" ".join(f) for f in flag_sets)],
        capture_output=True,
        text=True,
        check=True,
        env=locale_env(loc),
    ).stdout
    return out.split("\x00")[: len(flag_sets)]


@dataclass(frozen=True)
class SysstatRun:
    sa: Path
    sar: str
    sadf: str
    workdir: Path


def clear_of_midnight(
    seconds: float,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Wait until a recording of ``seconds`` started now ends before midnight, in local time (hostward's day
    files) and in UTC (sadc here runs with TZ=UTC): a recording that crosses midnight is two days, and the tests
    compare one day's report with sar's. Near midnight this sleeps a few seconds; elsewhere not at all."""
    margin = seconds + 5.0  # sadc's start and the samples' drift
    while True:
        now = clock()
        local = time.localtime(now)
        since_local = local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec + now % 1
        to_midnight = min(86400.0 - now % 86400.0, 86400.0 - since_local)
        if to_midnight >= margin:
            return
        sleep(to_midnight + 1.0)


@pytest.fixture(scope="session")
def sysstat_run(tmp_path_factory: pytest.TempPathFactory) -> SysstatRun:
    found = require_binary("sadc", "sar", "sadf")
    work = tmp_path_factory.mktemp("sysstat")
    sa = work / "sa-test"
    clear_of_midnight(5)
    # -S DISK adds block devices (not recorded by default); 5 samples 1 s apart.
    subprocess.run(
        [found["sadc"], "-S", "DISK", "1", "5", str(sa)], check=True, env={**os.environ, "TZ": "UTC"}
    )
    return SysstatRun(sa, found["sar"], found["sadf"], work)


@dataclass(frozen=True)
class XallDay:
    """An sa file of ``sadc -S XALL 1 4`` (every activity, 4 samples) and the hostward day it imported to."""

    sa: Path
    day_file: Path
    sar: str


def xall_import(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    *,
    traffic: Callable[[Path], AbstractContextManager[object]] | None = None,
    kept: tuple[str, ...] = (),
) -> XallDay:
    """Record ``sadc -S XALL 1 4`` while ``traffic(workdir)`` moves the counters, import it, and check the four
    samples came in and none of the ``kept`` activities (sadc's A_ names) was set aside."""
    found = require_binary("sadc", "sar")
    work = tmp_path_factory.mktemp(name)
    sa = work / "sa"
    clear_of_midnight(4)
    with traffic(work) if traffic else nullcontext():
        subprocess.run(
            [found["sadc"], "-S", "XALL", "1", "4", str(sa)], check=True, env=locale_env(LOCALES["C"])
        )
    done = import_files([sa], work / "data")
    assert done[0].kind == "sa" and done[0].added == 4
    assert not any(f"{k} (" in note for note in done[0].skipped for k in kept), done[0].skipped
    return XallDay(sa, work / "data" / f"hw{done[0].days[0]:%Y%m%d}", found["sar"])


def locale_or_unavailable(name: str) -> Locale:
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    return loc


def assert_sars_bytes(day: XallDay, flag_sets: tuple[tuple[str, ...], ...], name: str) -> list[str]:
    """``hostward sar FLAGS`` of the imported day is byte for byte ``sar FLAGS -f sa`` for each flag set, in
    locale ``name``; returns hostward's outputs."""
    loc = locale_or_unavailable(name)
    ours = run_hostward_sar(flag_sets, day.day_file, loc)
    for flags, text in zip(flag_sets, ours, strict=True):
        theirs = run_sar(day.sar, flags, day.sa, loc)
        assert text == theirs, f"sar {' '.join(flags)} in {name}:\n{text}\n--- sar:\n{theirs}"
    return ours


def sar_a(day: XallDay) -> tuple[str, str]:
    """``sar -A`` of the imported day by hostward and by sar, in the C locale."""
    ours = run_hostward_sar((("-A",),), day.day_file, LOCALES["C"])[0]
    return ours, run_sar(day.sar, ("-A",), day.sa, LOCALES["C"])


def assert_sections_as_in_sar_a(day: XallDay, headers: tuple[str, ...]) -> None:
    """-A of the imported day: every header present, in sar's order, each block identical to sar's."""
    ours, theirs = sar_a(day)
    assert [h for h in headers if h in ours] == list(headers)
    assert sorted(headers, key=ours.index) == sorted(headers, key=theirs.index)
    for header in headers:
        block = ours[ours.index(header) - 11 :].split("\n\n")[0]
        assert block in theirs, header


def restart_import(work: Path, comment: str, peer: str) -> tuple[Path, Path, str]:
    """The real ``sadc -S XALL``: three samples, ``comment`` (sadc -C), a LINUX RESTART (sadc without an
    interval), three more; imported into ``work/data``. (sa file, hostward day file, the peer program's path)."""
    found = require_binary("sadc", peer)
    sa = work / "sa"
    env = locale_env(LOCALES["C"])
    for argv in (["-S", "XALL", "1", "3"], ["-C", comment], ["-S", "XALL"], ["-S", "XALL", "1", "3"]):
        subprocess.run([found["sadc"], *argv, str(sa)], check=True, env=env, timeout=60)
    done = import_files([sa], work / "data")
    return sa, work / "data" / f"hw{done[0].days[0]:%Y%m%d}", found[peer]
