"""Start-up (issue 17: ``sar -u 1 1`` under 50 ms of CPU): a command imports only what it uses, so the gain cannot
come undone silently by one module-level import. (Speed itself is measured in bench/startup.py.)"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import modules_after

from hostward.web.accounts import Accounts
from hostward.web.audit import AuditLog
from hostward.web.state import web_dir


def command(*argv: str) -> str:
    """Python code that runs ``hostward ARGV`` in the probe's interpreter."""
    return f"from hostward.cli import main\nmain({list(argv)!r})"


LIVE_SAR = command("sar", "-u", "1", "1")

# Standard modules that cost milliseconds and that the live report does without: dataclasses brings inspect,
# ast, dis and tokenize (~10 ms; records are hostward.frozen's); typing ~3 ms; lzma and struct belong to
# the data files; datetime only -N, --date, --since and -s/-e need.
STDLIB_NOT_NEEDED = {
    "dataclasses",
    "datetime",
    "inspect",
    "ast",
    "typing",
    "lzma",
    "struct",
    "logging",
    "argparse",
}

# hostward modules of other paths: reading and writing recordings, the configuration, other commands.
HOSTWARD_NOT_NEEDED = {
    "hostward.config",
    "hostward.store.reader",
    "hostward.store.framing",
    "hostward.store.writer",
    "hostward.store.stream",
    "hostward.cli.sar_output",
    "hostward.cli.import_",
    "hostward.report.sar_stream",
    "hostward.report.since_boot",
    "hostward.gcpause",
    "hostward.bounded",
}
HOSTWARD_PACKAGES_NOT_NEEDED = (
    "hostward.ntp",
    "hostward.oom",
    "hostward.cache",
    "hostward.web",
    "hostward.export",
)


def test_live_sar_u_imports_only_what_it_uses() -> None:
    imported, printed = modules_after(LIVE_SAR, "")
    assert "%user" in printed and "Average:" in printed  # the report really ran
    assert not imported & STDLIB_NOT_NEEDED, sorted(imported & STDLIB_NOT_NEEDED)
    assert not imported & HOSTWARD_NOT_NEEDED, sorted(imported & HOSTWARD_NOT_NEEDED)
    others = sorted(m for m in imported if m.startswith(HOSTWARD_PACKAGES_NOT_NEEDED))
    assert not others, others
    assert {"hostward.collect.cpu", "hostward.report.sar_text", "hostward.frozen"} <= imported


def test_oom_top_json_imports_neither_configuration_nor_the_other_subcommands() -> None:
    imported, printed = modules_after(command("oom", "top", "--json"), "")
    assert '"processes"' in printed or '"pid"' in printed, printed[:200]
    # argparse's formatter would import shutil (bz2, lzma) for the width; guard, drill and protect are
    # registered as subcommands but import their configuration, logging and policy only when they run
    heavy = {"dataclasses", "inspect", "typing", "shutil", "lzma", "logging", "tomllib", "hostward.config"}
    assert not imported & heavy, sorted(imported & heavy)
    assert not any(m.startswith(("hostward.oom.guard", "hostward.oom.protect", "rich")) for m in imported)


def test_ntp_query_and_cache_stats_build_no_dataclass_and_parse_no_empty_configuration() -> None:
    # Port 1 on loopback: refused at once; the command still starts up fully and says so in one line.
    for argv in (("ntp", "query", "--samples", "1", "127.0.0.1:1"), ("cache", "stats", "127.0.0.1:1")):
        imported, _ = modules_after(command(*argv), "")
        # modules_after runs with HOSTWARD_CONFIG=/dev/null: an empty file needs no TOML parser
        heavy = {"dataclasses", "inspect", "tomllib", "shutil", "logging"}
        assert not imported & heavy, (argv, sorted(imported & heavy))
        assert "hostward.ntp.client" in imported or "hostward.cache.stats" in imported


def test_fc_adapter_records_build_no_dataclass() -> None:
    # sar -n FC -f and sar -A -f decode FcHost records: @frozen, like the other collect records.
    code = "from hostward.collect.fchost import FcHost\nprint(FcHost('host0', 1, 2, 3, 4))"
    imported, printed = modules_after(code, "")
    assert printed.strip() == "FcHost(name='host0', rx_frames=1, tx_frames=2, rx_words=3, tx_words=4)"
    assert not imported & {"dataclasses", "inspect"}, sorted(imported & {"dataclasses", "inspect"})


OOM_LOG = "tests/fixtures/oom/debian8-3.16-memcg-v1.kern.log"


