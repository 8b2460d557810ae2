"""The dashboard's data layer gives the numbers `hostward sar`/`sadf` print, for recorded and imported data."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest
from tests.web.recording import record

from hostward.activities import BY_NAME
from hostward.cli import main
from hostward.errors import StoreError, UsageError
from hostward.web import data


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("rec")
    record(data_dir, samples=4, step=1.0, comment="deploy <b>v2</b>")
    return data_dir


def _window(data_dir: Path) -> data.Window:
    now = dt.datetime.now().replace(microsecond=0)
    return data.Window(now - dt.timedelta(minutes=10), now + dt.timedelta(minutes=1))


def _sadf(capsys: pytest.CaptureFixture[str], data_dir: Path, w: data.Window, *flags: str) -> str:
    since, until = w.since.isoformat(sep=" "), w.until.isoformat(sep=" ")
    code = main(
        [
            "sadf",
            *flags[:1],
            "-C",
            "--since",
            since,
            "--until",
            until,
            "--data-dir",
            str(data_dir),
            "--",
            *flags[1:],
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.parametrize(
    ("name", "view", "flags"),
    [
        ("cpu", "", ("-u",)),
        ("cpu", "ALL", ("-u", "ALL", "-P", "ALL")),
        ("memory", "ALL", ("-r", "ALL")),
        ("queue", "", ("-q",)),
        ("net_dev", "", ("-n", "DEV")),
        ("disk", "", ("-d",)),
    ],
)
def test_exports_are_sadf_output(
    recorded: Path, capsys: pytest.CaptureFixture[str], name: str, view: str, flags: tuple[str, ...]
) -> None:
    w = _window(recorded)
    loaded = data.load(recorded, w)
    items = None if "ALL" in flags[2:] or name != "cpu" else frozenset({"all"})
    assert data.export_csv(loaded, BY_NAME[name], view, items) == _sadf(capsys, recorded, w, "-d", *flags)
    assert data.export_json(loaded, BY_NAME[name], view, items) == _sadf(capsys, recorded, w, "-j", *flags)


def test_chart_series_are_the_sadf_numbers(recorded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w = _window(recorded)
    doc = data.series_document(data.load(recorded, w), BY_NAME["cpu"], "", frozenset({"all"}))
    assert doc["source"] == "recorded" and [s["item"] for s in doc["series"]] == ["all"]
    assert [c["header"] for c in doc["columns"]] == [
        "%user",
        "%nice",
        "%system",
        "%iowait",
        "%steal",
        "%idle",
    ]
    rows = [
        r.split(";") for r in _sadf(capsys, recorded, w, "-d", "-u").splitlines() if not r.startswith("#")
    ]
    rows = [r for r in rows if r[1] != "-1"]  # comments
    series = doc["series"][0]
    assert len(rows) == len(series["times"]) == 3
    for k, row in enumerate(rows):
        for c, text in enumerate(row[4:]):
            assert f"{series['values'][c][k]:.2f}" == text
    assert any(m["kind"] == "comment" and m["label"] == "deploy <b>v2</b>" for m in doc["marks"])
    assert set(doc["items"]) >= {"all", "0"}


def test_items_filter_and_pressure(recorded: Path) -> None:
    loaded = data.load(recorded, _window(recorded))
    every = data.series_document(loaded, BY_NAME["cpu"], "ALL", None)
    assert {s["item"] for s in every["series"]} == set(every["items"])
    pressure = data.pressure_document(loaded)
    values = pressure["series"][0]["values"]
    assert len(values) == 5 and all(v is None or 0 <= v <= 100 for col in values for v in col)


def test_imported_history_is_shown_when_nothing_was_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "Linux 6.1.0 (db1) \t11/05/2026 \t_x86_64_\t(2 CPU)\n\n"
        "10:00:00 AM     CPU     %user     %nice   %system   %iowait    %steal     %idle\n"
        "10:00:10 AM     all     10.00      0.00      5.00      0.00      0.00     85.00\n"
        "10:00:20 AM     all     20.00      0.00      5.00      0.00      0.00     75.00\n"
        "Average:        all     15.00      0.00      5.00      0.00      0.00     80.00\n"
    )
    source = tmp_path / "sar.txt"
    source.write_text(text)
    assert main(["import", "--data-dir", str(tmp_path), "--month-first", str(source)]) == 0
    capsys.readouterr()
    loaded = data.load(tmp_path, data.parse_window("2026-11-05", None, None))
    doc = data.series_document(loaded, BY_NAME["cpu"], "", None)
    assert doc["source"] == "imported" and doc["host"] == "db1"
    assert doc["series"][0]["values"][0] == [10.0, 20.0]
    with pytest.raises(StoreError):
        data.export_csv(loaded, BY_NAME["cpu"], "", None)


def test_empty_window_and_gaps_are_null(tmp_path: Path) -> None:
    doc = data.series_document(
        data.load(tmp_path, data.parse_window("2020-01-01", None, None)), BY_NAME["cpu"]
    )
    assert doc["source"] == "none" and doc["series"] == []
    assert data._num(math.nan) is None and json.dumps(data._num(1.5)) == "1.5"


@pytest.mark.parametrize(
    ("day", "since", "until", "message"),
    [
        ("2026-11-05", "2026-11-05", None, "either day"),
        (None, "2026-11-05 10:00", "2026-11-05 09:00", "empty"),
        (None, "2026-01-01", "2026-03-01", "longer than"),
        ("yesterday", None, None, "expected YYYY-MM-DD"),
        (None, "2026-11-05 25:00", None, "expected"),
    ],
)
def test_bad_windows_are_one_line_errors(
    day: str | None, since: str | None, until: str | None, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        data.parse_window(day, since, until)


def test_window_forms() -> None:
    now = dt.datetime(2026, 11, 5, 12, 0, 0)
    assert data.parse_window(None, None, None, now=now) == data.Window(now - dt.timedelta(hours=24), now)
    assert data.parse_window("2026-11-05", None, None).until == dt.datetime(2026, 11, 5, 23, 59, 59)
    assert data.parse_window(None, "2026-11-05T10:00", "2026-11-05T11:30", now=now).since.hour == 10
    assert data.parse_items(["0,1", "all"]) == frozenset({"0", "1", "all"})
    assert data.parse_items(["ALL"]) is None and data.parse_items([]) is None
    with pytest.raises(UsageError):
        data.parse_items(["x" * 65])
    with pytest.raises(UsageError):
        data.activity_named("nope")
