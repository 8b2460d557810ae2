"""``hostward plot -f SA`` decodes only the activities it draws (decode_sa's ``parts``): the graphs' series are
the same as from the whole file, and the fields not asked for read as not recorded."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.conftest import require_binary

from hostward.activities import BY_NAME
from hostward.cli.plot import sample_parts_for
from hostward.collect.sample import SystemSample
from hostward.plot.series import PRESSURE, SeriesSet, series_from_day
from hostward.store.model import DayData
from hostward.store.parts import SAMPLE_PARTS
from hostward.store.sysstat.sa_decode import LAYOUTS, SA_PARTS, decode_sa
from hostward.store.sysstat.sa_format import parse_sa


@pytest.fixture(scope="module")
def sa_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three records of this host by sysstat's own sadc, every activity it can collect."""
    found = require_binary("sadc")
    sa = tmp_path_factory.mktemp("sa-parts") / "sa01"
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
    subprocess.run([found["sadc"], "-S", "XALL", "1", "3", str(sa)], check=True, env=env, timeout=30)
    return sa


def _series(sa: Path, parts: frozenset[str] | None, wanted: set[str]) -> SeriesSet:
    decoded = decode_sa(parse_sa(sa.read_bytes(), str(sa)), parts=parts)
    chosen = [BY_NAME[name] for name in sorted(wanted) if name in BY_NAME]
    return series_from_day(DayData(decoded.host, decoded.entries), chosen, pressure=PRESSURE in wanted)


def test_every_stored_activity_fills_a_known_part() -> None:
    assert set(LAYOUTS) - set(SA_PARTS) == {1, 2, 9}  # CPU, task creation, queue: always decoded
    assert set(SA_PARTS.values()) <= SAMPLE_PARTS


@pytest.mark.parametrize(
    "wanted",
    [{"cpu"}, {"memory"}, {"net_dev"}, {"disk"}, {"queue", PRESSURE}, {"cpu", "memory", "net_dev", "paging"}],
)
def test_graphs_from_some_parts_equal_graphs_from_the_whole_file(sa_file: Path, wanted: set[str]) -> None:
    parts = sample_parts_for(wanted)
    assert parts is not None and parts < SAMPLE_PARTS
    whole = _series(sa_file, None, wanted)
    some = _series(sa_file, parts, wanted)
    assert some.series == whole.series and some.samples == whole.samples == 3
    assert any(s.times for s in whole.series)


def test_fields_not_asked_for_read_as_not_recorded(sa_file: Path) -> None:
    decoded = decode_sa(parse_sa(sa_file.read_bytes(), str(sa_file)), parts=frozenset({"cpu"}))
    samples = [e for e in decoded.entries if isinstance(e, SystemSample)]
    whole = [
        e
        for e in decode_sa(parse_sa(sa_file.read_bytes(), str(sa_file))).entries
        if isinstance(e, SystemSample)
    ]
    assert [s.cpu for s in samples] == [s.cpu for s in whole]
    assert whole[0].nets and whole[0].memory.mem_total_kb > 0  # this host has them: the test means something
    for s in samples:
        assert s.nets == () and s.disks == () and s.pressure is None and s.memory.mem_total_kb == 0
