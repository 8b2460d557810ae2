"""Property tests: parsers either parse or raise their one error type, never anything else; values written in
any locale's sar layout come back as written."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import FIXTURES

from hostward.errors import ParseError, StoreError
from hostward.store.sysstat.sa_format import parse_sa
from hostward.store.sysstat.sadf_csv import parse_sadf_csv
from hostward.store.sysstat.sar_text import parse_sar_text

MIDNIGHT = (FIXTURES / "import" / "midnight-C.txt").read_text()


@pytest.fixture(autouse=True, scope="module")
def _utc(utc_module: None) -> None:
    """Every test here runs in UTC (tests/conftest.py)."""


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789:;., \t\nAPMLinuxCPUall%usr-_()#\u202f"), max_size=400))
def test_sar_text_parser_only_raises_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_sar_text(text, "fuzz")
    with contextlib.suppress(ParseError):
        parse_sadf_csv(text, "fuzz")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(MIDNIGHT) - 1), st.integers(1, 40), st.text(max_size=5))
def test_damaged_real_report_only_raises_parse_error(at: int, cut: int, junk: str) -> None:
    text = MIDNIGHT[:at] + junk + MIDNIGHT[at + cut :]
    try:
        report = parse_sar_text(text, "damaged")
    except ParseError as exc:
        assert str(exc).startswith("damaged: ")
    else:
        assert report.host.nodename  # a damage that still parses (e.g. inside a number) is a valid report


@pytest.mark.peer
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_sa_file_only_raises_store_error(data: st.DataObject, sysstat_run: object) -> None:
    raw = bytearray(sysstat_run.sa.read_bytes())  # type: ignore[attr-defined]
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    raw = raw[: data.draw(st.integers(0, len(raw)))]
    try:
        parse_sa(bytes(raw), "mutated")
    except StoreError as exc:
        assert str(exc).startswith("mutated: ")


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.tuples(st.integers(0, 10000), st.integers(0, 99)), min_size=1, max_size=8),
    style=st.sampled_from(["C", "en_US", "de_DE", "ISO"]),
    start=st.integers(0, 86399 - 80),
)
def test_values_round_trip_in_every_clock_and_decimal_style(
    values: list[tuple[int, int]], style: str, start: int
) -> None:
    day = dt.date(2026, 3, 9)
    date_text = {"C": "03/09/26", "en_US": "03/09/2026", "de_DE": "09.03.2026", "ISO": "2026-03-09"}[style]
    point = "," if style == "de_DE" else "."

    def clock(sod: int) -> str:
        t = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=sod)
        return t.strftime("%I:%M:%S %p") if style == "en_US" else t.strftime("%H:%M:%S")

    lines = [f"Linux 6.1.0 (h) \t{date_text} \t_x86_64_\t(2 CPU)", "", f"{clock(start):<11} proc/s   cswch/s"]
    for k, (whole, frac) in enumerate(values, 1):
        number = f"{whole}{point}{frac:02d}"
        lines.append(f"{clock(start + 10 * k):<11} {number:>9} {number:>9}")
    report = parse_sar_text("\n".join(lines) + "\n", "gen")
    got = [dict(r.values)["proc/s"] for r in report.rows]
    assert got == pytest.approx([w + f / 100 for w, f in values], abs=1e-9)
    base = dt.datetime.combine(day, dt.time()).timestamp()
    assert [r.timestamp - base for r in report.rows] == [start + 10 * k for k in range(1, len(values) + 1)]
    assert all(r.activity == "tasks" and r.interval_seconds == 10 for r in report.rows)
