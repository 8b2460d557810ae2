"""Every numeric, date, size, count and path value of every command, fuzzed: a value is either accepted by its
flag's rule or refused with exit status 2 and exactly one line on stderr, no traceback, nothing written.

After the fuzzed value comes an unknown option (``--fuzz-stop``), so an accepted value ends in a usage error
too and no command ever starts its real work: this file tests the command line, not the commands."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzzcli import hostile_values, run_cli, snapshot
from hypothesis import HealthCheck, given, settings

STOP = "--fuzz-stop"

# (words before the flag, the flag; "" = a positional value)
FLAGS: list[tuple[list[str], str]] = [
    (["daemon"], "--config"), (["daemon"], "--data-dir"), (["daemon"], "--interval"), (["daemon"], "--count"),
    (["record"], "--interval"), (["record"], "--count"), (["record"], "--data-dir"),
    (["record"], "--retention-days"), (["record"], "--compress-after-days"), (["record"], "--top-processes"),
    (["record"], "--config"),
    (["metrics"], "--config"), (["metrics"], "--data-dir"), (["metrics", "textfile"], ""),
    (["metrics", "textfile", "/nonexistent-dir"], "--interval"),
    (["ntp", "query", "127.0.0.1"], "--samples"), (["ntp", "query", "127.0.0.1"], "--interval"),
    (["ntp", "query", "127.0.0.1"], "--timeout"), (["ntp", "query", "127.0.0.1"], "--retries"),
    (["ntp", "serve"], "--port"), (["ntp", "serve"], "--offset"), (["ntp", "serve"], "--stratum"),
    (["ntp", "serve"], "--rate"), (["ntp", "serve"], "--burst"), (["ntp", "serve"], "--duration"),
    (["oom", "top"], "--interval"), (["oom", "top"], "--iterations"), (["oom", "top"], "--lines"),
    (["oom", "explain"], ""), (["oom", "report"], "--last"), (["oom", "report"], "--top"),
    (["oom", "report"], "--data-dir"),
    (["oom", "guard"], "--mem-available"), (["oom", "guard"], "--swap-free"), (["oom", "guard"], "--headroom"),
    (["oom", "guard"], "--critical-percent"), (["oom", "guard"], "--sustain"), (["oom", "guard"], "--grace"),
    (["oom", "guard"], "--events"),
    (["oom", "drill"], "--limit"), (["oom", "drill"], "--headroom"), (["oom", "drill"], "--critical-percent"),
    (["oom", "drill"], "--bystander-size"), (["oom", "drill"], "--grace"), (["oom", "drill"], "--timeout"),
    (["cache", "stats"], "--timeout"),
    (["web"], "--config"), (["web"], "--data-dir"),
]  # fmt: skip

# sar's own syntax (sar, sadf, plot): option words, then interval and count
SAR_FLAGS: list[tuple[list[str], str]] = [
    (["sar"], "--date"), (["sar"], "--since"), (["sar"], "--until"), (["sar"], "--data-dir"), (["sar"], "-f"),
    (["sar"], "-i"), (["sar"], "-s"), (["sar"], "-e"), (["sar"], "-P"), (["sar"], "-n"), (["sar", "-u"], ""),
    (["sar", "-u", "1"], ""),
    (["sadf", "-d"], "--date"), (["sadf", "-d"], "--since"), (["sadf", "-j"], "-i"), (["sadf", "-d"], ""),
    (["plot"], "--date"), (["plot"], "--since"), (["plot"], "-o"), (["plot"], "--format"), (["plot"], "-i"),
]  # fmt: skip

# the commands run in WORKDIR (relative paths land there); HOME (matplotlib's font cache) is elsewhere
WORKDIR = Path(tempfile.mkdtemp(prefix="hostward-fuzz-"))
HOME = Path(tempfile.mkdtemp(prefix="hostward-fuzz-home-"))
ENV = {"HOSTWARD_CONFIG": str(HOME / "absent.toml"), "HOME": str(HOME), "XDG_CONFIG_HOME": str(HOME),
       "MPLCONFIGDIR": str(HOME / "matplotlib"), "XDG_DATA_HOME": str(HOME)}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _remove_temp_dirs() -> Iterator[None]:
    """The module-level directories above go when the module's tests are done."""
    yield
    shutil.rmtree(WORKDIR, ignore_errors=True)
    shutil.rmtree(HOME, ignore_errors=True)


