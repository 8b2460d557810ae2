"""Run ``hostward.cli.main`` in-process for the fuzz tests: captured output, environment, and a file snapshot.

In-process (not a subprocess per example) so hypothesis can try hundreds of values per flag in CI time. An
exception escaping main() is a finding (a traceback the user would see), so it is returned as text to assert on.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from hostward.cli import main

# Values that broke commands before hostward.validate, and their neighbours.
HOSTILE_WORDS = [
    "nan", "NaN", "inf", "-inf", "+inf", "infinity", "-1", "-0", "-0.0", "0", "0.0", "1e400", "-1e400", "1e-320",
    "99999999999999999999", "-99999999999999999999", "9" * 5000, "", " ", "\t", "0x10", "1_000", "1,5", "²",
    "١٢", "1.5", "1e3", "9999-12-31", "9999-12-30", "0001-01-01", "10000-01-01", "1970-01-01", "2026-02-30",
    "2026-12-05T25:00", "2026-12-05 23:59:60", "--", "-", "\x00", "a\nb", "x" * 10_000, "512Q", "150%", "nan%",
    "-5%", "%", "1e400M", "99999999999999999999999T", "18446744073709551616", "-2147483649", "4194305",
    "/dev/null", "/", "\udcff",
]  # fmt: skip

hostile_values = st.one_of(
    st.sampled_from(HOSTILE_WORDS),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(repr),
    st.dates().map(str),
)


@dataclass(frozen=True, slots=True)
class Run:
    code: int
    out: str
    err: str
    crash: str = ""  # the traceback of an exception that escaped main()

    def assert_one_line_refusal(self, codes: tuple[int, ...] = (1, 2)) -> None:
        assert not self.crash, self.crash
        assert self.code in codes, (self.code, self.err)
        lines = self.err.splitlines()
        assert len(lines) == 1 and self.err.endswith("\n"), self.err
        assert lines[0].startswith("hostward ") and "Traceback" not in self.err, self.err
        assert len(lines[0]) < 600, lines[0]


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_cli(argv: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Run:
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    here = os.getcwd()
    crash = ""
    code = -1
    try:
        if cwd is not None:
            os.chdir(cwd)
        with _environment(env or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # --help, or a bug that exits below cli
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                crash = traceback.format_exc()
    finally:
        os.chdir(here)
        root.handlers[:] = handlers
        root.setLevel(level)
    return Run(code, out.getvalue(), err.getvalue(), crash)


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``directory`` with its size and mtime: "nothing written" compares two of these."""
    found: dict[str, tuple[int, int]] = {}
    for path in sorted(directory.rglob("*")):
        info = path.lstat()
        found[str(path.relative_to(directory))] = (info.st_size, info.st_mtime_ns)
    return found
