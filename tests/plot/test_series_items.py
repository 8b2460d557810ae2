"""series_from_day computes only the items drawn where an activity can leave the others out (cpu's rows_of),
with the same numbers, and its rows are checked against the activity's columns."""

from __future__ import annotations

import dataclasses

import pytest

from hostward.activities import BY_NAME
from hostward.activities.base import Interval, Row
from hostward.plot.series import SeriesSet, series_from_day
from hostward.store.model import DayData


def _by_item(sset: SeriesSet) -> dict[str | None, tuple[tuple[float, ...], tuple[tuple[float, ...], ...]]]:
    return {s.item: (s.times, s.values) for s in sset.of("cpu")}


def test_cpu_all_alone_has_the_numbers_of_every_cpu_computed(day: DayData) -> None:
    cpu = [BY_NAME["cpu"]]
    every = _by_item(series_from_day(day, cpu))
    assert set(every) == {"all", "0", "1"}
    alone = _by_item(series_from_day(day, cpu, items={"cpu": frozenset({"all"})}))
    assert alone == {"all": every["all"]}  # restart gap (NaN row) included
    one = _by_item(series_from_day(day, cpu, items={"cpu": frozenset({"1"})}))
    assert one == {"1": every["1"]}
    assert _by_item(series_from_day(day, cpu, items={"cpu": None})) == every


def test_items_of_an_activity_without_rows_of_change_nothing(day: DayData) -> None:
    disk = [BY_NAME["disk"]]
    assert series_from_day(day, disk, items={"disk": frozenset({"none"})}) == series_from_day(day, disk)


def test_rows_of_another_width_than_the_columns_are_a_bug_said_as_such(day: DayData) -> None:
    def short(span: Interval) -> list[Row]:
        return [Row(None, (1.0,))]

    broken = dataclasses.replace(BY_NAME["queue"], rows=short)
    with pytest.raises(ValueError, match="queue None: rows of 6 columns expected"):
        series_from_day(day, [broken])