def _argv(words: list[str], flag: str, value: str, *, equals: bool) -> list[str]:
    if not flag:
        return [*words, value, STOP]
    if equals and flag.startswith("--"):
        return [*words, f"{flag}={value}", STOP]
    return [*words, flag, value, STOP]


def _check(words: list[str], flag: str, value: str, equals: bool) -> None:
    before = snapshot(WORKDIR)
    run = run_cli(_argv(words, flag, value, equals=equals), ENV, cwd=WORKDIR)
    run.assert_one_line_refusal(codes=(2,))
    assert run.out == ""
    assert snapshot(WORKDIR) == before, "a refused command wrote a file"


@pytest.mark.parametrize(("words", "flag"), FLAGS, ids=[" ".join([*w, f]) for w, f in FLAGS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=hostile_values)
def test_argparse_values(words: list[str], flag: str, value: str) -> None:
    _check(words, flag, value, equals=True)


@pytest.mark.parametrize(("words", "flag"), SAR_FLAGS, ids=[" ".join([*w, f]) for w, f in SAR_FLAGS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=hostile_values)
def test_sar_syntax_values(words: list[str], flag: str, value: str) -> None:
    _check(words, flag, value, equals=False)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["sar", "-u", "99999999999999999999", "1"], "interval: invalid value '99999999999999999999'"),
        (["sar", "--date", "9999-12-31"], "--date: invalid value '9999-12-31' (expected a date YYYY-MM-DD"),
        (["sar", "--since", "0001-01-01"], "--since: invalid value '0001-01-01'"),
        (
            ["record", "--interval", "nan"],
            "--interval: invalid value 'nan' (expected a number from 1 to 86400",
        ),
        (["oom", "report", "--last", "-1"], "--last: invalid value '-1'"),
        (["oom", "top", "-n", "-1"], "--lines: invalid value '-1'"),
        (
            ["oom", "report", "--top", "-1"],
            "--top: invalid value '-1' (expected a whole number from 0 to 1000)",
        ),
        (["record", "-d", ""], "--data-dir: invalid value '' (expected a non-empty path)"),
        (["ntp", "query", "--interval", "nan", "127.0.0.1"], "--interval: invalid value 'nan'"),
        (["daemon", "--count", "0"], "--count: invalid value '0'"),
        (["oom", "guard", "--mem-available", "150%"], "--mem-available: invalid value '150%'"),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else "",
)
def test_the_issue_examples_are_one_line(argv: list[str], expected: str) -> None:
    before = snapshot(WORKDIR)
    run = run_cli(argv, ENV, cwd=WORKDIR)
    run.assert_one_line_refusal(codes=(2,))
    assert expected in run.err, run.err
    assert snapshot(WORKDIR) == before


def _every_key() -> list[str]:
    import dataclasses

    from hostward.config import _section_types

    return [
        f"{section}.{f.name}" for section, cls in _section_types().items() for f in dataclasses.fields(cls)
    ]


@pytest.mark.parametrize("key", _every_key())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=hostile_values)
def test_every_configuration_key_from_the_environment(key: str, value: str) -> None:
    """HOSTWARD_<SECTION>_<KEY>=anything: a value within the key's rule, or one ConfigError line naming it."""
    from hostward.config import load_config
    from hostward.errors import ConfigError

    section, name = key.split(".", 1)
    variable = f"HOSTWARD_{section}_{name}".upper()
    if "\x00" in value:
        return  # the kernel cannot pass a NUL inside an environment variable
    try:
        load_config(environ={variable: value, "HOME": str(HOME), "XDG_CONFIG_HOME": str(HOME)})
    except ConfigError as exc:
        text = str(exc)
        assert "\n" not in text and len(text) < 600, text[:700]
        assert variable in text or "HOSTWARD" in text or str(HOME) in text, text
