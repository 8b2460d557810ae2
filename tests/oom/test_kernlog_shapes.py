"""Log shapes real OOM logs have (issue 14): summary-only victims, control characters in names in every form,
glued/quoted/wrapped lines, dmesg -T in other locales, swap state from the swap lines alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import require_binary

from hostward.oom.kernlog.ctime import load_month_table
from hostward.oom.kernlog.kernlog import KernelLine, kernel_lines
from hostward.oom.kernlog.oomevent import OomEvent
from hostward.oom.kernlog.oomparse import parse_events
from hostward.oom.kernlog.report import render_event
from hostward.oom.kernlog.sources import file_lines

SHAPES = Path(__file__).parents[1] / "fixtures" / "oom"


def events_of(name: str) -> list[OomEvent]:
    return list(parse_events(kernel_lines(file_lines(str(SHAPES / f"shape-{name}")))))


def test_victim_named_only_by_the_summary_line() -> None:
    first, second = events_of("summary-only.kmsg")
    assert [(v.pid, v.comm, v.uid) for v in first.victims] == [(4411, "etl-load", 998)]
    assert (first.scope, first.oom_memcg) == ("memcg", "/jobs/etl")
    assert [(v.pid, v.comm) for v in second.victims] == [(812, "postgres")] and second.scope == "global"
    assert any("summary line" in n for n in first.notes)
    assert not any("cut short" in n for n in first.notes)


@pytest.mark.parametrize(
    "name",
    [
        "newline-name.kmsg",
        "newline-name.dmesg",
        "newline-name.journal-short",
        "newline-name.journal.json",
        "newline-name.rsyslog",
    ],
)
def test_newline_in_a_process_name_in_every_form(name: str) -> None:
    (event,) = events_of(name)
    (victim,) = event.victims
    assert (victim.pid, victim.comm, victim.anon_rss_kb) == (6100, "evil\nname", 30800)
    assert event.task_memcg == "/drill"
    text = "\n".join(render_event(event))
    assert "evil\\nname" in text and "evil\nname" not in text  # decoded, then shown escaped on one line
    if event.trigger is not None:
        assert event.trigger.comm == "evil\nname"


def test_glued_quoted_and_wrapped_lines() -> None:
    (event,) = events_of("glued-quoted-wrapped.dmesg")
    assert event.trigger is not None
    assert (event.trigger.comm, event.trigger.pid, event.trigger.gfp_flags) == (
        "postgres",
        812,
        "GFP_HIGHUSER_MOVABLE|__GFP_COMP",
    )
    assert event.trigger.oom_score_adj == 0
    assert [(v.pid, v.shmem_rss_kb) for v in event.victims] == [(812, 1200)]
    assert event.meminfo is not None
    assert (event.meminfo.free_swap_kb, event.meminfo.total_swap_kb, event.meminfo.ram_pages) == (
        0,
        0,
        4194173,
    )
    assert event.meminfo.values["slab_unreclaimable"] == 21000
    assert event.panic == "System is deadlocked on memory"


def test_dmesg_T_in_german_with_and_without_a_known_month() -> None:
    require_binary("locale")
    first, second = events_of("locale-de.dmesg-T")
    assert first.wall_time == "Mar  5 09:14:01 2026" and second.wall_time == "Dec 19 23:59:58 2026"
    assert [v.pid for v in first.victims] == [7001] and [v.pid for v in second.victims] == [7002]


def test_month_table_comes_from_the_c_library() -> None:
    require_binary("locale")
    table = load_month_table(shutil.which("locale") or "locale")
    assert table["mär"] == 3 and table["dez"] == 12 and table["okt"] == 10  # de_DE is installed here
    assert table["march"] == 3 and table["nov"] == 11
    assert load_month_table("/nonexistent/locale")["dec"] == 12  # no locale tool: English only


def test_swap_state_from_the_swap_lines_alone() -> None:
    (event,) = events_of("swap-only.syslog")
    assert event.meminfo is not None
    assert (event.meminfo.free_swap_kb, event.meminfo.total_swap_kb) == (1024, 4194300)
    assert "swap unknown" not in "\n".join(render_event(event))


_PIECES = st.sampled_from(
    [
        "[  1.000000] ",
        "[Fr Mär  5 09:14:01 2026] ",
        "   ",
        "> ",
        "6,1,100,-;",
        "Nov  3 11:55:02 h kernel: ",
        "x invoked oom-killer:",
        " gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
        "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,task_memcg=/a,task=",
        ",pid=5,uid=0",
        "Killed process 5 (",
        ") total-vm:1kB, anon-rss:1kB, file-rss:0kB",
        "Kernel panic - not syncing: ",
        "Free swap  = 1kB",
        "\\x0a",
        "#012",
        "\n",
        "(",
        ")",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=40))
def test_parser_never_fails_and_keeps_named_victims(pieces: list[str]) -> None:
    text = "".join(pieces)
    events = list(parse_events(kernel_lines(text.splitlines(keepends=True))))
    for event in events:
        for victim in event.victims:
            assert victim.pid >= 0
        render_event(event)  # renders without raising, whatever the names hold


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=15))
def test_any_victim_name_survives_kmsg_escaping(comm: str) -> None:
    escaped = "".join(f"\\x{ord(c):02x}" if ord(c) < 32 or c == "\\" or ord(c) == 127 else c for c in comm)
    record = (
        f"3,302,500000200,-;Memory cgroup out of memory: Killed process 6100 ({escaped}) total-vm:60844kB, "
        "anon-rss:30800kB, file-rss:1240kB, shmem-rss:0kB, UID:0 pgtables:120kB oom_score_adj:0\n"
    )
    (event,) = parse_events(kernel_lines([record]))
    assert [(v.pid, v.comm) for v in event.victims] == [(6100, comm)]


def test_an_unstamped_line_after_a_header_without_stamps_is_not_joined() -> None:
    lines = [
        KernelLine("x invoked oom-killer:", None, None, 1),
        KernelLine(
            "Out of memory: Killed process 5 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB", None, None, 2
        ),
    ]
    (event,) = parse_events(lines)
    assert [v.pid for v in event.victims] == [5]
