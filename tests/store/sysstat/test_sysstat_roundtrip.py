"""Round trip on data the real sysstat makes during the test run: an sa file (and sar's text of it) imported,
then reported by hostward, gives sar's own numbers, in LANG=C, en_US, de_DE and S_TIME_FORMAT=ISO."""

from __future__ import annotations

import itertools
import re
import subprocess
import time
from pathlib import Path

import pytest
from tests.conftest import require_binary, timezone, unavailable
from tests.store.sysstat.conftest import (
    FLAG_SETS,
    LOCALES,
    Locale,
    SysstatRun,
    available,
    clear_of_midnight,
    locale_env,
    run_hostward_sar,
    run_sar,
)

from hostward.cli.sar_args import parse_sar_args
from hostward.report.imported import render_imported
from hostward.report.sar_text import render_file
from hostward.report.selection import ReportOptions
from hostward.store import read_file
from hostward.store.sysstat import import_files, read_imported
from hostward.store.sysstat.sa_format import R_STATS, parse_sa

pytestmark = pytest.mark.peer

_NUM = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def assert_same_numbers(ours: str, theirs: str, tol: float, what: str, rel: float = 0.0) -> None:
    """Same lines and words; numbers within ``tol`` (their printed precision, or a derived column's rounding)."""
    mine = [line.split() for line in ours.splitlines() if line.strip()]
    sars = [line.split() for line in theirs.splitlines() if line.strip()]
    assert len(mine) == len(sars), (
        f"{what}: {len(mine)} lines, sar printed {len(sars)}\n{ours}\n---\n{theirs}"
    )
    for a_line, b_line in zip(mine, sars, strict=True):
        assert len(a_line) == len(b_line), f"{what}: {a_line} vs {b_line}"
        for a, b in zip(a_line, b_line, strict=True):
            if _NUM.match(a) and _NUM.match(b) and ":" not in a:
                x, y = float(a.replace(",", ".")), float(b.replace(",", "."))
                assert abs(x - y) <= tol + rel * abs(y) + 1e-9, f"{what}: {a_line} vs {b_line}"
            else:
                assert a == b, f"{what}: {a_line} vs {b_line}"


@pytest.mark.parametrize("name", list(LOCALES))
def test_sa_file_import_reports_exactly_what_sar_reports(
    sysstat_run: SysstatRun, tmp_path: Path, name: str
) -> None:
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    done = import_files([sysstat_run.sa], tmp_path)
    assert done[0].kind == "sa" and done[0].added == 5
    day_file = tmp_path / f"hw{done[0].days[0]:%Y%m%d}"
    ours = run_hostward_sar(FLAG_SETS, day_file, loc)
    for flags, text in zip(FLAG_SETS, ours, strict=True):
        theirs = run_sar(sysstat_run.sar, flags, sysstat_run.sa, loc)
        # Counters are stored raw, so every value is computed exactly as sar computes it: same bytes.
        assert text == theirs, f"sar {' '.join(flags)} in {name}:\n{text}\n--- sar:\n{theirs}"


def _text_report(
    sysstat_run: SysstatRun, loc: Locale, tmp_path: Path, flags: tuple[str, ...] = ("-A",)
) -> Path:
    text = run_sar(sysstat_run.sar, flags, sysstat_run.sa, loc)
    path = tmp_path / f"sar-A.{loc.name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


# -u and -P ALL are derived from -A's "-u ALL" columns (%user = %usr + %guest ...): sums of rounded values.
_DERIVED_TOL = {("-u",): 0.03, ("-P", "ALL"): 0.03}


@pytest.mark.parametrize("name", list(LOCALES))
def test_sar_text_import_renders_sars_numbers(sysstat_run: SysstatRun, tmp_path: Path, name: str) -> None:
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    text_file = _text_report(sysstat_run, loc, tmp_path)
    done = import_files([text_file], tmp_path / "store")
    assert done[0].kind == "sar-text" and done[0].added > 0
    day = read_imported(tmp_path / "store", done[0].days[0], done[0].days[-1])
    assert day is not None
    for flags in FLAG_SETS:
        options = ReportOptions(reports=parse_sar_args(list(flags)).selection(day.host.cpu_count))
        ours = "".join(render_imported(day, options, loc.fmt))
        theirs = run_sar(sysstat_run.sar, flags, sysstat_run.sa, loc)
        tol = _DERIVED_TOL.get(flags, 0.0)
        if tol == 0.0:
            assert ours == theirs, f"sar {' '.join(flags)} in {name}:\n{ours}\n--- sar:\n{theirs}"
        else:
            assert_same_numbers(ours, theirs, tol, f"sar {' '.join(flags)} in {name}")


