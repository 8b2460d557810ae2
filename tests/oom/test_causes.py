"""The verdict names the cause (issue 14): each fixture was written from the kernel's printk formats with the
figures of one cause; the verdict must give those figures and the next step for that cause, and must not give
the advice that would be wrong for it."""

from __future__ import annotations

from pathlib import Path

from hostward.oom.kernlog.follow import kill_events
from hostward.oom.kernlog.kernlog import kernel_lines
from hostward.oom.kernlog.oomevent import OomEvent
from hostward.oom.kernlog.oomparse import parse_events
from hostward.oom.kernlog.report import Verdict, verdict
from hostward.oom.kernlog.sources import file_lines

FIXTURES = Path(__file__).parents[1] / "fixtures" / "oom"


def events(name: str) -> list[OomEvent]:
    return list(parse_events(kernel_lines(file_lines(str(FIXTURES / name)))))


def one(name: str) -> Verdict:
    (event,) = events(name)
    return verdict(event)


def text(v: Verdict) -> str:
    return "\n".join([v.summary, *v.findings, *v.next_steps])


def test_unreclaimable_slab_is_a_kernel_leak_and_the_victim_collateral() -> None:
    v = one("cause-slab-leak.dmesg")
    assert v.summary.startswith("Kernel memory (unreclaimable slab, 5.7 GiB = 72% of RAM)")
    assert any("sshd (pid 812) was collateral" in f for f in v.findings)
    assert any("slabtop" in s and "kmemleak" in s for s in v.next_steps)
    assert "add memory" not in text(v) and "no single process dominated" not in text(v)


def test_tmpfs_and_shared_memory_are_not_the_process() -> None:
    v = one("cause-tmpfs-shmem.dmesg")
    assert v.summary == "Shared memory or tmpfs files held the memory; the killed process was not the leak."
    assert any("Shmem was 5.3 GiB (67% of RAM)" in f and "shmem-rss 4.8 GiB" in f for f in v.findings)
    assert v.next_steps[0].startswith("find what holds it: df -h -t tmpfs")
    assert not any(s.startswith("find out why postgres grew") for s in v.next_steps)


def test_swap_free_but_unused_is_told_apart_from_absent_and_exhausted() -> None:
    v = one("cause-swap-unused.dmesg")
    assert any(f.startswith("swap was free but unused (3.8 GiB free of 4.0 GiB)") for f in v.findings)
    assert any("Mlocked" in s for s in v.next_steps)
    absent = text(one("cause-slab-leak.dmesg"))
    assert "no swap is configured" in absent and "free but unused" not in absent
    (exhausted,) = events("shape-swap-only.syslog")
    assert any("swap was exhausted (1.0 MiB free of 4.0 GiB)" in f for f in verdict(exhausted).findings)


def test_a_victim_chosen_by_oom_score_adj_is_a_bystander() -> None:
    v = one("cause-bystander.dmesg")
    assert any(
        "chrome-render (234.4 MiB) was a bystander (its oom_score_adj +1000 made it preferred): leaky (pid 6100) "
        "held 6.5 GiB" in f
        for f in v.findings
    )
    assert v.next_steps[0].startswith("look at leaky first")


def test_a_kill_below_the_cgroup_limit_is_premature() -> None:
    v = one("cause-premature.dmesg")
    assert v.summary == (
        "Memory cgroup /jobs/a was at 39.1 MiB of its 128.0 MiB limit when the kill came: a premature kill."
    )
    assert any("31% of the limit" in f for f in v.findings)
    assert "raise the limit" not in text(v)


def test_a_cgroup_at_its_limit_is_not_premature() -> None:
    (event,) = events("debian8-3.16-memcg-v1.kern.log")
    assert "premature" not in text(verdict(event))


def test_a_kill_storm_ending_in_a_panic_names_the_balloon_driver() -> None:
    storm = events("cause-storm-balloon.dmesg")
    assert [v.pid for e in storm for v in e.victims] == [8101, 8102, 8103]
    assert storm[-1].panic == "Out of memory and no killable processes..."
    v = verdict(storm[-1], repeated=3)
    assert any("storm of 3 OOM events" in f for f in v.findings)
    assert any("vmballoon, a memory balloon driver" in f for f in v.findings)
    assert v.next_steps[0].startswith("check the hypervisor's balloon target")
    assert "storm" not in text(verdict(storm[0]))


def test_the_daemon_event_carries_the_cause_as_its_one_line_reason() -> None:
    (event,) = events("cause-slab-leak.dmesg")
    (kill,) = kill_events(event, 1.0)
    assert kill.reason.startswith("Kernel memory (unreclaimable slab") and "\n" not in kill.reason


def test_dirty_cache_that_could_not_be_written_makes_a_premature_memcg_oom() -> None:
    v = one("cause-dirty-writeback.journal-iso")
    assert any(
        "dirty and writeback page cache was 400.0 MiB of the cgroup's 512.0 MiB, anon only 40.0 MiB" in f
        for f in v.findings
    )
    assert any("vm.dirty_ratio" in s for s in v.next_steps)
    assert "raise the limit" not in text(v)


def test_a_huge_page_pool_is_named_as_ram_nothing_else_could_use() -> None:
    (event,) = events("cause-hugepages.dmesg")
    assert event.meminfo is not None
    assert (event.meminfo.hugepages_kb, event.meminfo.hugepages_free_kb) == (
        6 << 20,
        4 << 20,
    )  # 2M and 1G pools
    v = verdict(event)
    assert any(
        f.startswith("6.0 GiB (75% of RAM) was reserved as huge pages, 4.0 GiB of it unused")
        for f in v.findings
    )
    assert any("vm.nr_hugepages" in s for s in v.next_steps)
