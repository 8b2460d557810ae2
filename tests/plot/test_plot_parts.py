"""Graphs drawn from only the parts of each sample they read (issue 17) are the graphs of a full read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.store.conftest import HOST
from tests.store.test_parts import busy

from hostward.activities import BY_NAME
from hostward.cli.plot import sample_parts_for
from hostward.plot.series import PRESSURE, series_from_day
from hostward.report.engine import SAMPLE_READS
from hostward.store import DataFileWriter, day_path, read_file

DAY = dt.date(2026, 11, 27)


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    samples = busy(14)
    target = day_path(tmp_path_factory.mktemp("plot-parts"), DAY)
    with DataFileWriter.open(target, DAY, HOST, keyframe_every=5) as writer:
        writer.write_sample(samples[0], carried=True)
        for sample in samples[1:]:
            writer.write_sample(sample)
    return target


@pytest.mark.parametrize(
    "wanted", [{name} for name in sorted(SAMPLE_READS)] + [{PRESSURE}, {"cpu", PRESSURE}]
)
def test_graphs_from_their_parts_are_those_of_a_full_read(path: Path, wanted: set[str]) -> None:
    parts = sample_parts_for(wanted)
    assert parts is not None and (PRESSURE not in wanted or "pressure" in parts)
    chosen = [BY_NAME[name] for name in wanted if name in BY_NAME]
    full = series_from_day(read_file(path), chosen, pressure=PRESSURE in wanted, hide_unknown_ifutil=True)
    some = series_from_day(
        read_file(path, processes=False, parts=parts),
        chosen,
        pressure=PRESSURE in wanted,
        hide_unknown_ifutil=True,
    )
    assert any(len(s.times) for s in full.series)
    assert repr(some) == repr(full)  # repr: nan == nan


def test_every_graph_or_an_unknown_name_reads_everything() -> None:
    assert sample_parts_for(None) is None
    assert sample_parts_for({"cpu", "no-such-graph"}) is None
