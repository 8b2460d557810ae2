"""``hostward plot`` end to end: files written, clear one-line errors for empty ranges and single samples."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from tests.plot.conftest import HOST, T10, day_entries

from hostward.cli import COMMANDS, main
from hostward.cli.plot import run
from hostward.errors import StoreError, UsageError
from hostward.oom.guard.events import GuardEvent, append_event, events_path
from hostward.store import DataFileWriter, day_path
from hostward.store.model import RestartMark
from hostward.store.sysstat.imported import ImportedRow, store_imported

DAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def commands(monkeypatch: pytest.MonkeyPatch) -> None:
    # Until the lead adds them to cli/__init__.py's COMMANDS table.
    monkeypatch.setitem(COMMANDS, "plot", ("hostward.cli.plot", "graphs"))
    monkeypatch.setitem(COMMANDS, "import", ("hostward.cli.import_", "import"))


def write(data_dir: Path, count: int | None = None) -> None:
    entries = day_entries()[:count] if count is not None else day_entries()
    with DataFileWriter.open(day_path(data_dir, DAY), DAY, HOST) as writer:
        for e in entries:
            if isinstance(e, RestartMark):
                writer.write_restart(e)
            else:
                writer.write_sample(e)  # type: ignore[arg-type]


def test_pdf_report_has_a_contents_page_and_one_page_per_graph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path)
    out = tmp_path / "report.pdf"
    assert run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    said = capsys.readouterr().out
    assert said.startswith(f"{out}: 13 graphs, 92 samples")  # hugepages (-H) too
    assert out.read_bytes().count(b"/Type /Page") - out.read_bytes().count(b"/Type /Pages") == 14


def test_png_and_svg_files_follow_sar_flags(tmp_path: Path) -> None:
    write(tmp_path)
    assert (
        run(
            [
                "--data-dir",
                str(tmp_path),
                "--date",
                "2026-11-27",
                "-u",
                "-n",
                "DEV",
                "-o",
                str(tmp_path / "g"),
                "--format",
                "png",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == ["01-cpu.png", "02-net-eth0.png"]
    assert (tmp_path / "g" / "01-cpu.png").read_bytes().startswith(b"\x89PNG")
    assert (
        run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-d", "-o", str(tmp_path / "d.svg")]) == 0
    )
    assert b"<svg" in (tmp_path / "d.svg").read_bytes()[:2000]


def test_svg_text_is_text_and_the_same_data_gives_the_same_file(tmp_path: Path) -> None:
    """Titles and tick labels are <text> elements (not glyph outlines), with no dated metadata block, so
    plotting the same day twice writes the same bytes; graphs of one run never share an SVG id."""
    write(tmp_path)
    argv = ["--data-dir", str(tmp_path), "--date", "2026-11-27", "-u", "-r", "--format", "svg", "-o"]
    assert run([*argv, str(tmp_path / "a")]) == 0
    assert run([*argv, str(tmp_path / "b")]) == 0
    cpu = (tmp_path / "a" / "01-cpu.svg").read_text()
    texts = re.findall(r"<text\b[^>]*>([^<]*)</text>", cpu)
    assert "CPU utilisation by mode (all CPUs)" in texts and "% of CPU time" in texts and "user" in texts
    assert "plothost — Friday 2026-11-27" in texts
    assert "<metadata>" not in cpu and "DejaVuSans-" not in cpu  # no glyph outlines in <defs>
    for name in ("01-cpu.svg", "02-memory.svg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    ids = [set(re.findall(r'id="([^"]+)"', (tmp_path / "a" / n).read_text())) for n in ("01-cpu.svg", "02-memory.svg")]  # fmt: skip
    assert ids[0] and ids[1] and not ids[0] & ids[1]


def test_empty_range_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", "--data-dir", str(tmp_path), "--date", "2026-11-20"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no data recorded for 2026-11-20" in err and "Traceback" not in err


def test_one_sample_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, count=1)
    with pytest.raises(StoreError, match="at least two samples"):
        run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-o", str(tmp_path / "x.pdf")])
    assert (
        main(["plot", "--data-dir", str(tmp_path), "--date", "2026-11-27", "-o", str(tmp_path / "x.pdf")])
        == 1
    )
    assert "a graph needs at least two samples" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_window_without_samples(tmp_path: Path) -> None:
    write(tmp_path)
    with pytest.raises(
        StoreError,
        match="only 1 sample for plothost between 2026-11-27 20:00:00 and 2026-11-27 21:00:00: a graph",
    ):
        run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-s", "20:00", "-e", "21:00"])
    with pytest.raises(StoreError, match="no samples for plothost between 2026-11-27 03:00:00 and"):
        run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-s", "03:00", "-e", "04:00"])
    with pytest.raises(UsageError):
        run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-s", "12:00", "-e", "11:00"])
    with pytest.raises(UsageError, match="format"):
        run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "--format", "gif"])


def test_imported_rows_are_drawn_when_nothing_was_recorded(tmp_path: Path) -> None:
    rows = [
        ImportedRow(
            T10 + 10 * i,
            10.0,
            "cpu",
            "all",
            (
                ("%user", 20.0),
                ("%nice", 0.0),
                ("%system", 5.0),
                ("%iowait", 1.0),
                ("%steal", 0.0),
                ("%idle", 74.0),
            ),
        )
        for i in range(1, 30)
    ]
    store_imported(tmp_path, HOST, rows)
    out = tmp_path / "imp.pdf"
    assert run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-o", str(out)]) == 0
    assert out.read_bytes().count(b"/Type /Page") - out.read_bytes().count(b"/Type /Pages") == 2


def test_guard_events_are_read_from_events_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path)
    append_event(events_path(tmp_path), GuardEvent(T10 + 300, "signal", "memory low", pid=42, comm="hog"))
    assert (
        run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-q", "-o", str(tmp_path / "q.svg")]) == 0
    )
    svg = (tmp_path / "q.svg").read_text()
    assert "oom-kill" in svg  # the legend entry of the kill mark


def test_sysstat_files_are_drawn_directly_with_f(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import FIXTURES

    text = FIXTURES / "import" / "midnight-C.txt"
    assert run(["-f", str(text), "-u", "-o", str(tmp_path / "t.svg")]) == 0
    assert "1 graph" in capsys.readouterr().out
    svg = (tmp_path / "t.svg").read_text()
    assert "restart" in svg and "<svg" in svg
    assert not (tmp_path / "imported").exists()  # nothing imported


def test_pdf_outline_has_a_bookmark_per_page(tmp_path: Path) -> None:
    from pypdf import PdfReader

    write(tmp_path)
    out = tmp_path / "report.pdf"
    assert (
        run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-u", "-r", "-n", "DEV", "-o", str(out)])
        == 0
    )
    reader = PdfReader(out)
    titles = [item.title for item in reader.outline]  # type: ignore[union-attr]
    assert titles[0] == "Contents" and len(titles) == len(reader.pages)
    assert "Network interface eth0" in titles
    pages = [reader.get_destination_page_number(item) for item in reader.outline]  # type: ignore[arg-type]
    assert pages == list(range(len(reader.pages)))


def test_ifutil_is_left_out_with_a_note_when_the_link_speed_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path)  # eth0 recorded without a link speed (a virtual NIC): sar prints %ifutil 0.00
    out = tmp_path / "net.svg"
    assert run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-n", "DEV", "-o", str(out)]) == 0
    svg = out.read_text()
    assert "% of link" not in svg and "packets/s" in svg
    assert (
        "%ifutil not drawn (link speed unknown: virtual device or link down): eth0" in capsys.readouterr().err
    )


def test_dev_alone_selects_the_device_report_and_unknown_names_list_the_known(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path)
    out = tmp_path / "dev.png"
    assert run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "--dev", "vda", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG") and "1 graph" in capsys.readouterr().out
    with pytest.raises(UsageError, match="--dev: no sdz in the data; it has vda"):
        run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "--dev", "sdz"])
    with pytest.raises(UsageError, match="--iface: no wlan9 in the data; it has eth0"):
        run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "--iface", "wlan9"])


def test_several_graphs_for_one_png_name_go_into_a_directory_named_after_it(tmp_path: Path) -> None:
    write(tmp_path)
    out = tmp_path / "out.png"
    assert run(["--data-dir", str(tmp_path), "--date", "2026-11-27", "-u", "-r", "-o", str(out)]) == 0
    assert not out.exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["01-cpu.png", "02-memory.png"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".png") == []
