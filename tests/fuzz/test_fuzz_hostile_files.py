"""The corpus in tests/fixtures/hostile/ (truncated and corrupt sa and day files, non-UTF-8 text, huge and
non-finite numbers, absurd kernel logs, bad configuration files) through every command that reads such a file:
exit status 0, 1 or 2, at most one line on stderr and exactly one when it fails, no traceback, nothing written
unless an import keeps the samples before a damage and says so."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzzcli import run_cli, snapshot

HOSTILE = Path(__file__).parent.parent / "fixtures" / "hostile"
DATA_FILES = sorted(p for p in HOSTILE.iterdir() if p.name.startswith(("sa-", "hw", "sar-", "sadf-")))
LOGS = sorted(HOSTILE.glob("oom-*"))
CONFIGS = sorted(HOSTILE.glob("config-*.toml"))
HOME = Path(tempfile.mkdtemp(prefix="hostward-hostile-home-"))
ENV = {"HOME": str(HOME), "XDG_CONFIG_HOME": str(HOME), "XDG_DATA_HOME": str(HOME),
       "MPLCONFIGDIR": str(HOME / "matplotlib"), "HOSTWARD_CONFIG": str(HOME / "absent.toml")}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _remove_temp_dirs() -> Iterator[None]:
    """The module-level directories above go when the module's tests are done."""
    yield
    shutil.rmtree(HOME, ignore_errors=True)


def _check(argv: list[str], watched: Path, *, may_write: bool = False) -> str:
    before = snapshot(watched)
    run = run_cli(argv, ENV, cwd=watched)
    assert not run.crash, run.crash
    assert run.code in (0, 1, 2), (run.code, run.err)
    if run.code:
        run.assert_one_line_refusal()
    else:
        assert len(run.err.splitlines()) <= 1 and "Traceback" not in run.err, run.err
    if not may_write:
        assert snapshot(watched) == before, f"{argv} wrote a file"
    return run.err


def test_the_corpus_is_there() -> None:
    assert len(DATA_FILES) >= 15 and len(LOGS) >= 4 and len(CONFIGS) >= 6


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_reports_of_hostile_data_files(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    for argv in (["sar", "-f", str(copy)], ["sar", "-A", "-f", str(copy)], ["sadf", "-d", str(copy)],
                 ["sadf", "-j", str(copy)], ["sadf", "-x", str(copy), "--", "-A"]):  # fmt: skip
        _check(argv, tmp_path)
    _check(["plot", "-f", str(copy), "-o", str(tmp_path / "out.png")], tmp_path, may_write=True)


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_import_of_hostile_data_files(path: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    err = _check(["import", "--data-dir", str(store), str(path)], store, may_write=True)
    if err and "were imported" not in err:
        assert snapshot(store) == {}, "a refused import wrote a file"
    if path.name.startswith(("sar-u-", "sadf-")) and path.name not in (
        "sar-u-truncated-line.txt",
        "sar-u-long-line.txt",
    ):
        assert err, f"{path.name} was imported"  # the impossible value is refused, with the line
        assert "line " in err or "UTF-8" in err or "not a" in err, err


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_oom_report_of_hostile_logs(path: Path, tmp_path: Path) -> None:
    err = _check(["oom", "report", str(path)], tmp_path)
    assert "9" * 21 not in err


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_absurd_numbers_never_reach_a_report(path: Path, tmp_path: Path) -> None:
    run = run_cli(["oom", "report", "--json", str(path)], ENV, cwd=tmp_path)
    assert not run.crash, run.crash
    assert "9" * 21 not in run.out and "e+" not in run.out


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_hostile_configuration_files(path: Path, tmp_path: Path) -> None:
    env = {**ENV, "HOSTWARD_CONFIG": str(path)}
    for argv in (["sar"], ["record", "--count", "1", "-d", str(tmp_path)], ["daemon", "--count", "1"],
                 ["oom", "guard", "--dry-run"]):  # fmt: skip
        before = snapshot(tmp_path)
        run = run_cli(argv, env, cwd=tmp_path)
        run.assert_one_line_refusal(codes=(2,))
        assert str(path) in run.err and len(run.err) < 400, run.err
        assert snapshot(tmp_path) == before
