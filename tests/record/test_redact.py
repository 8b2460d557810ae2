"""Secrets in recordings (issue 9 §5): the recorder stores top-process command lines with secret-looking values
masked and the length bounded. A real process carrying secrets, recorded by the real `hostward record`, read back
from the data file: the values are nowhere in the file. Properties of the redactor: it never leaks a value in the
forms it knows, it is idempotent, and the bound holds."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.record.conftest import SRC

from hostward.collect.procs import ProcessInfo
from hostward.collect.redact import MASK, MAX_CHARS, Redactor, bound_args, redact_args, secret_name
from hostward.collect.sample import SystemSample
from hostward.errors import ConfigError
from hostward.store.reader import read_file

SECRETS = {
    "eq": "HUNTER2eq81",
    "next": "TOKVALnx42",
    "url": "URLPASSx99",
    "env": "PGPASSenv55",
    "header": "BEARERhd31",
    "custom": "PINcust777",
}


def test_known_forms_are_masked() -> None:
    cases = {
        ("mysql", "--password=s3cr3t", "-u", "app"): ("mysql", f"--password={MASK}", "-u", "app"),
        ("psql", "--password", "s3cr3t", "db"): ("psql", "--password", MASK, "db"),
        ("env", "PGPASSWORD=s3cr3t", "psql"): ("env", f"PGPASSWORD={MASK}", "psql"),
        ("app", "--api-key", "k"): ("app", "--api-key", MASK),
        ("app", "apiKey=k", "AWS_SECRET_ACCESS_KEY=k", "--client-secret=k"): (
            "app",
            f"apiKey={MASK}",
            f"AWS_SECRET_ACCESS_KEY={MASK}",
            f"--client-secret={MASK}",
        ),
        ("java", "-Ddb.password=k", "-Xmx1g"): ("java", f"-Ddb.password={MASK}", "-Xmx1g"),
        ("mount", "-o", "user=bob,password=k,ro"): ("mount", "-o", f"user=bob,password={MASK},ro"),
        ("curl", "-H", "Authorization: Bearer k"): ("curl", "-H", f"Authorization: {MASK}"),
        ("curl", "https://bob:k@h.example/x?token=t&page=2"): (
            "curl",
            f"https://bob:{MASK}@h.example/x?token={MASK}&page=2",
        ),
        ("worker", "DATABASE_URL=postgres://app:k@db/main"): (
            "worker",
            f"DATABASE_URL=postgres://app:{MASK}@db/main",
        ),
    }
    for given_args, expected in cases.items():
        assert redact_args(given_args) == expected, given_args


def test_ordinary_arguments_are_kept() -> None:
    args = ("nginx: master process", "/usr/sbin/nginx", "-g", "daemon off;", "--keyboard=us", "--threads=4")
    assert redact_args(args) == args
    assert not secret_name("keyboard") and not secret_name("monkey") and secret_name("PGPASSWORD")


def test_length_is_bounded_and_the_cut_is_marked() -> None:
    long = ("prog", "x" * 5000, "tail")
    cut = bound_args(long)
    assert sum(len(a) + 1 for a in cut) <= MAX_CHARS and cut[-1].endswith("…") and cut[0] == "prog"
    assert len(cut) == 2
    many = tuple("a" for _ in range(5000))
    assert sum(len(a) + 1 for a in bound_args(many)) <= MAX_CHARS


def test_extra_patterns_and_switching_off() -> None:
    redactor = Redactor(patterns=[r"-p(\S+)", r"ghp_\w+"])
    assert redactor(("mysql", "-phunter2", "x", "https://ghp_abc123@github.com")) == (
        "mysql",
        f"-p{MASK}",
        "x",
        f"https://{MASK}@github.com",
    )
    assert Redactor(redact=False)(("a", "--password=x")) == ("a", "--password=x")
    with pytest.raises(ConfigError, match="redact_patterns"):
        Redactor(patterns=["("])


# -- properties --------------------------------------------------------------------------------------------------

# Secrets are drawn from upper case and digits (plus symbols for URL passwords); the surrounding arguments from
# lower case only, so an occurrence of the secret in the output can only be a leak.
_secret = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=4, max_size=24)
_url_secret = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@:!$%^&()=+,;?#~", min_size=4, max_size=24
).filter(lambda s: any(c.isalnum() for c in s))
_plain = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz-=._ /:", max_size=12), max_size=5)
_key = st.sampled_from(["password", "passwd", "token", "secret", "api-key", "apiKey", "db_password", "auth"])


@st.composite
def _with_secret(draw: st.DrawFn) -> tuple[tuple[str, ...], str]:
    key = draw(_key)
    form = draw(st.sampled_from(["eq", "dash-eq", "next", "env", "url", "pair", "header"]))
    secret = draw(_url_secret if form == "url" else _secret)
    planted = {
        "eq": [f"{key}={secret}"],
        "dash-eq": [f"--{key}={secret}"],
        "next": [f"--{key}", secret],
        "env": [f"{key.upper().replace('-', '_')}={secret}"],
        "url": [f"postgres://app:{secret}@db/main"],
        "pair": [f"user=bob,{key}={secret},ro"],
        "header": [f"x-{key}: {secret}"],
    }[form]
    before, after = draw(_plain), draw(_plain)
    return (*before, *planted, *after), secret


@settings(max_examples=400, deadline=None)
@given(_with_secret())
def test_redactor_never_leaks_a_value_it_knows(case: tuple[tuple[str, ...], str]) -> None:
    args, secret = case
    stored = Redactor()(args)
    assert secret not in "\0".join(stored)
    assert sum(len(a) + 1 for a in stored) <= MAX_CHARS


@settings(max_examples=400, deadline=None)
@given(st.one_of(_with_secret().map(lambda c: c[0]), st.lists(st.text(max_size=40), max_size=8).map(tuple)))
def test_redaction_is_idempotent(args: tuple[str, ...]) -> None:
    once = redact_args(args)
    assert redact_args(once) == once
    assert bound_args(bound_args(once, 64), 64) == bound_args(once, 64)


# -- the real recorder -------------------------------------------------------------------------------------------


@pytest.fixture
def secret_process() -> Iterator[subprocess.Popen[bytes]]:
    args = [
        sys.executable,
        "-c",
        "import sys, time; b = b'x' * (64 << 20); print('ready', flush=True); time.sleep(120)",
        f"--password={SECRETS['eq']}",
        "--token",
        SECRETS["next"],
        f"postgres://app:{SECRETS['url']}@db/main",
        f"PGPASSWORD={SECRETS['env']}",
        f"Authorization: Bearer {SECRETS['header']}",
        f"--pin={SECRETS['custom']}",
        "y" * 3000,
    ]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def _record(tmp_path: Path, data_dir: Path, record_section: str) -> list[Path]:
    config = tmp_path / "hostward.toml"
    config.write_text(f"[record]\ntop_processes = 1000\n{record_section}")
    env = {**os.environ, "PYTHONPATH": str(SRC), "HOSTWARD_CONFIG": str(config)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hostward",
            "record",
            "-i",
            "1",
            "-c",
            "1",
            "-d",
            str(data_dir),
            "--no-housekeeping",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return sorted(data_dir.glob("hw*"))


def _stored_cmdline(files: list[Path], pid: int) -> tuple[str, ...]:
    for path in files:
        for entry in read_file(path).entries:
            if isinstance(entry, SystemSample):
                found: list[ProcessInfo] = [p for p in entry.top_processes if p.pid == pid]
                if found:
                    return found[0].cmdline
    raise AssertionError(f"pid {pid} was not recorded")


def test_recorded_command_lines_are_redacted_and_bounded(
    tmp_path: Path, secret_process: subprocess.Popen[bytes]
) -> None:
    data_dir = tmp_path / "data"
    files = _record(tmp_path, data_dir, 'redact_patterns = ["--pin=(\\\\S+)"]\n')
    stored = _stored_cmdline(files, secret_process.pid)
    joined = "\0".join(stored)
    for secret in SECRETS.values():
        assert secret not in joined
        assert all(secret.encode() not in path.read_bytes() for path in files)  # nowhere on disk
    assert f"--password={MASK}" in stored and stored[4:6] == ("--token", MASK)
    assert f"postgres://app:{MASK}@db/main" in stored and f"PGPASSWORD={MASK}" in stored
    assert f"--pin={MASK}" in stored
    assert sum(len(a) + 1 for a in stored) <= MAX_CHARS and stored[-1].endswith("…")


def test_redaction_can_be_switched_off(tmp_path: Path, secret_process: subprocess.Popen[bytes]) -> None:
    files = _record(tmp_path, tmp_path / "data", "redact_cmdline = false\n")
    stored = _stored_cmdline(files, secret_process.pid)
    assert f"--password={SECRETS['eq']}" in stored  # the test above could fail: the value is really there
    assert sum(len(a) + 1 for a in stored) <= MAX_CHARS  # the bound holds regardless


def test_a_bad_extra_pattern_stops_the_recorder_at_start_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "hostward.toml"
    config.write_text('[record]\nredact_patterns = ["("]\n')
    env = {**os.environ, "PYTHONPATH": str(SRC), "HOSTWARD_CONFIG": str(config)}
    done = subprocess.run(
        [sys.executable, "-m", "hostward", "record", "-c", "1", "-d", str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert "record.redact_patterns: '(' does not compile" in line
    assert not list((tmp_path / "data").glob("hw*"))  # nothing recorded
