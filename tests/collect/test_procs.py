"""Per-process collector: pure parsers on fixture text, the sampler on a fixture tree and on the live kernel."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hostward.collect import procs
from hostward.collect.procs import (
    PAGE_SIZE,
    parse_cmdline,
    parse_stat,
    parse_status,
    read_process,
    sample_processes,
    top_by_rss,
    user_name,
)
from hostward.errors import CollectError, ProcessGone
from hostward.procfs import ProcFS

STATUS_USER = """\
Name:\tpostgres
Umask:\t0077
State:\tS (sleeping)
Tgid:\t4242
Pid:\t4242
PPid:\t1
Uid:\t110\t110\t110\t110
Gid:\t118\t118\t118\t118
VmPeak:\t  223456 kB
VmSize:\t  223400 kB
VmRSS:\t   28112 kB
RssAnon:\t    4100 kB
RssFile:\t   12012 kB
RssShmem:\t   12000 kB
VmPTE:\t     120 kB
VmSwap:\t     512 kB
Threads:\t1
CapEff:\t0000000000000000
"""

STATUS_KTHREAD = """\
Name:\tkthreadd
State:\tS (sleeping)
Tgid:\t2
Pid:\t2
PPid:\t0
Uid:\t0\t0\t0\t0
Kthread:\t1
Threads:\t1
CapEff:\t000001ffffffffff
"""

STAT_USER = (
    "4242 (post gres) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 12345 228761600 7028 "
    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0"
)


def test_parse_stat_keeps_hostile_names_whole() -> None:
    text = "77 (a) b (c\nd) R 1 77 77 0 -1 2097216 0 0 0 0 5 6 0 0 20 -5 1 0 99 0 0 0 0"
    stat = parse_stat(text)
    assert stat.pid == 77
    assert stat.comm == "a) b (c\nd"
    assert stat.state == "R"
    assert stat.ppid == 1
    assert stat.flags == 2097216  # PF_KTHREAD | ...
    assert (stat.utime_ticks, stat.stime_ticks, stat.nice, stat.start_ticks) == (5, 6, -5, 99)


def test_parse_stat_rejects_garbage() -> None:
    with pytest.raises(CollectError):
        parse_stat("not a stat line")
    with pytest.raises(CollectError):
        parse_stat("12 (x) S")


def test_parse_status_user_process() -> None:
    st_ = parse_status(STATUS_USER)
    assert (st_.tgid, st_.uid, st_.euid) == (4242, 110, 110)
    assert st_.rss_bytes == 28112 * 1024
    assert st_.rss_anon_bytes == 4100 * 1024 and st_.rss_shmem_bytes == 12000 * 1024
    assert st_.pgtables_bytes == 120 * 1024
    assert st_.swap_bytes == 512 * 1024
    assert st_.kthread is None  # no "Kthread:" line on this (older) kernel
    assert st_.cap_eff == 0


def test_parse_status_kernel_thread_has_no_memory() -> None:
    st_ = parse_status(STATUS_KTHREAD)
    assert st_.kthread is True
    assert st_.rss_bytes is None and st_.swap_bytes is None and st_.pgtables_bytes is None
    assert st_.cap_eff >> 21 & 1


def test_parse_cmdline_keeps_undecodable_bytes() -> None:
    assert parse_cmdline(b"") == ()
    assert parse_cmdline(b"/usr/bin/x\0--name=a b\0") == ("/usr/bin/x", "--name=a b")
    args = parse_cmdline(b"prog\0\xff\xfe\0")
    assert args[1].encode("utf-8", "surrogateescape") == b"\xff\xfe"


@given(
    st.binary(max_size=300)
    | st.lists(st.sampled_from([b"\0", b"\xc3", b"\xa9", b"a", b"\xff"])).map(b"".join)
)
def test_parse_cmdline_round_trips_any_bytes(raw: bytes) -> None:
    args = parse_cmdline(raw)
    joined = b"\0".join(a.encode("utf-8", "surrogateescape") for a in args)
    assert joined == raw.rstrip(b"\0")
    # the same as decoding argument by argument (what it did before decoding the whole text at once)
    parts = raw.rstrip(b"\0").split(b"\0") if raw else []
    assert args == tuple(part.decode("utf-8", errors="surrogateescape") for part in parts)


def _fixture_tree(root: Path) -> ProcFS:
    proc = root / "proc"
    (proc / "4242").mkdir(parents=True)
    (proc / "4242" / "stat").write_text(STAT_USER)
    (proc / "4242" / "status").write_text(STATUS_USER)
    (proc / "4242" / "oom_score_adj").write_text("-100\n")
    (proc / "4242" / "oom_score").write_text("600\n")
    (proc / "4242" / "cmdline").write_bytes(b"postgres: checkpointer\0")
    (proc / "2").mkdir()
    (proc / "2" / "stat").write_text("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0 0 0")
    (proc / "2" / "status").write_text(STATUS_KTHREAD)
    (proc / "2" / "oom_score_adj").write_text("0\n")
    (proc / "2" / "oom_score").write_text("0\n")
    (proc / "2" / "cmdline").write_bytes(b"")
    (proc / "999").mkdir()  # exited between listdir and read: no files left
    (proc / "777").mkdir()
    (proc / "777" / "stat").write_text("unreadable garbage")  # a format this parser does not know
    return ProcFS(proc=proc, sys=root / "sys")


def test_sampler_on_fixture_tree_skips_exited(tmp_path: Path) -> None:
    procfs = _fixture_tree(tmp_path)
    unreadable: list[int] = []
    procs = {p.pid: p for p in sample_processes(procfs, unreadable=unreadable)}
    assert set(procs) == {2, 4242}
    assert unreadable == [777]  # reported, not fatal; 999 exited and is neither
    pg = procs[4242]
    assert pg.comm == "post gres" and pg.uid == 110 and pg.user == user_name(110)
    assert pg.cmdline == ("postgres: checkpointer",)
    assert (pg.rss_bytes, pg.swap_bytes, pg.pgtables_bytes) == (28112 * 1024, 512 * 1024, 120 * 1024)
    assert (pg.oom_score_adj, pg.oom_score) == (-100, 600)
    assert pg.has_mm and not pg.kernel_thread
    kt = procs[2]
    assert kt.kernel_thread and not kt.has_mm and kt.command == "[kthreadd]"
    with pytest.raises(ProcessGone):
        read_process(procfs, 999)
    assert [p.pid for p in top_by_rss(procs.values(), 1)] == [4242]


def test_sampler_live_sees_itself_and_kernel_threads() -> None:
    procs = {p.pid: p for p in sample_processes(ProcFS())}
    me = procs[os.getpid()]
    assert me.cmdline[0] == sys.executable or Path(me.cmdline[0]).name.startswith("python")
    assert me.rss_bytes > 1024 * 1024 and me.rss_bytes % PAGE_SIZE == 0
    assert me.has_mm and not me.kernel_thread
    assert procs[2].kernel_thread  # kthreadd
    assert all(p.oom_score is not None for p in procs.values())


def test_sampler_live_reads_a_child_exactly() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(30)", "marker arg"],
        stdout=subprocess.PIPE,
    )
    try:
        # Past its exec (a process read in the middle of one has no command line yet): a loaded machine
        # made this test flaky.
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        child.stdout.close()
        with open(f"/proc/{child.pid}/oom_score_adj", "w") as handle:
            handle.write("321")
        info = read_process(ProcFS(), child.pid)
        assert info.cmdline[-1] == "marker arg"
        assert info.oom_score_adj == 321
        assert info.ppid == os.getpid()
    finally:
        child.kill()
        child.wait()


# The kernel's task name: up to 15 bytes of anything but NUL (prctl PR_SET_NAME), shown raw in /proc/PID/stat.
COMM = st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=15)


@given(COMM, st.integers(1, 4_194_304), st.integers(0, 2**40))
def test_parse_stat_round_trips_any_task_name(comm: str, pid: int, rss_pages: int) -> None:
    text = (
        f"{pid} ({comm}) S 1 {pid} {pid} 0 -1 4194560 0 0 0 0 7 3 0 0 20 0 1 0 555 4096 {rss_pages} "
        "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0"
    )
    stat = parse_stat(text)
    assert (stat.pid, stat.comm, stat.state, stat.rss_pages, stat.start_ticks) == (
        pid,
        comm,
        "S",
        rss_pages,
        555,
    )


@given(st.text(max_size=400))
def test_stat_and_status_parsers_fail_only_with_collect_error(text: str) -> None:
    for parse in (parse_stat, parse_status):
        with contextlib.suppress(CollectError):  # anything else (ValueError, IndexError...) fails the test
            parse(text)


def _status_fields_by_lines(text: str) -> dict[str, str]:
    """The line-by-line reading (lines end at "\\n", as the kernel writes them) that parse_status replaced with
    one search per key: the reference."""
    fields: dict[str, str] = {}
    for line in text.split("\n"):
        key, sep, value = line.partition(":")
        if sep and key in procs._STATUS_KEYS:
            fields[key] = value.strip()
    return fields


@given(
    st.lists(
        st.tuples(
            st.sampled_from([*sorted(procs._STATUS_KEYS), "VmRSSx", " Name", "Uid ", "", "Other"]),
            st.sampled_from([":", ": ", ":\t", "", "::"]),
            st.text(st.characters(blacklist_characters="\n"), max_size=12),
        ),
        max_size=30,
    )
)
def test_status_lines_are_picked_as_line_by_line(lines: list[tuple[str, str, str]]) -> None:
    text = "\n".join(key + sep + value for key, sep, value in lines)
    picked = procs._status_fields(text)
    assert picked == _status_fields_by_lines(text)


def test_status_of_live_processes_reads_as_line_by_line() -> None:
    for pid in ProcFS().pids()[:50]:
        try:
            text = ProcFS().read_pid(pid, "status")
        except CollectError:
            continue
        picked = procs._status_fields(text)
        assert picked == _status_fields_by_lines(text)


def _named_child(name: bytes) -> subprocess.Popen[bytes]:
    """A sleeping child whose task name (comm) is ``name`` (prctl PR_SET_NAME), ready when it says so."""
    code = (
        "import ctypes, sys, time; libc = ctypes.CDLL(None); "
        f"libc.prctl(15, ctypes.c_char_p({name!r}), 0, 0, 0); print('ready', flush=True); time.sleep(30)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    child.stdout.close()
    return child


@pytest.mark.parametrize(
    "name", [b"a\nb\\c d)\t", b" lead", b"tail \t", b"x\\n(y) ", b"\xff\xfe\x01\x1b", b"\\"]
)
def test_status_gives_what_stat_gives_for_hostile_names(name: bytes) -> None:
    """read_process_again takes the name, state and parent from status (which escapes "\\n" and "\\\\" in the
    name) instead of stat (raw): the same record as read_process for names made to confuse both."""
    child = _named_child(name)
    try:
        procfs = ProcFS()
        full = read_process(procfs, child.pid)
        assert full.comm == name.decode("utf-8", "surrogateescape")
        again = procs.read_process_again(procfs, child.pid, full.start_ticks)
        assert again is not None and again.state in "RS"  # (R while it goes to sleep after "ready")
        assert dataclasses.replace(again, state=full.state) == full
    finally:
        child.kill()
        child.wait()


def test_status_stands_in_for_stat_on_every_live_process() -> None:
    procfs = ProcFS()
    compared = 0
    for pid in procfs.pids():
        try:
            full = read_process(procfs, pid)
            again = procs.read_process_again(procfs, pid, full.start_ticks)
        except CollectError:
            continue  # exited meanwhile
        assert again is not None  # this kernel (6.x) writes the Kthread line: status is always enough
        moving = ("state", "rss_bytes", "swap_bytes", "pgtables_bytes", "vm_size_bytes", "oom_score")
        assert dataclasses.replace(again, **{k: getattr(full, k) for k in moving}) == full
        compared += 1
    assert compared > 20


def _kernel_escape(name: str) -> str:
    return name.replace("\\", "\\\\").replace("\n", "\\n")


@given(
    name=st.text(st.characters(blacklist_characters="\0"), max_size=16),
    state=st.sampled_from("RSDZTtXIP"),
    ppid=st.integers(min_value=0, max_value=4194304),
)
def test_status_identity_reads_back_any_name(name: str, state: str, ppid: int) -> None:
    text = f"Name:\t{_kernel_escape(name)}\nUmask:\t0022\nState:\t{state} (x)\nTgid:\t5\nPPid:\t{ppid}\nUid:\t0\n"
    assert procs._status_identity(text) == (name, state, ppid)


@given(st.text(st.sampled_from(list("Name:StPPid\t\n\\ x0123")), max_size=80))
def test_status_identity_of_any_text_is_none_or_consistent(text: str) -> None:
    found = procs._status_identity(text)
    if found is not None:
        name, state, ppid = found
        assert text.startswith("Name:\t" + _kernel_escape(name) + "\n") and len(state) == 1 and ppid >= 0


def test_status_without_switches_cuts_only_the_kernel_closing_lines() -> None:
    body = b"Name:\tx\nState:\tS (sleeping)\nPPid:\t1\n"
    tail = b"voluntary_ctxt_switches:\t12\nnonvoluntary_ctxt_switches:\t3\n"
    assert procs.status_without_switches(body + tail) == body[:-1]
    for odd in (
        body + tail + b"Extra:\t1\n",  # a line after them
        body + tail[:-1],  # no final newline
        body + tail.replace(b"12", b"1 2"),
        body + b"nonvoluntary_ctxt_switches:\t3\n",
        body + tail.replace(b"\t12", b"\t\xd9\xa1"),  # not ASCII digits
    ):
        assert procs.status_without_switches(odd) == odd


@given(
    voluntary=st.integers(min_value=0, max_value=10**12),
    nonvoluntary=st.integers(min_value=0, max_value=10**12),
    cut=st.integers(min_value=0, max_value=4000),
)
def test_the_switch_counts_never_change_the_record(voluntary: int, nonvoluntary: int, cut: int) -> None:
    """process_again of two status texts with the same status_without_switches is the same record: what the
    recorder relies on to give an idle process's record again. Also on a status cut anywhere (then whole)."""
    status = Path("/proc/self/status").read_bytes()
    body = procs.status_without_switches(status)
    assert body != status  # this kernel ends status with the two lines
    tail = f"\nvoluntary_ctxt_switches:\t{voluntary}\nnonvoluntary_ctxt_switches:\t{nonvoluntary}\n"
    other = body + tail.encode()
    assert procs.status_without_switches(other) == body

    def record(text: bytes) -> procs.ProcessInfo | None:
        return procs.process_again(
            1, 5, text, oom_score_adj=b"0\n", oom_score=b"667\n", cmdline=b"python\0-c\0"
        )

    assert record(other) == record(status) is not None
    short = status[:cut]
    if procs.status_without_switches(short) == body:
        assert record(short) == record(status)


