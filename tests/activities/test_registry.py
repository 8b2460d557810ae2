"""The activity registry: every table line names the definition it loads, and a command imports only the
definitions it reports (start-up cost; issue 17)."""

from __future__ import annotations

import pytest
from tests.conftest import modules_after

from hostward import activities


@pytest.mark.parametrize("name", sorted({*activities.SYSSTAT, *activities.HOSTWARD}))
def test_each_line_loads_the_activity_of_that_name(name: str) -> None:
    activity = activities.get(name)
    assert activity.name == name
    assert activities.BY_NAME[name] is activity
    assert (activity in activities.ACTIVITIES) == (name in activities.SYSSTAT)
    assert (activity in activities.HOSTWARD_ACTIVITIES) == (name in activities.HOSTWARD)


def test_all_activities_are_in_sysstat_order_and_names_are_unique() -> None:
    orders = [a.order for a in activities.ACTIVITIES]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert [a.name for a in activities.HOSTWARD_ACTIVITIES] == ["time", "cache"]
    assert not activities.SYSSTAT.keys() & activities.HOSTWARD.keys()


def test_by_order_sorts_a_selection_and_unknown_names_are_key_errors() -> None:
    assert [a.name for a in activities.by_order({"disk", "memory", "cpu", "time"})] == [
        "cpu",
        "memory",
        "disk",
        "time",
    ]
    with pytest.raises(KeyError):
        activities.get("nosuch")
    with pytest.raises(AttributeError):
        _ = activities.NOSUCH  # type: ignore[attr-defined]


def _activity_modules_after(code: str) -> set[str]:
    return modules_after(code, "hostward.activities.")[0]


def test_sar_u_builds_only_the_cpu_definition() -> None:
    code = (
        "from hostward.cli.sar_args import parse_sar_args\n"
        "args = parse_sar_args(['-u'])\n"
        "assert [s.activity.name for s in args.selection(2)] == ['cpu']"
    )
    assert _activity_modules_after(code) == {"hostward.activities.base", "hostward.activities.cpu"}


def test_sar_A_builds_every_sysstat_definition_and_no_hostward_one() -> None:
    code = (
        "from hostward.cli.sar_args import parse_sar_args\n"
        "names = [s.activity.name for s in parse_sar_args(['-A']).selection(2)]\n"
        "from hostward import activities\n"
        "assert names == [a for a in names if a in activities.SYSSTAT], names"
    )
    modules = _activity_modules_after(code)
    assert "hostward.activities.time" not in modules and "hostward.activities.cache" not in modules
    assert "hostward.activities.snmp" in modules and "hostward.activities.psi" in modules