def test_oom_report_of_a_log_file_builds_no_dataclass_and_reads_no_store(tmp_path: Path) -> None:
    # The kernel-log records are @frozen; gzip, subprocess and tempfile belong to other sources (.gz, dmesg,
    # journalctl); the store (reader, codec, every collect record) is imported only when the data directory holds
    # a file of the event's day (store/paths.py, names only, says whether it does: a directory of other days'
    # files imported the reader before); the configuration it loads brings no typing (hostward.recorder's
    # package once imported it).
    heavy = {"dataclasses", "inspect", "typing", "gzip", "subprocess", "tempfile", "threading"}
    (tmp_path / "empty").mkdir()
    (tmp_path / "other-days").mkdir()
    (tmp_path / "other-days" / "hw20200101").write_bytes(b"")  # a day far from the log's events
    light_store = {"hostward.store", "hostward.store.paths"}
    for argv in (
        ("oom", "report", OOM_LOG),
        ("oom", "report", "--data-dir", str(tmp_path / "empty"), OOM_LOG),
        ("oom", "report", "--data-dir", str(tmp_path / "other-days"), OOM_LOG),
    ):
        imported, printed = modules_after(command(*argv), "")
        assert "java (pid 4242" in printed and "no hostward recording covers" in printed, printed[:300]
        assert not imported & heavy, (argv, sorted(imported & heavy))
        stored = {m for m in imported if m.startswith(("hostward.store", "hostward.collect", "rich"))}
        assert stored <= light_store, (argv, sorted(stored))
    imported, printed = modules_after(command("oom", "report", "--json", OOM_LOG), "")
    assert '"victims"' in printed and not imported & {"dataclasses", "inspect"}