def weight_skew(sa: Path, printed: dict[float, float | None]) -> float:
    """1 - min/max of printed/real interval over the sa file's intervals: a weighted mean whose weights are
    each off by such a factor moves by at most the values' spread times this. Real lengths are sadc's own
    uptime (centiseconds) in the record headers; printed ones what the import read (hostward takes 1 s when
    none, and plain means weigh each row 1: both are measured here)."""
    stats = [r for r in parse_sa(sa.read_bytes(), sa.name).records if r.record_type == R_STATS]
    ratios: list[float] = []
    for before, after in itertools.pairwise(stats):
        real = (after.uptime_cs - before.uptime_cs) / 100
        ratios += [(printed.get(float(after.ust_time)) or 1.0) / real, 1.0 / real]
    return 1.0 - min(ratios) / max(ratios) if ratios else 0.0


def assert_same_averages(
    ours: list[str], theirs: list[str], rows: list[str], *, tol: float, skew: float, what: str
) -> None:
    """Average lines alike word for word; each number within ``tol`` + 1% + its column's spread (over the rows
    of the same item: same words where the Average line has words) times ``skew``."""
    table = [line.split()[1:] for line in rows]
    assert len(ours) == len(theirs), f"{what}: {ours} vs {theirs}"
    for a_line, b_line in zip(ours, theirs, strict=True):
        mine, sars = a_line.split(), b_line.split()
        assert len(mine) == len(sars) and mine[0] == sars[0], f"{what}: {mine} vs {sars}"
        words = {i: w for i, w in enumerate(sars[1:]) if not _NUM.match(w)}
        alike = [r for r in table if len(r) == len(sars) - 1 and all(r[i] == w for i, w in words.items())]
        for i, (a, b) in enumerate(zip(mine[1:], sars[1:], strict=True)):
            if i in words:
                assert a == b, f"{what}: {mine} vs {sars}"
                continue
            x, y = float(a.replace(",", ".")), float(b.replace(",", "."))
            column = [float(r[i].replace(",", ".")) for r in alike if _NUM.match(r[i])]
            spread = max(column) - min(column) if column else 0.0
            assert abs(x - y) <= tol + 1e-2 * abs(y) + spread * skew + 1e-9, (
                f"{what}: {mine} vs {sars} (column {i + 1}: spread {spread}, interval skew {skew:.4f})"
            )


@pytest.mark.parametrize("name", ["C", "de_DE"])
def test_sadf_csv_import_renders_sars_numbers(sysstat_run: SysstatRun, tmp_path: Path, name: str) -> None:
    loc = LOCALES[name]
    if not available(loc):
        unavailable(f"locale {loc.env['LANG']} is not installed (scripts/setup --test generates it)")
    csv = subprocess.run(
        [sysstat_run.sadf, "-d", str(sysstat_run.sa), "--", "-A"], capture_output=True, text=True, check=True,
        env=locale_env(loc),
    ).stdout  # fmt: skip
    path = tmp_path / "sadf.csv"
    path.write_text(csv, encoding="utf-8")
    done = import_files([path], tmp_path / "store")
    assert done[0].kind == "sadf-csv"
    day = read_imported(tmp_path / "store", done[0].days[0], done[0].days[-1])
    assert day is not None and day.host.nodename
    skew = weight_skew(sysstat_run.sa, {row.timestamp: row.interval_seconds for row in day.rows})
    for flags in FLAG_SETS:
        options = ReportOptions(reports=parse_sar_args(list(flags)).selection(day.host.cpu_count))
        ours = "".join(render_imported(day, options, loc.fmt))
        theirs = run_sar(sysstat_run.sar, flags, sysstat_run.sa, loc)
        # sadf -d has no banner details and no Average: rows: compare rows exactly, averages within the
        # rounding of a mean of rounded rows.
        body = [line for line in ours.splitlines()[1:] if line]
        sar_body = [line for line in theirs.splitlines()[1:] if line]
        label = loc.fmt.average_label
        rows_ours = [line for line in body if not line.startswith(label)]
        rows_sar = [line for line in sar_body if not line.startswith(label)]
        if flags not in _DERIVED_TOL:
            assert rows_ours == rows_sar, f"sadf -d, sar {' '.join(flags)} in {name}"
        # sar's averages weigh each interval by its real length (its ticks for CPU), which sadf -d prints in
        # whole seconds: hostward's weights are off by the factor w/i (printed over real), which on a loaded
        # host can be far from 1 (an interval sadc took 1.6 s over). Rows exact (above) or within rounding.
        rows_tol = _DERIVED_TOL.get(flags, 0.0)
        assert_same_numbers(
            "\n".join(rows_ours), "\n".join(rows_sar), rows_tol, f"sadf -d, sar {' '.join(flags)}"
        )
        # Averages: within rounding (half a point for CPU's ticks), 1% (weights that are rounded rates), plus
        # what the measured interval skew can move a weighted mean: the rows' spread times 1 - min/max of w/i.
        tol = 0.5 if flags[0] in ("-u", "-P") else 0.02
        assert_same_averages(
            [line for line in body if line.startswith(label)],
            [line for line in sar_body if line.startswith(label)],
            rows_sar,
            tol=tol,
            skew=skew,
            what=f"sadf -d, sar {' '.join(flags)} in {name}",
        )


