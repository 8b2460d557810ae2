"""Kernel log prefixes and the OOM report parser, on fixtures written from the kernel's printk formats."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hostward.oom.kernlog.kernlog import iter_raw_lines, kernel_lines, split_line
from hostward.oom.kernlog.oomevent import OomEvent
from hostward.oom.kernlog.oomparse import parse_events
from hostward.oom.kernlog.sources import file_lines

FIXTURES = Path(__file__).parents[1] / "fixtures" / "oom"


def events_of(name: str) -> list[OomEvent]:
    return list(parse_events(kernel_lines(file_lines(str(FIXTURES / name)))))


@pytest.mark.parametrize(
    ("raw", "message", "mono", "wall"),
    [
        ("[  364.970589] python invoked oom-killer: x", "python invoked oom-killer: x", 364.970589, None),
        ("<4>[  364.970589] msg", "msg", 364.970589, None),
        ("[Fri Nov 27 09:14:01 2026] msg", "msg", None, "Nov 27 09:14:01 2026"),
        ("kern  :err   : [  12.5] msg", "msg", 12.5, None),
        ("6,1234,364970589,-;Mem-Info:", "Mem-Info:", 364.970589, None),
        ("Nov  3 11:55:02 host kernel: [ 1020.3001] msg", "msg", 1020.3001, "Nov  3 11:55:02"),
        ("Feb 07 14:30:05 web3 kernel: msg", "msg", None, "Feb 07 14:30:05"),
        ("Feb 07 14:30:05.123456 web3 kernel: msg", "msg", None, "Feb 07 14:30:05.123456"),
        ("Fri 2026-11-27 17:00:00 UTC web3 kernel: msg", "msg", None, "2026-11-27 17:00:00 UTC"),
        ("<4>1 2026-11-27T17:00:00Z web3 kernel - - - msg", "msg", None, "2026-11-27T17:00:00Z"),
        ('<4>1 2026-11-27T17:00:00Z w kernel - - [m@1 a="b"] [ 5.5] msg', "msg", 5.5, "2026-11-27T17:00:00Z"),
        ("2021-09-14T22:01:44+0200 k8s kernel: msg", "msg", None, "2021-09-14T22:01:44+0200"),
        (
            "2026-11-27T17:00:00.123456+00:00 host kernel: msg",
            "msg",
            None,
            "2026-11-27T17:00:00.123456+00:00",
        ),
        ("[ 5021.441002] build01 kernel: msg", "msg", 5021.441002, None),
        ("2026-11-27T17:00:00,123456+00:00 msg", "msg", None, "2026-11-27T17:00:00,123456+00:00"),
        (
            "/var/log/syslog.1:Nov  2 03:10:44 c kernel: [88210.1012] msg",
            "msg",
            88210.1012,
            "Nov  2 03:10:44",
        ),
        ("kern.log:17:[ 1.5] msg", "msg", 1.5, None),
        ("[  100.000001][ T4242] msg", "msg", 100.000001, None),
        ("oom_reaper: reaped process 1 (x)", "oom_reaper: reaped process 1 (x)", None, None),
    ],
)
def test_prefixes(raw: str, message: str, mono: float | None, wall: str | None) -> None:
    line = split_line(raw)
    assert line is not None
    assert (line.message, line.monotonic_seconds, line.wall_time) == (message, mono, wall)


@pytest.mark.parametrize(
    "raw",
    [
        "Nov  3 11:55:02 host sshd[22]: Killed process 5 (x) total-vm:1kB",
        "<4>1 2026-11-27T17:00:00Z host cron 12 - - Killed process 5 (x) total-vm:1kB",
        " SUBSYSTEM=cpu",
        "",
        "   ",
    ],
)
def test_lines_without_kernel_messages(raw: str) -> None:
    assert split_line(raw) is None


def test_rhel6_2_6_32_global() -> None:
    (ev,) = events_of("rhel6-2.6.32-global.messages")
    assert ev.scope == "global" and ev.constraint == "CONSTRAINT_NONE"
    assert ev.trigger is not None and (ev.trigger.comm, ev.trigger.pid) == ("mysqld", 2301)
    assert (ev.trigger.gfp_mask, ev.trigger.order, ev.trigger.oom_adj) == (0x201DA, 0, 0)
    (victim,) = ev.victims
    assert (victim.pid, victim.comm, victim.uid, victim.anon_rss_kb, victim.score) == (
        2301,
        "mysqld",
        27,
        7181264,
        903,
    )
    assert [t.name for t in ev.tasks] == ["udevd", "sshd", "ntpd", "mysqld", "httpd"]
    assert ev.tasks[0].oom_adj == -17 and ev.tasks[0].oom_score_adj == -1000
    assert ev.meminfo is not None and ev.meminfo.ram_pages == 2097151 and ev.meminfo.total_swap_kb == 0
    assert ev.meminfo.values["active_anon"] == 1807461 and ev.meminfo.pagecache_pages == 497


def test_mainline_2_6_32_child_sacrificed_and_interleaved_line() -> None:
    (ev,) = events_of("mainline-2.6.32-child.dmesg")
    (victim,) = ev.victims
    assert victim.pid == 3120 and victim.total_vm_kb == 1164016  # "vsz:" of 2.6.32
    assert victim.uid == 33  # filled from the task table
    assert any("killed its child" in n for n in ev.notes)
    assert len(ev.tasks) == 4  # the e1000 line in the middle did not end the table


def test_3_16_memcg_v1_one_line_stats() -> None:
    (ev,) = events_of("debian8-3.16-memcg-v1.kern.log")
    assert ev.scope == "memcg" and ev.oom_memcg == "/docker/a1b2c3" and ev.task_memcg == "/docker/a1b2c3"
    assert ev.memcg is not None and ev.memcg.version == 1
    assert (ev.memcg.usage_kb, ev.memcg.limit_kb, ev.memcg.failcnt) == (524288, 524288, 1882)
    assert ev.memcg.swap_limit_kb == 524288  # memory+swap limit minus memory limit
    assert ev.memcg.stats["rss"] == 524164 * 1024
    assert ev.tasks[1].pgtables_bytes == 412 * 4096  # nr_ptes
    assert [v.pid for v in ev.victims] == [4242] and ev.victims[0].score == 1001


def test_4_4_global_nr_pmds_and_reaper() -> None:
    (ev,) = events_of("ubuntu16-4.4-global.journal-short")
    assert ev.trigger is not None and ev.trigger.gfp_flags == "GFP_HIGHUSER_MOVABLE|__GFP_COLD"
    assert ev.tasks[3].pgtables_bytes == (928 + 4) * 4096
    (victim,) = ev.victims
    assert victim.reaped and victim.shmem_rss_kb == 0 and victim.pid == 2811
    assert ev.meminfo is not None and ev.meminfo.values["inactive_file"] == 210  # a wrapped Mem-Info line


def test_4_18_memcg_v2() -> None:
    (ev,) = events_of("rhel8-4.18-memcg-v2.journal-iso")
    assert ev.memcg is not None and ev.memcg.version == 2 and ev.memcg.swap_limit_kb == 0
    assert ev.memcg.stats["anon"] == 266452992
    assert ev.oom_memcg == "/kubepods.slice/kubepods-burstable.slice/pod42.slice/cri-abc.scope"
    (victim,) = ev.victims
    assert (victim.pid, victim.oom_score_adj, victim.pgtables_kb, victim.reaped) == (777, 999, 1048, True)
    assert ev.trigger is not None and ev.trigger.oom_score_adj == 999


def test_5_10_two_kills_then_panic() -> None:
    first, second, third = events_of("debian11-5.10-two-kills-panic.monotonic")
    assert [v.pid for v in first.victims] == [90211] and [v.pid for v in second.victims] == [90212]
    assert second.victims[0].reaped and not first.victims[0].reaped
    assert first.task_memcg == "/user.slice/user-1000.slice/session-3.scope" and first.oom_memcg is None
    assert first.meminfo is not None and first.meminfo.values["free"] == 33012
    assert first.tasks[2].swap_pages == 262100
    assert third.panic is not None and "panic_on_oom" in third.panic and not third.victims


def test_6_8_kmsg_with_escapes() -> None:
    (ev,) = events_of("ubuntu24-6.8-global.kmsg")
    assert ev.monotonic_seconds == pytest.approx(812345.678901)
    assert ev.trigger is not None and ev.trigger.pid == 31337 and ev.trigger.oom_score_adj == 500
    assert ev.tasks[1].rss_anon_pages == 1499000
    assert ev.tasks[2].name == "my\x1b[31mevil name"  # \x1b decoded; escaped again only for display
    assert ev.meminfo is not None and ev.meminfo.values["inactive_file"] == 40  # after a \x0a inside a record


def test_6_1_journal_json_with_byte_array_message() -> None:
    (ev,) = events_of("debian12-6.1-memcg-v2.journal.json")
    (victim,) = ev.victims
    assert victim.pid == 4100 and victim.comm.encode("utf-8", "surrogateescape") == b"redis-\xffserver"
    assert ev.oom_memcg == "/system.slice/redis.service" and ev.memcg is not None and ev.memcg.version == 2
    assert ev.wall_time is not None and ev.wall_time.startswith("2023-11-14T22:14:59")


def test_grep_filtered_kills_are_separate_events() -> None:
    events = events_of("grep-filtered.txt")
    assert [[v.pid for v in e.victims] for e in events] == [[1822], [9120], [9300]]
    assert events[0].trigger is not None and events[1].trigger is None
    assert any("filtered" in n for n in events[1].notes)


def test_wrapped_interleaved_and_hostile_names() -> None:
    first, second = events_of("wrapped-interleaved.dmesg-T")
    (victim,) = first.victims
    assert (victim.pid, victim.uid, victim.shmem_rss_kb, victim.pgtables_kb) == (7001, 0, 0, 320)
    assert [t.name for t in first.tasks] == ["worker", "a) b (c d"]
    assert first.memcg is not None and first.memcg.limit_kb == 131072
    assert second.victims[0].comm == "ev)il" and second.victims[0].pid == 7003


def test_half_report() -> None:
    (ev,) = events_of("half-report.dmesg")
    assert not ev.victims and len(ev.tasks) == 1
    assert any("cut short" in n for n in ev.notes)


def test_over_long_lines_are_cut_not_buffered() -> None:
    data = (
        b"x" * (1 << 20)
        + b"\n[ 1.0] Out of memory: Killed process 5 (a) total-vm:1kB, anon-rss:1kB, file-rss:0kB\n"
    )
    lines = list(iter_raw_lines(io.BytesIO(data), max_line_bytes=4096))
    assert len(lines) == 2 and len(lines[0]) == 4096
    (ev,) = parse_events(kernel_lines(lines))
    assert ev.victims[0].pid == 5


# mm/page_alloc.c warn_alloc(): "%s: page allocation failure: order:%u, mode:%#x(%pGg), nodemask=%*pbl" then
# dump_stack() and show_mem(): the Mem-Info block an OOM report has, yet nothing was killed.
ALLOC_FAILURE = [
    "[  100.000001] kworker/0:1: page allocation failure: order:4, mode:0x40dc0(GFP_KERNEL|__GFP_COMP|__GFP_ZERO),"
    " nodemask=(null),cpuset=/,mems_allowed=0",
    "[  100.000002] CPU: 0 PID: 12 Comm: kworker/0:1 Not tainted 6.1.0-13-amd64 #1 Debian 6.1.55-1",
    "[  100.000003] Mem-Info:",
    "[  100.000004] active_anon:10 inactive_anon:20 isolated_anon:0",
    "[  100.000005] Free swap  = 0kB",
    "[  100.000006] Total swap = 0kB",
    "[  100.000007] 4194304 pages RAM",
]


def test_page_allocation_failure_is_not_an_oom_kill() -> None:
    assert list(parse_events(kernel_lines(ALLOC_FAILURE))) == []


def test_oom_report_after_a_page_allocation_failure_is_still_found() -> None:
    kmsg = (FIXTURES / "ubuntu24-6.8-global.kmsg").read_text().splitlines()
    alone = list(parse_events(kernel_lines(kmsg)))
    after = list(parse_events(kernel_lines([*ALLOC_FAILURE, *kmsg])))
    assert len(after) == len(alone) == 1
    assert after[0].victims == alone[0].victims
    assert after[0].meminfo == alone[0].meminfo


def test_headerless_report_long_after_an_allocation_failure_still_opens() -> None:
    late = ["[  900.000001] Mem-Info:", "[  900.000002] Free swap  = 0kB", "[  900.000003] Total swap = 0kB"]
    (ev,) = parse_events(kernel_lines([*ALLOC_FAILURE, *late]))
    assert ev.meminfo is not None and ev.meminfo.total_swap_kb == 0
