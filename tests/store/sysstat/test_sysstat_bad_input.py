"""Bad input: one clear line naming the file and the line or offset, exit 1, nothing already imported lost."""

from __future__ import annotations

import lzma
import struct
import subprocess
from pathlib import Path

import pytest
from tests.conftest import FIXTURES
from tests.store.sysstat.conftest import SysstatRun

from hostward.cli import COMMANDS, main
from hostward.errors import ParseError, StoreError
from hostward.store.sysstat import import_files

IMPORT = FIXTURES / "import"


@pytest.fixture(autouse=True)
def commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(COMMANDS, "import", ("hostward.cli.import_", "import"))


def snapshot(directory: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(["import", *argv]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(("fixture", "system"), [("solaris-sar-u.txt", "SunOS"), ("aix-sar-u.txt", "AIX")])
def test_other_systems_sar_text_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: str, system: str
) -> None:
    err = one_line_error(capsys, ["--data-dir", str(tmp_path), str(IMPORT / fixture)])
    assert f"{IMPORT / fixture}: line 2: sar report of {system}" in err
    assert not tmp_path.joinpath("imported").exists()


def test_garbled_and_truncated_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = (IMPORT / "midnight-C.txt").read_text()
    lines = good.splitlines()
    garbled = tmp_path / "garbled.txt"
    garbled.write_text("\n".join([*lines[:5], "23:59:55        all      1.00  0.0x", *lines[5:]]) + "\n")
    err = one_line_error(capsys, ["--data-dir", str(tmp_path / "store"), str(garbled)])
    assert f"{garbled}: line 6: " in err
    truncated = tmp_path / "truncated.txt"
    truncated.write_text(good[: good.index("0.12      0.20") + 7])  # cut in the middle of a row
    err = one_line_error(capsys, ["--data-dir", str(tmp_path / "store"), str(truncated)])
    assert f"{truncated}: line 13: 3 fields under a header of 7" in err
    # Cut inside a header line, or inside a 12-hour time ("11:59:40 P" would read as a header "P"): nothing
    # else is wrong with what is left, only the missing newline.
    pm = good.replace("23:59:40 ", "11:59:40 PM ", 1)
    for text in (good[: good.rindex("%user") + 3], pm[: pm.index("11:59:40 PM") + 10]):
        truncated.write_text(text)
        cut = len(text)
        err = one_line_error(capsys, ["--data-dir", str(tmp_path / "store"), str(truncated)])
        assert f"{truncated}: line {text[:cut].count(chr(10)) + 1}: the last line is cut off" in err
    binary = tmp_path / "random.bin"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(100))
    assert f"{binary}: binary data that is not a sysstat file" in one_line_error(
        capsys, ["--data-dir", str(tmp_path), str(binary)]
    )