def test_reimport_is_idempotent(sysstat_run: SysstatRun, tmp_path: Path) -> None:
    text_file = _text_report(sysstat_run, LOCALES["C"], tmp_path)
    first = import_files([sysstat_run.sa, text_file], tmp_path / "store")
    files = sorted((tmp_path / "store").rglob("*"))
    before = {p: p.read_bytes() for p in files if p.is_file()}
    again = import_files([sysstat_run.sa, text_file], tmp_path / "store")
    assert [f.added for f in first] == [5, first[1].added] and first[1].added > 0
    assert [f.added for f in again] == [0, 0]
    assert [f.already for f in again] == [5, first[1].added]
    assert {p: p.read_bytes() for p in files if p.is_file()} == before


def test_sadf_csv_of_every_activity_imports_per_cpu_interrupts(
    sysstat_run: SysstatRun, tmp_path: Path
) -> None:
    """``sadc -S XALL`` records interrupts; ``sadf -d -- -A`` then prints them under "INTR;CPU*", one
    column per CPU. They are kept under the same name as sar -A text gives them, and the banner of a sadf -d
    import (which has no kernel release or machine) has no empty fields."""
    sa = tmp_path / "sa-xall"
    sadc = require_binary("sadc")["sadc"]
    clear_of_midnight(2)
    subprocess.run([sadc, "-S", "XALL", "1", "2", str(sa)], check=True, env=locale_env(LOCALES["C"]))
    env = locale_env(LOCALES["C"])
    csv = tmp_path / "sadf.csv"
    csv.write_text(subprocess.run([sysstat_run.sadf, "-d", str(sa), "--", "-A"], capture_output=True,
                                  text=True, check=True, env=env).stdout)  # fmt: skip
    assert "INTR;CPU*" in csv.read_text()
    text = tmp_path / "sar-A.txt"
    text.write_text(run_sar(sysstat_run.sar, ("-A",), sa, LOCALES["C"]))
    by_csv, by_text = import_files([csv], tmp_path / "a"), import_files([text], tmp_path / "b")
    intr = [s.removeprefix("kept: ") for s in by_csv[0].skipped if s.startswith("kept: sar:INTR")]
    assert intr and intr[0].split(" (")[0] in {
        s.removeprefix("kept: ").split(" (")[0] for s in by_text[0].skipped
    }
    cpus = run_sar(sysstat_run.sar, ("-A",), sa, LOCALES["C"]).splitlines()[0].split("(")[-1].split()[0]
    assert intr[0].split(" (")[0] == "sar:INTR all " + " ".join(f"CPU{i}" for i in range(int(cpus)))
    day = read_imported(tmp_path / "a", by_csv[0].days[0], by_csv[0].days[-1])
    assert day is not None
    options = ReportOptions(reports=parse_sar_args(["-u"]).selection(day.host.cpu_count))
    first_line = next(iter(render_imported(day, options, LOCALES["C"].fmt)))
    assert "__" not in first_line and "  (" not in first_line and day.host.nodename in first_line


def test_text_import_honours_start_end_and_interval_like_sar(sysstat_run: SysstatRun, tmp_path: Path) -> None:
    """-s/-e/-i select the same rows sar selects from the sa file; with -s/-e the averages are computed over
    what is left; with -i only the times are compared (a text row holds its own interval's values, sar merges
    the counters since the last kept record)."""
    loc = LOCALES["C"]
    done = import_files([_text_report(sysstat_run, loc, tmp_path)], tmp_path / "store")
    day = read_imported(tmp_path / "store", done[0].days[0], done[0].days[-1])
    assert day is not None
    stamps = sorted({r.timestamp for r in day.rows if not r.average})
    start, end = (time.strftime("%H:%M:%S", time.localtime(t)) for t in (stamps[1], stamps[-2]))
    for extra in (("-s", start, "-e", end), ("-i", "2")):
        for flags in (("-u",), ("-q",), ("-P", "ALL")):
            args = parse_sar_args([*flags, *extra])
            options = ReportOptions(
                reports=args.selection(day.host.cpu_count),
                start=args.start,
                end=args.end,
                interval=args.resample or 1,
            )
            ours = "".join(render_imported(day, options, loc.fmt))
            theirs = run_sar(sysstat_run.sar, (*flags, *extra), sysstat_run.sa, loc)
            what = f"sar {' '.join((*flags, *extra))}"
            if extra[0] == "-i":
                times = [
                    [line.split()[:2] for line in text.splitlines() if line[:1].isdigit()]
                    for text in (ours, theirs)
                ]
                assert times[0] == times[1], f"{what}:\n{ours}\n---\n{theirs}"
            else:
                # rows are the source's numbers; the Average is recomputed from them (rounded inputs)
                assert_same_numbers(ours, theirs, 0.02, what)


