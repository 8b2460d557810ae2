"""The activity definitions against sysstat 12.6.1's activity.c header lines, and their internal consistency."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostward.activities import ACTIVITIES, BY_NAME
from hostward.activities.base import Activity, Interval
from hostward.collect.sample import sample_system
from hostward.procfs import ProcFS

# activity.c (v12.6.1) .hdr_line, per view; "&" separates the -r ALL extension, "|" the -S output.
SYSSTAT_HEADERS = {
    ("cpu", ""): "CPU;%user;%nice;%system;%iowait;%steal;%idle",
    ("cpu", "ALL"): "CPU;%usr;%nice;%sys;%iowait;%steal;%irq;%soft;%guest;%gnice;%idle",
    ("tasks", ""): "proc/s;cswch/s",
    ("swapping", ""): "pswpin/s;pswpout/s",
    ("paging", ""): "pgpgin/s;pgpgout/s;fault/s;majflt/s;pgfree/s;pgscank/s;pgscand/s;pgsteal/s;%vmeff",
    ("io", ""): "tps;rtps;wtps;dtps;bread/s;bwrtn/s;bdscd/s",
    (
        "memory",
        "",
    ): "kbmemfree;kbavail;kbmemused;%memused;kbbuffers;kbcached;kbcommit;%commit;kbactive;kbinact;kbdirty",
    (
        "memory",
        "ALL",
    ): "kbmemfree;kbavail;kbmemused;%memused;kbbuffers;kbcached;kbcommit;%commit;kbactive;kbinact;"
    "kbdirty;kbanonpg;kbslab;kbkstack;kbpgtbl;kbvmused",
    ("swap", ""): "kbswpfree;kbswpused;%swpused;kbswpcad;%swpcad",
    ("queue", ""): "runq-sz;plist-sz;ldavg-1;ldavg-5;ldavg-15;blocked",
    ("disk", ""): "DEV;tps;rkB/s;wkB/s;dkB/s;areq-sz;aqu-sz;await;%util",
    ("net_dev", ""): "IFACE;rxpck/s;txpck/s;rxkB/s;txkB/s;rxcmp/s;txcmp/s;rxmcst/s;%ifutil",
    ("net_edev", ""): "IFACE;rxerr/s;txerr/s;coll/s;rxdrop/s;txdrop/s;txcarr/s;rxfram/s;rxfifo/s;txfifo/s",
}


@pytest.mark.parametrize(("name", "view"), sorted(SYSSTAT_HEADERS))
def test_headers_are_sysstats(name: str, view: str) -> None:
    activity = BY_NAME[name]
    names = [activity.columns[i].header for i in activity.view(view)]
    if activity.item is not None:
        names.insert(0, activity.item.header)
    assert ";".join(names) == SYSSTAT_HEADERS[(name, view)]


def test_order_flags_and_names_are_unique() -> None:
    assert [a.order for a in ACTIVITIES] == sorted({a.order for a in ACTIVITIES})
    assert len({a.flag for a in ACTIVITIES}) == len({a.name for a in ACTIVITIES}) == len(ACTIVITIES)


@pytest.mark.parametrize("activity", ACTIVITIES, ids=lambda a: a.name)
def test_every_row_has_one_value_per_column(activity: Activity, fixtures_dir: Path) -> None:
    roots = [fixtures_dir / "report" / t for t in ("t0", "t1")]
    prev, curr = (sample_system(ProcFS(proc=r / "proc", sys=r / "sys")) for r in roots)
    rows = activity.rows(Interval(prev, curr, 100))
    assert rows
    assert all(len(r.values) == len(activity.columns) for r in rows)
    assert all((r.item is None) == (activity.item is None) for r in rows)


@pytest.mark.parametrize("activity", ACTIVITIES, ids=lambda a: a.name)
def test_json_keys_unique_and_every_column_explains_its_tolerance(activity: Activity) -> None:
    for view in {"", *activity.views}:
        keys = [activity.columns[i].json_key for i in activity.view(view)]
        assert len(keys) == len(set(keys))
    for column in activity.columns:
        assert column.parity.why and column.parity.abs >= 0 and column.parity.rel >= 0
        assert column.decimals in (0, 2)
