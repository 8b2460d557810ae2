"""Hostile and broken input: garbage, half reports, huge logs, names with escape sequences. No crash, nothing
unescaped on the terminal, constant memory."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostward.cli.oom import run
from hostward.oom.kernlog.kernlog import iter_raw_lines, kernel_lines, split_line
from hostward.oom.kernlog.oomparse import parse_events
from hostward.oom.kernlog.report import event_json, render_event
from hostward.oom.kernlog.sanitize import safe_text

FIXTURES = Path(__file__).parents[1] / "fixtures" / "oom"
FIXTURE_LINES = [
    line for f in sorted(FIXTURES.iterdir()) for line in f.read_text("utf-8", "replace").splitlines()
]
CONTROL = {chr(c) for c in range(0x20)} | {"\x7f"} | {chr(c) for c in range(0x80, 0xA0)}


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = run(list(argv))
    return code, out.getvalue()


def _assert_inert(text: str) -> None:
    """Only newlines separate lines; no other control character (ESC, BEL, CR, C1) reaches the terminal."""
    bad = {c for c in text if c in CONTROL and c != "\n"}
    assert not bad, f"control characters passed through: {sorted(map(ord, bad))}"


def _check_all(lines: list[str]) -> None:
    for event in parse_events(kernel_lines(lines)):
        _assert_inert("\n".join(render_event(event)))
        json.dumps(event_json(event))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.text(max_size=200), max_size=40))
def test_fuzz_random_text(lines: list[str]) -> None:
    _check_all(lines)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(FIXTURE_LINES), st.integers(0, 400), st.text(max_size=12), st.booleans()),
        max_size=60,
    )
)
def test_fuzz_mutated_report_lines(edits: list[tuple[str, int, str, bool]]) -> None:
    """Real report lines, cut, spliced with random text, in random order and number."""
    lines = [(line[:cut] + junk + line[cut:]) if splice else line[:cut] for line, cut, junk, splice in edits]
    _check_all(lines)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_fuzz_random_bytes(data: bytes) -> None:
    _check_all(list(iter_raw_lines(io.BytesIO(data), max_line_bytes=512)))


@given(st.text(max_size=100))
def test_safe_text_is_inert_and_injective_enough(text: str) -> None:
    shown = safe_text(text)
    _assert_inert(shown)
    assert "\n" not in shown
    if not any(
        c in CONTROL or 0xD800 <= ord(c) <= 0xDFFF or c in "\u200b\u200e\u202e\u2066\ufeff" for c in text
    ):
        assert shown == text  # ordinary text is untouched


def test_safe_text_examples() -> None:
    assert safe_text("a\x1b[31mb\nc\x07") == "a\\e[31mb\\nc\\x07"
    assert safe_text("x\udcff") == "x\\xff"
    assert safe_text("abc\u202eevil") == "abc\\u202eevil"
    assert safe_text("abcdef", 4) == "abc…"


def test_binary_garbage_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.bin"
    path.write_bytes(random.Random(4).randbytes(2 << 20))
    code, out = _cli("report", str(path))
    assert code == 0 and "no OOM kill found" in out
    code, out = _cli("report", "--json", str(path))
    assert code == 0 and json.loads(out)["events"] == []


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    from hostward.errors import ParseError

    with pytest.raises(ParseError, match="no such file"):
        _cli("report", str(tmp_path / "nope.log"))


def test_report_of_a_hostile_fixture_is_escaped() -> None:
    code, out = _cli(
        "report", str(FIXTURES / "ubuntu24-6.8-global.kmsg"), str(FIXTURES / "wrapped-interleaved.dmesg-T")
    )
    assert code == 0
    _assert_inert(out)
    assert "my\\e[31mevil name" in out and "a) b (c d" in out


def test_hostile_live_process_name_in_top_and_explain() -> None:
    code = (
        "import ctypes, sys, time\n"
        "ctypes.CDLL(None).prctl(15, b'\\x1b]0;pwn\\x07(x)\\n', 0, 0, 0)\n"  # PR_SET_NAME
        "print('ready', flush=True)\n"
        "time.sleep(30)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, "arg with \x1b[2J and\nnewline", "(paren"], stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        comm = Path(f"/proc/{child.pid}/comm").read_bytes()
        assert comm.startswith(b"\x1b]0;pwn\x07")
        rc, out = _cli("top", "--all")
        assert rc == 0
        _assert_inert(out)
        assert "\\e[2J" in out
        rc, out = _cli("explain", str(child.pid))
        _assert_inert(out)
        assert "\\e]0;pwn\\x07(x)" in out
        rc, out = _cli("top", "--all", "--json")
        entry = next(p for p in json.loads(out)["processes"] if p["pid"] == child.pid)
        assert entry["cmdline"][-2] == "arg with \x1b[2J and\nnewline"  # JSON carries the raw value, escaped
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()


def _big_log_block() -> bytes:
    """A syslog-style block: mostly noise, then one OOM report with two kills (~1.5 MB)."""
    report = (FIXTURES / "debian11-5.10-two-kills-panic.monotonic").read_text().split("[ 5023.5")[0]
    noise = "".join(
        f'[{i:6d}.000001] build01 kernel: audit: type=1400 audit({i}.1:1): apparmor="ALLOWED" '
        f'operation="open" profile="x" name="/proc/{i}/status" pid={i}\n'
        for i in range(10000)
    )
    return (noise + report).encode()


BIG_LOG_BYTES = 1 << 30  # the "1 GB log"


@pytest.mark.slow
def test_one_gigabyte_log_streams_in_constant_memory(tmp_path: Path) -> None:
    """1 GiB of log through a pipe (nothing that size on disk): every kill found, the parser's memory flat."""
    block_file = tmp_path / "block.log"
    block = _big_log_block()
    block_file.write_bytes(block)
    blocks = -(-BIG_LOG_BYTES // len(block))
    kills = 2 * blocks
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    # Linux carries the high-water RSS of the mm a child had before exec() into its ru_maxrss, and a child of
    # pytest starts as a copy of pytest (hundreds of MiB after the other tests). A small intermediate Python
    # makes that inherited figure small, so the children's own peak is what we read. It also runs the writer
    # of the 1 GiB stream (a few MiB) and pipes it into `hostward oom report --json -`.
    measure = (
        "import resource, subprocess, sys\n"
        "block_file, blocks, *cmd = sys.argv[1:]\n"
        "writer = ('import sys\\nb = open(sys.argv[1], \"rb\").read()\\n'\n"
        "          'for _ in range(int(sys.argv[2])): sys.stdout.buffer.write(b)\\n')\n"
        "gen = subprocess.Popen([sys.executable, '-c', writer, block_file, blocks], stdout=subprocess.PIPE)\n"
        "code = subprocess.call(cmd, stdin=gen.stdout)\n"
        "gen.stdout.close()\n"
        "assert gen.wait() == 0\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            measure,
            str(block_file),
            str(blocks),
            sys.executable,
            "-m",
            "hostward",
            "oom",
            "report",
            "--json",
            "--no-trend",
            "-",
        ],
        capture_output=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    maxrss_kib = int(proc.stderr.decode().split()[-1])
    events = json.loads(proc.stdout)["events"]
    assert sum(len(e["victims"]) for e in events) == kills
    # ru_maxrss is in KiB. The output itself (held by the test, not the child) grows with the events; the child
    # keeps one event at a time: a tiny fraction of the 1 GiB it read.
    assert maxrss_kib < 80 * 1024, f"report used {maxrss_kib} KiB for a 1 GiB log"


def test_prefix_split_never_raises_on_odd_lines() -> None:
    for raw in [
        "[",
        "[]",
        "[ 1.]",
        "<>",
        "6,;",
        "{",
        "{]",
        '{"MESSAGE": [1, 2, 999999]}',
        '{"MESSAGE": 5}',
        "Jan  1 00:00:00 h kernel:",
        "\x00\x00",
        "a" * 10000,
    ]:
        split_line(raw)
