"""Start-up of reading a binary sa file (issue 17): ``plot -f saDD`` and the importer's detection import only what
decoding it needs, not the sar-text and sadf-CSV parsers, the store's writing side, sadf's subprocess or lzma (the
old importer loaded them all for every file), nor, for reports that do not read them, the optional groups' records
(sar -v, -n SOCK/IP/IP6..., -I, -y, -F, -m, -n FC). Speed itself is measured in bench/sa_read.py."""

from __future__ import annotations

from tests.cli.test_startup import command
from tests.conftest import modules_after
from tests.store.sysstat.conftest import SysstatRun

# What a 12.x sa file's decoding does without: the text parsers and their records, the import's store side
# (day files, imported rows, the private directory check), sadf -c's subprocess, .xz, logging, and the
# dataclasses/typing machinery (the sa records are @frozen).
NOT_NEEDED = {
    "hostward.store.sysstat.sar_text",
    "hostward.store.sysstat.sadf_csv",
    "hostward.store.sysstat.imported",
    "hostward.store.sysstat.day_merge",
    "hostward.safefs",
    "subprocess",
    "shutil",
    "lzma",
    "logging",
    "dataclasses",
    "inspect",
    "typing",
}
# The optional groups' records and decoders (sar -v, -n SOCK..., -I, -y, -F, -m, -n FC): not for -u.
OPTIONAL_GROUPS = {
    "hostward.store.sysstat.sa_decode_optional",
    "hostward.collect.snmp",
    "hostward.collect.snmp6",
    "hostward.collect.interrupts",
    "hostward.collect.nfs",
    "hostward.collect.softnet",
    "hostward.collect.filesystems",
    "hostward.collect.serial",
    "hostward.collect.sockets",
    "hostward.collect.kernel",
}


def test_decoding_an_sa_file_imports_only_the_decoder(sysstat_run: SysstatRun) -> None:
    code = (
        "from pathlib import Path\n"
        "from hostward.store.sysstat.importer import parse_input\n"
        f"_, kind, content = parse_input(Path({str(sysstat_run.sa)!r}), parts=frozenset({{'cpu'}}))\n"
        "print(kind, sum(type(e).__name__ == 'SystemSample' for e in content.entries))"
    )
    imported, printed = modules_after(code, "")
    assert printed.split() == ["sa", "5"], printed
    assert not imported & NOT_NEEDED, sorted(imported & NOT_NEEDED)
    assert not imported & OPTIONAL_GROUPS, sorted(imported & OPTIONAL_GROUPS)
    assert {"hostward.store.sysstat.sa_format", "hostward.store.sysstat.sa_decode"} <= imported
    # Decoding everything (sadc -S DISK records sar -v's and -n SOCK's groups too) does import them.
    imported, printed = modules_after(code.replace("parts=frozenset({'cpu'})", "parts=None"), "")
    assert printed.split() == ["sa", "5"], printed
    assert "hostward.store.sysstat.sa_decode_optional" in imported


def test_plot_of_an_sa_file_imports_no_text_parser(sysstat_run: SysstatRun, tmp_path: object) -> None:
    out = f"{tmp_path}/cpu.svg"
    imported, _ = modules_after(
        command("plot", "-f", str(sysstat_run.sa), "-u", "--format", "svg", "-o", out), ""
    )
    assert "hostward.plot.svg" in imported  # the graph was drawn
    # (plot itself imports lzma, for .xz inputs, and safefs, for its output)
    text_side = {m for m in NOT_NEEDED if m.startswith("hostward.store.")} | {"subprocess"}
    assert not imported & text_side, sorted(imported & text_side)
