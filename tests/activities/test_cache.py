"""The cache activity's formulas on hand-made samples, the reply-to-record conversion and the stored form:
rates, resets (restart and 'stats reset'), absent servers, the Average row; property tests for what is parsed
or decoded."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.activities import ACTIVITIES, BY_NAME, HOSTWARD_ACTIVITIES
from hostward.activities.base import AverageInput, Interval
from hostward.activities.cache import CACHE, CACHE_COLUMNS, cache_rows
from hostward.cli.sar_args import parse_sar_args
from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.sample import MemcachedSample, SystemSample
from hostward.errors import ConfigError
from hostward.recorder.cachewatch import MAX_VALUE, STAT_FIELDS, CacheWatch, memcached_sample
from hostward.store.framing import Corrupt
from hostward.store.layout import Unflattener, flatten
from hostward.store.schema import SCHEMA
from hostward.store.shape import Shape, shape_of

T0 = 1795773600.0
NAMES = tuple(c.name for c in CACHE_COLUMNS)
S = "127.0.0.1:11211"


def sample(uptime: float, *caches: MemcachedSample) -> SystemSample:
    return SystemSample(
        timestamp=T0 + uptime,
        uptime_seconds=uptime,
        cpu=CpuStat(CpuTimes(), (CpuTimes(),), 0, 0, 1, 0, 0, 0),
        load=LoadAvg(0.0, 0.0, 0.0, 1, 100, 1),
        memory=MemInfo(mem_total_kb=1024),
        vmstat=VmStat(),
        disks=(),
        nets=(),
        pressure=None,
        caches=caches,
    )


def mc(**values: int) -> MemcachedSample:
    base = {"pid": 42, "uptime": 100, "limit_maxbytes": 64 << 20}
    return MemcachedSample(S, True, **{**base, **values})  # type: ignore[arg-type]


def rows(prev: SystemSample, curr: SystemSample) -> list[dict[str, float]]:
    span = Interval(prev, curr, round((curr.uptime_seconds - prev.uptime_seconds) * 100))
    return [dict(zip(NAMES, r.values, strict=True)) for r in cache_rows(span)]


def test_rates_over_the_time_between_the_replies() -> None:
    # Samples 10 s apart; the first reply was 300 ms old, the second 100 ms: the replies are 10.2 s apart.
    before = dataclasses.replace(mc(cmd_get=1000, get_hits=800, get_misses=200, cmd_set=100), age_ms=300)
    after = dataclasses.replace(
        mc(
            uptime=110,
            cmd_get=2020,
            get_hits=1840,
            get_misses=180 + 200,
            cmd_set=202,
            evictions=51,
            reclaimed=102,
            bytes_read=10_444_800,
            bytes_written=20_889_600,
            rejected_connections=102,
            curr_items=77,
            curr_connections=9,
            bytes=16 << 20,
        ),
        age_ms=100,
    )
    (values,) = rows(sample(1000.0, before), sample(1010.0, after))
    assert values == {
        "get/s": pytest.approx(100),
        "hit/s": pytest.approx(1040 / 10.2),
        "miss/s": pytest.approx(180 / 10.2),
        "set/s": pytest.approx(10),
        "%hit": pytest.approx(1040 / 1020 * 100),
        "evict/s": pytest.approx(5),
        "recl/s": pytest.approx(10),
        "items": 77,
        "%fill": pytest.approx(25),
        "rxkB/s": pytest.approx(1000),
        "txkB/s": pytest.approx(2000),
        "conn": 9,
        "rejc/s": pytest.approx(10),
        "reset": 0,
    }


def test_no_lookup_means_no_hit_ratio_not_zero() -> None:
    (values,) = rows(
        sample(0.0, mc(cmd_get=5, get_hits=5)), sample(1.0, mc(uptime=101, cmd_get=5, get_hits=5))
    )
    assert values["get/s"] == 0 and math.isnan(values["%hit"])


@pytest.mark.parametrize(
    ("after", "why"),
    [
        ({"pid": 43, "uptime": 1}, "restarted: another pid"),
        ({"pid": 0, "uptime": 3}, "uptime went back (no pid sent)"),
        ({"uptime": 101, "cmd_get": 0, "get_hits": 0}, "stats reset: same process, counters zeroed"),
    ],
)
def test_a_reset_has_no_rates_and_says_so(after: dict[str, int], why: str) -> None:
    before = mc(cmd_get=500, get_hits=400, curr_items=9)
    prev_sample = sample(0.0, dataclasses.replace(before, pid=0) if after.get("pid") == 0 else before)
    (values,) = rows(prev_sample, sample(1.0, mc(**{"curr_items": 3, **after})))
    assert values["reset"] == 1, why
    assert all(math.isnan(values[n]) for n in NAMES if n not in ("items", "%fill", "conn", "reset"))
    assert values["items"] == 3  # the state at the sample is still shown


def test_an_absent_server_is_an_empty_row_and_the_next_interval_has_no_rates() -> None:
    absent = MemcachedSample(S)
    a, b, c = (
        sample(0.0, mc(cmd_get=1)),
        sample(1.0, absent),
        sample(2.0, mc(uptime=102, cmd_get=9, curr_items=4)),
    )
    (gap,) = rows(a, b)
    assert all(math.isnan(v) for v in gap.values())
    (after,) = rows(b, c)
    assert math.isnan(after["get/s"]) and after["items"] == 4 and after["reset"] == 0


def test_average_sums_the_rated_intervals_and_counts_resets() -> None:
    s0 = sample(0.0, mc(cmd_get=0, curr_items=10))
    s1 = sample(10.0, mc(uptime=110, cmd_get=100, curr_items=20))  # 10/s
    s2 = sample(20.0, mc(pid=7, uptime=5, cmd_get=3, curr_items=0))  # restart: no rate
    s3 = sample(30.0, MemcachedSample(S))  # absent
    s4 = sample(40.0, mc(pid=7, uptime=25, cmd_get=30, curr_items=30))  # after a gap: no rate
    s5 = sample(50.0, mc(pid=7, uptime=35, cmd_get=330, curr_items=40))  # 30/s
    span = Interval(s0, s5, 5000)
    (avg,) = CACHE.averages(AverageInput(span, (s1, s2, s3, s4, s5)))
    values = dict(zip(NAMES, avg.values, strict=True))
    assert values["get/s"] == pytest.approx((100 + 300) / 20)
    assert values["items"] == pytest.approx((20 + 0 + 30 + 40) / 4)  # the samples that had the server
    assert values["reset"] == 1


def test_definition_and_flag() -> None:
    assert CACHE in HOSTWARD_ACTIVITIES and CACHE not in ACTIVITIES and BY_NAME["cache"] is CACHE
    assert parse_sar_args(["--cache"]).flags == {"cache"}
    # -A stays sar's -A (as for --time): hostward's own reports are asked for by name.
    assert "cache" not in {s.activity.name for s in parse_sar_args(["-A"]).selection(2)}
    assert len({c.json_key for c in CACHE_COLUMNS}) == len(CACHE_COLUMNS)


# -- property tests ------------------------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=50)


@given(st.dictionaries(st.sampled_from((*STAT_FIELDS, "version", "rusage_user")) | _text, _text, max_size=40))
def test_any_stats_fields_make_a_record_of_small_non_negative_integers(fields: dict[str, str]) -> None:
    record = memcached_sample(S, fields, age_ms=5)
    assert record.present and record.server == S and record.age_ms == 5
    for name in STAT_FIELDS:
        value = getattr(record, name)
        assert isinstance(value, int) and 0 <= value <= MAX_VALUE
        text = fields.get(name)
        if text is not None and text.isascii() and text.isdigit() and int(text) <= MAX_VALUE:
            assert value == int(text)


_counter = st.integers(0, MAX_VALUE)
_record = st.builds(
    MemcachedSample,
    st.text(min_size=1, max_size=80),
    st.booleans(),
    st.integers(0, 10_000),
    **{name: _counter for name in STAT_FIELDS},
)


@settings(max_examples=60)
@given(st.lists(_record, max_size=4, unique_by=lambda r: r.server))
def test_stored_records_read_back_exactly(caches: list[MemcachedSample]) -> None:
    original = sample(100.0, *caches)
    shape = shape_of(original)
    assert Shape.decode(shape.encode()) == shape
    ints, floats = flatten(original)
    assert Unflattener(SCHEMA).build(shape, ints, floats).caches == tuple(caches)


@given(_record, _record, st.integers(1, 100_000))
def test_rates_are_never_negative(a: MemcachedSample, b: MemcachedSample, itv_cs: int) -> None:
    b = dataclasses.replace(b, server=a.server)
    prev, curr = sample(0.0, a), sample(itv_cs / 100, b)
    for values in rows(prev, curr):
        assert all(math.isnan(v) or v >= 0 for v in values.values())


@pytest.mark.parametrize(
    ("servers", "timeout", "message"),
    [
        (("nohost",), 0.25, "'nohost' is not HOST:PORT"),
        (("unix:relative.sock",), 0.25, "absolute path"),
        (("127.0.0.1:11211",), 0.0, "timeout_seconds: 0.0 is out of range"),
        (("127.0.0.1:11211",), math.inf, "out of range"),
    ],
)
def test_bad_cache_settings_are_refused_at_start_in_one_line(
    servers: tuple[str, ...], timeout: float, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        CacheWatch(servers, interval=10.0, timeout=timeout)
    assert "\n" not in str(err.value)


@given(st.binary(max_size=64))
def test_a_damaged_shape_tail_is_refused_as_corrupt_or_read(tail: bytes) -> None:
    """Bytes after the memory fields (where the time flag and the cache servers go) from a damaged file."""
    head = dataclasses.replace(shape_of(sample(1.0)), time=False, caches=())
    try:
        decoded = Shape.decode(head.encode() + tail)
    except Corrupt:
        return
    assert all(isinstance(server, str) for server in decoded.caches)