def test_text_import_repeats_headers_as_the_recorded_report_does(
    sysstat_run: SysstatRun, tmp_path: Path
) -> None:
    """On a terminal sar repeats the header when the lines printed reach the screen's height: the imported
    report does it at the same places as the report of the same data recorded (imported from the sa file)."""
    loc = LOCALES["C"]
    text = import_files([_text_report(sysstat_run, loc, tmp_path)], tmp_path / "text")
    day = read_imported(tmp_path / "text", text[0].days[0], text[0].days[-1])
    assert day is not None
    binary = import_files([sysstat_run.sa], tmp_path / "sa")
    day_file = tmp_path / "sa" / f"hw{binary[0].days[0]:%Y%m%d}"
    for flags in (("-P", "ALL"), ("-u",), ("-d",)):
        args = parse_sar_args(list(flags))
        options = ReportOptions(reports=args.selection(day.host.cpu_count), rows=5)
        ours = "".join(render_imported(day, options, loc.fmt))
        recorded = "".join(render_file(read_file(day_file), options, loc.fmt))
        headers = [i for i, line in enumerate(ours.splitlines()) if line.split()[1:2] in (["CPU"], ["DEV"])]
        assert len(headers) > 1 or flags != ("-P", "ALL"), ours
        assert headers == [
            i for i, line in enumerate(recorded.splitlines()) if line.split()[1:2] in (["CPU"], ["DEV"])
        ], f"{ours}\n---\n{recorded}"


def test_text_import_is_visible_to_sadf_as_sadf_writes_it(
    sysstat_run: SysstatRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hostward sadf -d` on an imported day (no recording): sadf's own lines for the same sa file, values
    within the rounding of the text's derived columns (-u from -u ALL)."""
    from hostward.cli import main

    loc = LOCALES["C"]
    done = import_files([_text_report(sysstat_run, loc, tmp_path)], tmp_path / "store")
    day = done[0].days[0].isoformat()
    for report in (["-u"], ["-q"], ["-n", "DEV"], ["-d"]):
        assert main(["sadf", "-d", "--data-dir", str(tmp_path / "store"), "--date", day, "--", *report]) == 0
        ours = capsys.readouterr().out.splitlines()
        theirs = subprocess.run(
            [sysstat_run.sadf, "-d", str(sysstat_run.sa), "--", *report],
            capture_output=True, text=True, check=True, env=locale_env(loc),
        ).stdout.splitlines()  # fmt: skip
        assert len(ours) == len(theirs), (report, ours, theirs)
        for a, b in zip(ours, theirs, strict=True):
            fa, fb = a.split(";"), b.split(";")
            keys = 4 if len(fa) > 3 and not fa[3].replace(".", "").replace("-", "").isdigit() else 3
            assert fa[:keys] == fb[:keys], (report, a, b)
            for x, y in zip(fa[keys:], fb[keys:], strict=True):
                assert x == y or abs(float(x) - float(y)) <= 0.03, (report, a, b)


@pytest.mark.parametrize(
    ("zone", "clock", "slept"),
    [
        ("UTC", "2026-12-06 23:59:57", 4.0),  # 3 s to midnight: past it, and a second more
        ("UTC", "2026-12-06 23:59:40", None),  # 20 s: the 5 s recording ends well before
        ("UTC", "2026-12-06 12:00:00", None),
        ("Europe/Berlin", "2026-12-06 23:59:55", 6.0),  # local midnight (22:59:55 UTC)
        ("Europe/Berlin", "2026-12-07 00:59:58", 3.0),  # UTC midnight, 01:59:58 local
    ],
)
def test_recordings_wait_for_midnight_to_pass(zone: str, clock: str, slept: float | None) -> None:
    """A recording that would cross midnight (local or UTC) starts after it: one day, one file (the fixture's
    sadc ran across midnight once and the day's report missed the samples of the next day)."""
    with timezone(zone):
        start = time.mktime(time.strptime(clock, "%Y-%m-%d %H:%M:%S"))
        now = [start]
        sleeps: list[float] = []

        def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            now[0] += seconds

        clear_of_midnight(5, clock=lambda: now[0], sleep=sleep)
    assert sleeps == ([] if slept is None else [pytest.approx(slept)])
