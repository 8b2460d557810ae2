"""The daemon's kernel-log part: kernel OOM kills from a /dev/kmsg-format source onto events.jsonl, once each,
resuming after the saved record on restart. A regular file stands in for /dev/kmsg here (same record format);
tests/oom/test_real_oom_timeline.py follows the real device through a real kill."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from hostward.cli.sar_data import with_guard_events
from hostward.collect.host import HostInfo
from hostward.collect.sample import sample_system
from hostward.oom.guard.events import (
    KIND_KERNEL_KILL,
    GuardEvent,
    append_event,
    describe_event,
    events_path,
    read_events,
)
from hostward.oom.kernlog.follow import (
    POSITION_FILE,
    KmsgFollower,
    KmsgPosition,
    read_position,
    write_position,
)
from hostward.plot.timeline import event_marks
from hostward.procfs import ProcFS
from hostward.store.model import CommentMark, DayData

REPORT = [
    "4,{s},{t}000000,-;worker invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
    "6,{s1},{t}000100,-;memory: usage 65536kB, limit 65536kB, failcnt 12",
    "6,{s2},{t}000200,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
    "oom_memcg=/jobs/a,task_memcg=/jobs/a,task=wor\\x0aker,pid={pid},uid=0",
    "3,{s3},{t}000300,-;Memory cgroup out of memory: Killed process {pid} (wor\\x0aker) total-vm:80000kB, "
    "anon-rss:60000kB, file-rss:100kB, shmem-rss:0kB, UID:0 pgtables:200kB oom_score_adj:0",
    " SUBSYSTEM=memory",
]


def kill_records(seq: int, seconds: int, pid: int) -> str:
    return "".join(
        line.format(s=seq, s1=seq + 1, s2=seq + 2, s3=seq + 3, t=seconds, pid=pid) + "\n" for line in REPORT
    )


def append(path: Path, text: str) -> None:
    with path.open("a") as handle:
        handle.write(text)


def follower(tmp_path: Path, device: Path, boot: str = "boot-a") -> KmsgFollower:
    f = KmsgFollower(
        tmp_path / "data",
        device=str(device),
        boot_id=lambda: boot,
        clock=lambda: 2000.0,
        monotonic=lambda: 1000.0,
    )
    f.open()
    return f


def kernel_kills(tmp_path: Path) -> list[GuardEvent]:
    return [e for e in read_events(events_path(tmp_path / "data")) if e.kind == KIND_KERNEL_KILL]


def test_a_kill_arriving_after_start_becomes_one_event(tmp_path: Path) -> None:
    device = tmp_path / "kmsg"
    device.write_text(kill_records(1, 500, 111))  # history before the daemon started: not read
    f = follower(tmp_path, device)
    assert f.poll_once() == 0
    append(device, kill_records(10, 990, 222))
    assert f.poll_once() == 0  # the report may go on: it is complete once a poll brings nothing new
    assert f.poll_once() == 1
    (kill,) = kernel_kills(tmp_path)
    assert (kill.pid, kill.comm, kill.scope, kill.signal) == (222, "wor\nker", "memcg /jobs/a", "SIGKILL")
    assert kill.extra["cgroup"] == "/jobs/a" and kill.extra["constraint"] == "CONSTRAINT_MEMCG"
    assert "reached its limit of 64.0 MiB" in kill.reason
    assert kill.time == 2000.0 - (1000.0 - 990.0)  # printk time placed on the wall clock
    assert read_position(tmp_path / "data" / POSITION_FILE) == KmsgPosition("boot-a", 13)
    assert "(wor\nker) in memcg /jobs/a" in describe_event(kill)
    f.close()


def test_restart_resumes_after_the_saved_record_without_repeating(tmp_path: Path) -> None:
    device = tmp_path / "kmsg"
    device.write_text("")
    f = follower(tmp_path, device)
    append(device, kill_records(10, 990, 222))
    f.poll_once()
    f.poll_once()
    f.close()
    append(device, kill_records(20, 995, 333))  # while the daemon was down
    again = follower(tmp_path, device)
    again.poll_once()
    again.poll_once()
    again.close()
    assert [k.pid for k in kernel_kills(tmp_path)] == [222, 333]


def test_a_position_from_another_boot_starts_at_the_end(tmp_path: Path) -> None:
    device = tmp_path / "kmsg"
    device.write_text(kill_records(10, 990, 222))
    (tmp_path / "data").mkdir()
    write_position(tmp_path / "data" / POSITION_FILE, KmsgPosition("boot-old", 3))
    f = follower(tmp_path, device, boot="boot-new")
    f.poll_once()
    f.poll_once()
    f.close()
    assert kernel_kills(tmp_path) == []


def test_a_planted_symlink_is_not_followed_for_the_position(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("boot-a 999999\n")
    (tmp_path / "data").mkdir()
    os.symlink(target, tmp_path / "data" / POSITION_FILE)
    assert read_position(tmp_path / "data" / POSITION_FILE) is None
    device = tmp_path / "kmsg"
    device.write_text("")
    f = follower(tmp_path, device)
    append(device, kill_records(10, 990, 222))
    f.poll_once()
    f.poll_once()
    f.close()
    assert target.read_text() == "boot-a 999999\n"  # replaced by rename, never written through
    assert not (tmp_path / "data" / POSITION_FILE).is_symlink()


def test_garbage_in_the_position_file_means_start_at_the_end(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / POSITION_FILE).write_bytes(b"\x00\xff garbage\n")
    assert read_position(tmp_path / "data" / POSITION_FILE) is None


def day_of_three_samples() -> DayData:
    base = sample_system(ProcFS())
    samples = [dataclasses.replace(base, timestamp=1000.0 + 10 * i) for i in range(3)]
    return DayData(HostInfo("Linux", "6.1", "h", "x86_64", 2), tuple(samples))


def test_sar_C_shows_kernel_kills_once_and_dry_runs_as_would_kill(tmp_path: Path) -> None:
    path = events_path(tmp_path)
    kill = GuardEvent(
        time=1005.0,
        kind=KIND_KERNEL_KILL,
        reason="Memory cgroup /a reached its limit of 64.0 MiB; the host itself had memory left.",
        pid=5,
        comm="evil\nname",
        signal="SIGKILL",
        scope="memcg /a",
    )
    append_event(path, kill)
    append_event(path, kill)  # written twice (a restart between writing and saving the position)
    append_event(
        path,
        GuardEvent(
            time=1012.0,
            kind="would-kill",
            reason="low",
            pid=6,
            comm="hog",
            badness=9,
            signal="SIGTERM",
            dry_run=True,
        ),
    )
    merged = with_guard_events(day_of_three_samples(), tmp_path)
    texts = [e.text for e in merged.entries if isinstance(e, CommentMark)]
    assert texts == [
        "kernel OOM killer: killed pid 5 (evil\\nname) in memcg /a: Memory cgroup /a reached its limit of 64.0 MiB; "
        "the host itself had memory left.",
        "hostward oom guard: would kill pid 6 (hog) with SIGTERM (dry run, nothing sent) badness 9: low",
    ]


def test_plot_draws_kernel_kills_as_oom_kills() -> None:
    (mark,) = event_marks([(1005.0, KIND_KERNEL_KILL, "kernel-kill python3 5")], 1000.0, 1020.0)
    assert (mark.kind, mark.label) == ("oom-kill", "kernel-kill python3 5")
