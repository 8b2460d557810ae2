"""The audit log read a line at a time: `audit verify` forwards, the dashboard's newest entries backwards in blocks.
Each gives what reading the whole log gave (the reference below is that old reading), and neither holds the log."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pyotp
from core_app import PASSWORD, client, login, make_app
from hypothesis import given
from hypothesis import strategies as st

from hostward.web import audit_lines
from hostward.web.audit import AuditLog, Verdict, verify
from hostward.web.audit_lines import BLOCK_BYTES


def _old_lines(data: bytes) -> list[str]:
    """How the log was read before: the whole file decoded, then split."""
    return data.decode("utf-8", errors="replace").splitlines()


def _old_parsed(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return {"unreadable": line[:120]}


# Bytes rich in what line splitting and UTF-8 decoding can disagree on: newlines, carriage returns, the other
# separators str.splitlines knows (\x85, U+2028 as UTF-8), cut and invalid sequences.
PIECES = [b"\n", b"\r", b"\r\n", b"\x0b", b"\x1c", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x82", b"\xf0\x9f", b"\xff",
          b"\xc3\xa9", b"a", b"{}", b" "]  # fmt: skip
CHUNKS = st.lists(st.sampled_from(PIECES) | st.binary(max_size=4), max_size=40).map(b"".join)


@given(data=CHUNKS, block=st.integers(min_value=1, max_value=9))
def test_lines_both_ways_are_the_whole_texts_lines(data: bytes, block: int) -> None:
    assert list(audit_lines.forwards(io.BytesIO(data))) == _old_lines(data)
    assert list(audit_lines.backwards(io.BytesIO(data), block)) == _old_lines(data)[::-1]


def _filled(path: Path, count: int, pad: int = 40) -> AuditLog:
    """``count`` entries appended by the dashboard's own writer; ``pad`` characters in each of four fields."""
    log = AuditLog(path)
    for number in range(count):
        extra = "x" * pad
        log.append(user=f"user{number % 7}", role=extra, address=extra, action="login" + extra,
                   object=f"obj{number:05d}" + extra, result="ok")  # fmt: skip
    return log


