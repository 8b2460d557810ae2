"""Verdict rules on stats replies shaped like real ones, and hostile replies for every parser and renderer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.cache.explain import explain_settings, explain_stats
from hostward.cache.health import CacheHealth
from hostward.cache.slabs import slab_table
from hostward.cache.stats import StatsReply
from hostward.cache.verdict import LEVELS, judge, nc_command, version_tuple
from hostward.cli.cache_text import render_settings, render_slabs, render_stats

# The shape of memcached 1.6.18's replies (values from a -m 64 server), varied per test.
BASE = {
    "pid": "100", "uptime": "3600", "version": "1.6.18", "max_connections": "1024", "curr_connections": "10",
    "total_connections": "50", "rejected_connections": "0", "cmd_get": "100000", "cmd_set": "20000",
    "get_hits": "95000", "get_misses": "5000", "bytes_read": "1", "bytes_written": "1",
    "limit_maxbytes": "67108864", "accepting_conns": "1", "listen_disabled_num": "0", "bytes": "20000000",
    "curr_items": "20000", "total_items": "20000", "expired_unfetched": "0", "evicted_unfetched": "0",
    "evictions": "0", "reclaimed": "0",
}  # fmt: skip
SETTINGS = {"tcpport": "11211", "udpport": "0", "inter": "127.0.0.1", "domain_socket": "NULL"}
SETTINGS |= {"slab_reassign": "yes", "slab_automove": "1", "auth_enabled_sasl": "no"}


def _codes(**fields: str) -> dict[str, str]:
    verdict = judge(BASE | fields, settings=SETTINGS)
    return {f.code: f.level for f in verdict.findings}


def test_a_healthy_server() -> None:
    verdict = judge(BASE, settings=SETTINGS)
    assert verdict.level == "ok" and not verdict.findings
    assert "hit ratio 95.0 %" in verdict.summary and verdict.window == "since start"


def test_too_small_is_a_warning_then_critical_by_share_of_evictions() -> None:
    full = {"bytes": "62000000"}
    assert _codes(**full, evictions="100", total_items="20000") == {"too_small": "warning"}
    assert _codes(**full, evictions="5000", total_items="20000") == {"too_small": "critical"}
    assert _codes(evictions="100") == {}  # not full: evicting with memory left is calcification's case


def test_hot_misses_only_with_memory_to_spare() -> None:
    assert _codes(get_hits="50000", get_misses="50000") == {"hot_misses": "warning"}
    assert _codes(get_hits="500", get_misses="500", cmd_get="1000") == {"hot_misses": "warning"}
    assert _codes(get_hits="50", get_misses="50", cmd_get="100") == {}  # too few gets to say
    assert "hot_misses" not in _codes(get_hits="50000", get_misses="50000", bytes="62000000", evictions="9")


def test_churn_and_unread_items() -> None:
    assert _codes(reclaimed="15000") == {"churn": "warning"}
    assert _codes(expired_unfetched="6000") == {"unread_items": "warning"}
    assert _codes(reclaimed="15000", total_items="500") == {}  # too few items stored to say


def test_connection_limits() -> None:
    assert _codes(rejected_connections="3") == {"connections": "critical"}
    assert _codes(listen_disabled_num="1") == {"connections": "critical"}
    assert _codes(curr_connections="1000") == {"connections": "warning"}


def test_versions_and_exposure() -> None:
    assert _codes(version="1.4.25") == {"version": "critical"}
    assert _codes(version="1.4.33") == {}
    assert version_tuple("1.6.18-rc1") == (1, 6, 18) and version_tuple("garbage") is None
    assert {f.code for f in judge(BASE, settings=SETTINGS | {"udpport": "11211"}).findings} == {"udp"}
    assert {f.code for f in judge(BASE, settings=SETTINGS | {"inter": "NULL"}).findings} == {"exposed"}
    sasl = SETTINGS | {"inter": "NULL", "auth_enabled_sasl": "yes"}
    assert not judge(BASE, settings=sasl).findings


def test_interval_reads_the_last_interval_not_since_start() -> None:
    old_trouble = BASE | {"rejected_connections": "40"}
    later = old_trouble | {"uptime": "3660", "cmd_get": "101000", "get_hits": "95950"}
    assert judge(later).level == "critical"  # since start: 40 rejected, a week ago or now
    verdict = judge(later, before=old_trouble, seconds=60.0)
    assert verdict.level == "ok" and verdict.window == "last 60.0 s"
    restarted = later | {"pid": "101", "uptime": "5"}
    assert judge(restarted, before=old_trouble).window == "since start"


def test_calcification_names_classes_and_the_command() -> None:
    slabs = {
        "2:chunk_size": "120", "2:chunks_per_page": "8738", "2:total_pages": "3", "2:used_chunks": "0",
        "2:free_chunks": "26214", "2:free_chunks_end": "0", "19:chunk_size": "5680",
        "19:chunks_per_page": "184", "19:total_pages": "1", "19:used_chunks": "184", "19:free_chunks": "0",
        "19:free_chunks_end": "0", "active_slabs": "2", "total_malloced": "4194304",
    }  # fmt: skip
    items = {"items:19:number": "184", "items:19:evicted": "1836", "items:19:age": "0"}
    table = slab_table(slabs, items)
    assert [c.id for c in table.classes] == [2, 19] and table.classes[0].free_pages == 3
    stats = BASE | {"limit_maxbytes": "4194304", "bytes": "1000000", "evictions": "1836"}
    off = SETTINGS | {"slab_automove": "0"}
    verdict = judge(stats, slabs=table, settings=off, server="[::1]:11211")
    assert {f.code for f in verdict.findings} == {"slab_calcification"}
    steps = verdict.findings[0].steps
    assert steps[0] == "move a page now: printf 'slabs reassign 2 19\\r\\n' | nc -N ::1 11211"
    assert "slabs automove 1" in steps[1]
    no_reassign = judge(stats, slabs=table, settings=SETTINGS | {"slab_reassign": "no"})
    assert "-o slab_reassign" in no_reassign.findings[0].steps[0]
    assert nc_command("unix:/run/mc.sock") == "nc -NU /run/mc.sock"


_text = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12)
_value = st.one_of(
    st.integers(0, 2**64).map(str), st.sampled_from(["-1", "nan", "1e400", "yes", "NULL", ""]), _text
)
_names = st.one_of(
    st.sampled_from([*BASE, *SETTINGS, "time", "threads"]),
    st.builds(lambda i, n: f"{i}:{n}", st.integers(-2, 300), st.sampled_from(["chunk_size", "free_chunks"])),
    st.builds(lambda i, n: f"items:{i}:{n}", st.integers(-2, 300), st.sampled_from(["evicted", "age"])),
    _text,
)
_replies = st.dictionaries(_names, _value, max_size=40)


@settings(max_examples=300, deadline=None)  # a loaded shared machine is not a failure
@given(_replies, _replies, _replies, _replies, st.one_of(st.none(), _replies))
def test_hostile_replies_never_break_parsers_verdicts_or_renderers(
    stats: dict[str, str],
    slabs: dict[str, str],
    items: dict[str, str],
    conf: dict[str, str],
    before: dict[str, str] | None,
) -> None:
    table = slab_table(slabs, items)
    assert all(0 < c.id <= 255 for c in table.classes)
    assert all(c.free_chunks is None or c.free_chunks >= 0 for c in table.classes)
    verdict = judge(stats, before=before, slabs=table, settings=conf)
    assert verdict.level in LEVELS
    assert all("\n" not in f.summary for f in verdict.findings)
    for group in explain_stats(stats):
        for fig in group.figures:
            assert fig.value is None or isinstance(fig.value, str) or fig.value >= 0
    assert len(explain_settings(conf)) == len(conf)
    health = CacheHealth(
        "127.0.0.1:11211", StatsReply("x", "stats", stats, 0.0), table, None, conf, verdict, None
    )
    for render in (render_stats, render_slabs, render_settings):
        assert render(health).endswith("\n")