def test_sar_all_of_a_recording_with_every_group_builds_no_dataclass(tmp_path: Path) -> None:
    # The optional collectors' records (power, filesystems, SNMP, IPv6, sockets, NFS, softnet, serial, kernel
    # tables, interrupts) are @frozen: decoding every activity of an XALL recording imports no dataclasses.
    # Midnight between the two samples would give two files: the newest is read (both are complete days).
    argv = ["record", "-S", "XALL", "-i", "1", "-c", "2", "--no-housekeeping", "-d", str(tmp_path)]
    recorded = subprocess.run(
        [sys.executable, "-m", "hostward", *argv],
        env={**os.environ, "HOSTWARD_CONFIG": os.devnull},
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert b"2 stored" in recorded.stderr, recorded.stderr[-300:]
    day = sorted(tmp_path.glob("hw[0-9]*"))[-1]
    imported, printed = modules_after(command("sar", "-A", "-f", str(day)), "")
    assert "totsck" in printed and "irec/s" in printed and "%ifutil" in printed, printed[:300]
    heavy = {"dataclasses", "inspect", "typing"}
    assert not imported & heavy, sorted(imported & heavy)
    assert {"hostward.collect.snmp", "hostward.collect.sockets", "hostward.collect.power"} <= imported


def test_choosing_what_to_decode_builds_no_column_per_possible_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    # sar -A -f chose the parts to decode (and whether the file has the reports) with selection(1 << 16): the
    # -I report then built 8,193 columns, twice (~55 ms of a ~100 ms start-up). A count that takes the -P
    # list is enough: the parts depend on the reports, not on their columns.
    from hostward.activities import irq
    from hostward.cli.sar_args import parse_sar_args
    from hostward.cli.sar_data import wanted_parts
    from hostward.report.engine import sample_parts

    built: list[int] = []
    real = irq.irq_activity

    def counting(cpu_count: int = 0, shown: object = None) -> object:
        built.append(cpu_count)
        return real(cpu_count, shown)  # type: ignore[arg-type]

    monkeypatch.setattr(irq, "irq_activity", counting)
    for argv, count in ((["-A"], 1), (["-I", "ALL", "-P", "3,5"], 6), (["-I", "SUM", "-P", "ALL"], 1)):
        args = parse_sar_args([*argv, "-f", "file"])
        built.clear()
        assert wanted_parts(args) == sample_parts(args.selection(64)), argv
        assert built[:1] == [count], (argv, built)
    assert wanted_parts(parse_sar_args(["-u", "-P", "x", "-f", "file"])) is None  # said later, with the data


def test_oom_explain_doctor_and_top_import_only_what_they_print() -> None:
    # explain asked the protection policy whether this process holds CAP_SYS_RESOURCE (configuration, logging,
    # the process-event connector), doctor and top imported the OOM report for its size formatting, doctor
    # --json imported rich: each now imports its own part (and records are @frozen: no dataclasses).
    heavy = {"dataclasses", "inspect", "logging", "hostward.config", "hostward.oom.kernlog.report"}
    for argv, shown in (
        (("oom", "explain", "--json", "1"), '"pid": 1'),
        (("oom", "doctor", "--json"), '"check"'),
        (("oom", "top"), "BADNESS"),
    ):
        imported, printed = modules_after(command(*argv), "")
        assert shown in printed, (argv, printed[:300])
        assert not imported & heavy, (argv, sorted(imported & heavy))
        assert not any(m.startswith(("rich", "hostward.oom.protect")) for m in imported), argv


def test_ntp_status_json_builds_no_dataclass_and_looks_up_no_library() -> None:
    # The time-health records are @frozen and --json walks them with frozen.record_fields; libc is loaded by
    # glibc's soname (ctypes.util.find_library runs ldconfig in a child process and imports subprocess).
    imported, printed = modules_after(command("ntp", "status", "--json"), "")
    assert '"kernel"' in printed, printed[:300]
    heavy = {"dataclasses", "inspect", "ctypes.util", "shutil"}
    assert not imported & heavy, sorted(imported & heavy)


def test_sar_u_of_a_recording_compiles_only_the_cpu_records_and_no_parser_or_locale_module(
    tmp_path: Path,
) -> None:
    # sar -u -f builds CPU records alone: the blank memory, paging and load records of the parts it does not
    # read are made by their classes, not by makers compiled for them (store/parts.py _blank); the locale's
    # decimal point and setlocale() come from the C module _locale, not locale.py (report/formatting.py).
    from tests.store.conftest import HOST, series

    from hostward.store import DataFileWriter, day_path

    day = dt.date(2026, 11, 27)
    path = day_path(tmp_path, day)
    with DataFileWriter.open(path, day, HOST) as writer:
        for sample in series(4):
            writer.write_sample(sample)
    code = command("sar", "-u", "-f", str(path)) + (
        "\nfrom hostward.store.layout import _makers\nprint('makers', sorted(_makers().__dict__))"
        "\nfrom hostward import safetext\nfrom hostward.collect import disk, memory, net, pressure"
        "\nlazy = (disk._disk_maker, net._net_maker, memory._meminfo_line, memory._vmstat_line,"
        " pressure._kernel_psi, safetext._unsafe)"
        "\nprint('compiled', [f.cache_info().currsize for f in lazy])"
    )
    imported, printed = modules_after(code, "")
    assert "Average:" in printed
    assert "makers ['cpu_stat', 'cpu_times', 'sample']" in printed, printed[-200:]
    assert "locale" not in imported and "_locale" in imported
    # the /proc parsers' makers and expressions, and safe_text's (printable ASCII names): compiled on first use
    assert "compiled [0, 0, 0, 0, 0, 0]" in printed, printed[-200:]


def test_a_command_run_as_a_program_freezes_what_its_imports_made() -> None:
    # hostward.cli._import_command: the collector paused during the command's imports, their objects then moved
    # out of its reach (gc.freeze); main() called in-process (argv given) leaves the collector alone.
    program = (
        "import gc, sys\nsys.argv = ['hostward', 'sar', '--help']\nfrom hostward.cli import main\nmain()\n"
        "print('frozen', gc.get_freeze_count(), gc.isenabled())"
    )
    _imported, printed = modules_after(program, "hostward.")
    frozen, count, enabled = printed.split()[-3:]
    assert frozen == "frozen" and int(count) > 10_000 and enabled == "True", printed[-200:]
    called = command("sar", "--help") + "\nimport gc\nprint('frozen', gc.get_freeze_count(), gc.isenabled())"
    _imported, printed = modules_after(called, "hostward.")
    assert printed.split()[-3:] == ["frozen", "0", "True"]


NOT_FOR_VERIFY = {"starlette", "dataclasses", "inspect", "typing"}  # neither web command needs these


def test_web_user_list_imports_no_credential_machinery(tmp_path: Path) -> None:
    """Listing accounts reads rows: argon2, pyotp, the password rules (socket, resources), logging, the terminal
    prompt and safefs's tempfile were ~25 ms of its ~70 ms start-up (issue 17); nor does it need what verifying
    the audit log leaves out (NOT_FOR_VERIFY)."""
    Accounts(web_dir(tmp_path / "data") / "accounts.db").add("ann", "viewer", "a long enough passphrase 1")
    imported, printed = modules_after(
        command("web", "--data-dir", str(tmp_path / "data"), "user", "list"), ""
    )
    assert printed.split() == ["ann", "viewer", "no", "2FA", "active"]
    heavy = {"argon2", "pyotp", "segno", "logging", "getpass", "tempfile", "socket", "hashlib", "secrets"}
    assert not imported & heavy, sorted(imported & heavy)
    ours = {"hostward.web.accounts", "hostward.web.passwords", "hostward.safefs", "hostward.web.audit"}
    assert not imported & ours, sorted(imported & ours)
    assert {"sqlite3", "hostward.web.accounts_list"} <= imported
    assert not imported & NOT_FOR_VERIFY, sorted(imported & NOT_FOR_VERIFY)


def test_web_audit_verify_builds_no_dataclass_and_imports_no_server(tmp_path: Path) -> None:
    """Verifying the audit log reads lines and hashes them: starlette (for a type the server's requests have,
    ~60 ms), dataclasses (with inspect, ~10 ms, for serve's copies of the configuration and one verdict record)
    and typing were most of its start-up (issue 17)."""
    data = tmp_path / "data"
    log = web_dir(data) / "audit.jsonl"
    AuditLog(log).append(action="login", result="ok")
    imported, printed = modules_after(command("web", "--data-dir", str(data), "audit", "verify"), "")
    assert printed == f"{log}: 1 entries, chain intact\n"
    assert "hostward.web.audit" in imported
    assert not imported & NOT_FOR_VERIFY, sorted(imported & NOT_FOR_VERIFY)