def test_a_log_larger_than_a_block(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = _filled(path, 1500)
    data = path.read_bytes()
    assert len(data) > 3 * BLOCK_BYTES
    old = [_old_parsed(line) for line in _old_lines(data)][::-1]
    assert log.newest(200) == old[:200]
    assert log.newest(10**6) == old  # back to the first line, across every block boundary
    assert (
        log.newest(200, lambda e: "user3" in str(e.values()))
        == [e for e in old if e["user"] == "user3"][:200]
    )
    assert verify(path) == Verdict(1500, None)


def test_an_entry_across_a_block_boundary(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _filled(path, 5)
    data = path.read_bytes()
    first = data.index(b"\n") + 1
    for block in (first // 2, first - 1, first, first + 1, len(data) // 3):
        assert list(audit_lines.backwards(io.BytesIO(data), block)) == _old_lines(data)[::-1]


def _verify_cli(path: Path) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "hostward", "web", "--data-dir", str(path.parent.parent), "audit", "verify"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_tampering_in_the_middle_of_a_long_log(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir(mode=0o700)
    path = tmp_path / "web" / "audit.jsonl"
    _filled(path, 1200)
    written = path.read_bytes().splitlines(keepends=True)
    lines = written[:]
    lines[700] = lines[700].replace(b'"result":"ok"', b'"result":"no"')
    path.write_bytes(b"".join(lines))
    assert verify(path) == Verdict(701, 701, "its contents were changed after it was written")
    assert _verify_cli(path) == (
        1,
        f"{path}: entry on line 701 its contents were changed after it was written\n",
        "",
    )
    path.write_bytes(b"".join(written[:900] + written[901:]))
    assert verify(path) == Verdict(901, 901, "does not link to the entry before it (removed or reordered)")
    assert _verify_cli(path) == (
        1,
        f"{path}: entry on line 901 does not link to the entry before it (removed or reordered)\n",
        "",
    )
    path.write_bytes(b"".join(written))
    assert _verify_cli(path) == (0, f"{path}: 1200 entries, chain intact\n", "")


def test_an_empty_log(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir(mode=0o700)
    path = tmp_path / "web" / "audit.jsonl"
    path.touch()
    assert AuditLog(path).newest(200) == []
    assert _verify_cli(path) == (0, f"{path}: 0 entries, chain intact\n", "")


def test_a_last_line_without_its_newline_is_read(tmp_path: Path) -> None:
    """As the whole-text reading took it (a log cut by a full disk keeps its last whole entries verifiable)."""
    (tmp_path / "web").mkdir(mode=0o700)
    path = tmp_path / "web" / "audit.jsonl"
    log = _filled(path, 3)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    newest = log.newest(200)
    assert [e["object"][:8] for e in newest] == ["obj00002", "obj00001", "obj00000"]
    assert _verify_cli(path) == (0, f"{path}: 3 entries, chain intact\n", "")


def test_neither_reading_holds_the_log(tmp_path: Path) -> None:
    """Peak memory of verify and of the newest entries stays near a block and a line on a 4 MiB log; the old
    whole-file reading held the bytes and their text (over 8 MiB)."""
    path = tmp_path / "audit.jsonl"
    log = _filled(path, 3200, pad=280)
    assert path.stat().st_size > 4 * 2**20
    for read in (lambda: verify(path), lambda: log.newest(200, lambda e: "none such" in str(e))):
        tracemalloc.start()
        try:
            read()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 2**20, peak


def test_the_admin_page_shows_the_newest_matching_entries(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    admin = app.state.accounts.add("ada", "admin", PASSWORD)
    log: AuditLog = app.state.audit
    for number in range(260):
        log.append(user="bot", action="probe", object=f"o{number}-{'even' if number % 2 == 0 else 'odd'}")
    c = client(app)
    login(c, "ada", code=pyotp.TOTP(admin.totp_secret).now())
    for query in ("", "odd", "o25"):
        page = c.get(f"/admin/audit?q={query}")  # audited itself, before the log is read
        old = [_old_parsed(line) for line in _old_lines(log.path.read_bytes())][::-1]
        found = [e for e in old if any(query in str(value).lower() for value in e.values())][:200]
        assert page.status_code == 200
        shown = re.findall(r"<td>(o\d+-\w+)</td>", page.text)
        assert shown == [e["object"] for e in found if e["action"] == "probe"] and shown, query


def test_lines_that_are_json_but_no_entry(tmp_path: Path) -> None:
    """A line that parses as JSON but is no object (a number, a list, a string) is no audit entry: verify says so
    in its one line (a list gave a traceback) and the admin page shows it as unreadable (its search failed)."""
    (tmp_path / "web").mkdir(mode=0o700)
    path = tmp_path / "web" / "audit.jsonl"
    log = _filled(path, 3)
    written = path.read_bytes()
    for planted in (b"5", b"[1]", b'"hash"', b"null", b'{"no": "hash"}'):
        path.write_bytes(written + planted + b"\n")
        assert verify(path) == Verdict(4, 4, "not a JSON audit entry"), planted
        assert _verify_cli(path) == (1, f"{path}: entry on line 4 not a JSON audit entry\n", ""), planted
        newest = log.newest(2, lambda entry: "obj" in str(entry.get("object", "")))
        assert [e["object"][:8] for e in newest] == ["obj00002", "obj00001"], planted
        assert AuditLog(path).newest(1) == (
            [{"unreadable": planted.decode()}] if planted[:1] != b"{" else [{"no": "hash"}]
        )


def test_the_admin_page_shows_a_line_that_is_no_entry_as_text(tmp_path: Path) -> None:
    """A line that is no entry (garbage, or JSON that is no object) is shown as what it starts with, escaped,
    where it was a row of empty cells."""
    app = make_app(tmp_path)
    admin = app.state.accounts.add("ada", "admin", PASSWORD)
    log: AuditLog = app.state.audit
    log.append(user="bot", action="probe", object="before")
    with log.path.open("ab") as handle:
        handle.write(b"<script>alert(1)</script>\n[1]\n")
    c = client(app)
    login(c, "ada", code=pyotp.TOTP(admin.totp_secret).now())
    page = c.get("/admin/audit")
    assert page.status_code == 200
    shown = re.findall(r"not an audit entry \(.*?\): (.*?)</td>", page.text)
    assert shown == ["[1]", "&lt;script&gt;alert(1)&lt;/script&gt;"]
    assert "<script>alert" not in page.text