_SIGNAL_LINES = ("SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt")


@given(
    values=st.lists(st.text(st.sampled_from(list("0123456789abcdef/")), max_size=20), min_size=6, max_size=6)
)
def test_the_signal_lines_never_change_the_record(values: list[str]) -> None:
    """status_for_again cuts the signal lines whatever they hold; two texts that differ only there give the
    same record (process_again reads none of them)."""
    status = Path("/proc/self/status").read_bytes()
    at, end = status.find(b"\nSigQ:"), status.find(b"\nCapInh:")
    assert 0 < at < end  # as this kernel writes status
    block = "".join(f"\n{name}:\t{value}" for name, value in zip(_SIGNAL_LINES, values, strict=True))
    other = status[:at] + block.encode() + status[end:]
    assert procs.status_for_again(other) == procs.status_for_again(status)
    assert b"SigQ" not in procs.status_for_again(status)

    def record(text: bytes) -> procs.ProcessInfo | None:
        return procs.process_again(1, 5, text, oom_score_adj=b"0\n", oom_score=b"667\n", cmdline=b"python\0")

    assert record(other) == record(status) is not None
    assert record(procs.status_for_again(status)) == record(status)


@pytest.mark.parametrize(
    "line", [b"\nVmRSS:\t1 kB", b"\nState:\tZ (zombie)", b"\nPPid:\t7", b"\nThreads:\t9"]
)
def test_signal_lines_around_a_line_that_is_read_are_kept(line: bytes) -> None:
    status = Path("/proc/self/status").read_bytes()
    at = status.find(b"\nSigPnd:")
    odd = status[:at] + line + status[at:]
    assert procs.status_for_again(odd) == procs.status_without_switches(odd)  # nothing cut but the switches
    assert procs.status_for_again(odd) != procs.status_for_again(status)


def test_pids_of_a_tree_with_names_that_only_look_like_numbers(tmp_path: Path) -> None:
    """A /proc tree that is not the kernel's (a fixture, a copy) may hold any name: "²" and "½" are digits or
    numerics int() refuses, and gave a ValueError traceback; they are no processes."""
    for name in ("1", "42", "²", "½", "self", "7a"):
        (tmp_path / name).mkdir()
    assert ProcFS(proc=tmp_path, sys=tmp_path).pids() == [1, 42]