@pytest.mark.peer
def test_bad_file_in_a_batch_stores_nothing_and_keeps_earlier_imports(
    sysstat_run: SysstatRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    import_files([IMPORT / "midnight-C.txt"], store)
    before = snapshot(store)
    err = one_line_error(
        capsys, ["--data-dir", str(store), str(sysstat_run.sa), str(IMPORT / "aix-sar-u.txt")]
    )
    assert "aix-sar-u.txt: line 2" in err
    assert snapshot(store) == before  # neither the sa file (parsed first) nor anything else was written


@pytest.mark.peer
def test_truncated_sa_file_imports_what_precedes_the_damage(
    sysstat_run: SysstatRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = sysstat_run.sa.read_bytes()
    cut = tmp_path / "sa-cut"
    cut.write_bytes(data[: len(data) - 100])
    # sar prints the records before the damage, then "End of system activity file unexpected"
    sar = subprocess.run(["sar", "-u", "-f", str(cut)], capture_output=True, text=True, env={"LC_ALL": "C"},
                         timeout=60, check=False)  # fmt: skip
    sar_rows = [line for line in sar.stdout.splitlines()
                if line.split()[1:2] == ["all"] and not line.startswith("Average")]  # fmt: skip
    assert sar.returncode != 0 and "unexpected" in sar.stderr
    (done,) = import_files([cut], tmp_path / "store")
    assert done.added == len(sar_rows) + 1 >= 2  # sar's intervals, and the first sample they start from
    assert done.damage.startswith(f"{cut}: truncated sysstat file at offset ")
    capsys.readouterr()
    assert main(["import", "--data-dir", str(tmp_path / "store2"), str(cut)]) == 1
    out, err = capsys.readouterr()
    assert f"{done.added} new" in out
    assert err.count("\n") == 1 and "(the samples before it were imported)" in err
    # damage before the first record: nothing to import, nothing written
    header_only = tmp_path / "sa-head"
    header_only.write_bytes(data[:2000])
    with pytest.raises(StoreError, match="truncated sysstat file at offset"):
        import_files([header_only], tmp_path / "store3")
    assert not (tmp_path / "store3").exists()


@pytest.mark.peer
def test_unknown_sysstat_version(sysstat_run: SysstatRun, tmp_path: Path) -> None:
    data = bytearray(sysstat_run.sa.read_bytes())
    struct.pack_into("<H", data, 2, 0x2199)  # a format magic no sysstat has written (yet)
    odd = tmp_path / "sa-future"
    odd.write_bytes(bytes(data))
    with pytest.raises(
        StoreError, match=rf"{odd}: sysstat file of an unknown format: format magic 0x2199 at offset 2"
    ):
        import_files([odd], tmp_path / "store")
    struct.pack_into(
        "<H", data, 2, 0x2171
    )  # sysstat 10.x: converted with sadf -c, which we refuse to run here
    old = tmp_path / "sa-old"
    old.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="an older format"):
        import_files([old], tmp_path / "store", sadf=None)


@pytest.mark.peer
def test_garbage_record_header_names_its_offset(sysstat_run: SysstatRun, tmp_path: Path) -> None:
    from hostward.store.sysstat.sa_format import R_STATS, parse_sa

    sa = parse_sa(sysstat_run.sa.read_bytes(), "x")
    data = bytearray(sysstat_run.sa.read_bytes())
    second = sa.records[1].offset
    data[second + 20] = 99  # record type 99
    bad = tmp_path / "sa-bad"
    bad.write_bytes(bytes(data))
    before = sum(1 for rec in sa.records[:1] if rec.record_type == R_STATS)
    if before == 0:  # the damage is the first sample: nothing to import
        with pytest.raises(
            StoreError, match=rf"invalid sysstat file at offset {second}: record header with type 99"
        ):
            import_files([bad], tmp_path / "store")
        return
    (done,) = import_files([bad], tmp_path / "store")  # what precedes the damage, as sar prints it
    assert done.added == before
    assert f"invalid sysstat file at offset {second}: record header with type 99" in done.damage


def test_empty_and_foreign_text(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ParseError, match="empty file"):
        import_files([empty], tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\nworld\n")
    with pytest.raises(ParseError, match=rf"{notes}: line 1: not a sysstat sar report"):
        import_files([notes], tmp_path)


@pytest.mark.peer
def test_sar_f_on_a_sysstat_file_says_what_to_do_instead(
    sysstat_run: SysstatRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hostward sar -f saDD` (the sar habit): one line that points to `hostward import` and `plot -f`."""
    compressed = tmp_path / "sa.xz"
    compressed.write_bytes(lzma.compress(sysstat_run.sa.read_bytes()))
    text = tmp_path / "sar.txt"
    text.write_text((IMPORT / "midnight-C.txt").read_text())
    for path, kind in ((sysstat_run.sa, "a sysstat sa file"), (compressed, "a sysstat sa file"),
                       (text, "sysstat 'sar' text")):  # fmt: skip
        assert main(["sar", "-u", "-f", str(path)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert f"{path}: {kind}, not a hostward data file: import it with 'hostward import {path}'" in err
        assert f"'hostward plot -f {path}'" in err
    junk = tmp_path / "junk"
    junk.write_bytes(b"not anything")
    assert main(["sar", "-u", "-f", str(junk)]) == 1
    err = capsys.readouterr().err
    # Not recognised: no "import it" for this file, only the generic pointer to the import command.
    assert err == (
        f"hostward sar: {junk}: not a hostward data file at offset 0; history from sysstat (sa files, sar text, "
        "sadf -d CSV) is brought in with 'hostward import FILE'\n"
    )


SAR_U = """Linux 6.1.0-13-amd64 (web01) \t11/26/2026 \t_x86_64_\t(4 CPU)

12:00:01 AM     CPU     %user     %nice   %system   %iowait    %steal     %idle
12:10:01 AM     all      2.10      0.00      1.05      0.20      0.00     96.65
12:20:01 AM     all      {user}      0.00      1.05      0.20      0.00     96.65
"""


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("nan", "%user 'nan' is not a finite number"),
        ("inf", "%user 'inf' is not a finite number"),
        ("1e999", "%user '1e999' is not a finite number"),
        ("-5.13", "%user '-5.13' is out of range (expected 0 to 100)"),
        ("150.00", "%user '150.00' is out of range (expected 0 to 100)"),
        ("9" * 500, "%user '" + "9" * 100),
    ],
)
def test_imported_text_with_impossible_values_is_refused_with_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, why: str
) -> None:
    path = tmp_path / "sar-u.txt"
    path.write_text(SAR_U.format(user=value))
    message = one_line_error(capsys, ["--data-dir", str(tmp_path / "store"), str(path)])
    assert f"{path}: line 5: " in message and why in message, message
    assert len(message) < 300
    assert not (tmp_path / "store").exists()


def test_sadf_csv_with_nan_is_refused_with_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sadf.csv"
    path.write_text(
        "# hostname;interval;timestamp;CPU;%user;%nice;%system;%iowait;%steal;%idle\n"
        "web01;600;2026-11-26 00:10:01 UTC;-1;2.10;0.00;1.05;0.20;0.00;96.65\n"
        "web01;nan;2026-11-26 00:20:01 UTC;-1;2.10;0.00;1.05;0.20;0.00;96.65\n"
    )
    message = one_line_error(capsys, ["--data-dir", str(tmp_path / "store"), str(path)])
    assert f"{path}: line 3: interval 'nan' is not a finite number" in message, message
