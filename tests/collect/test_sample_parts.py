"""sample_system with parts: the optional records asked for are read as without parts, the others keep their
"not read" defaults, and live `sar -u` imports none of the optional readers (issue 17: start-up)."""

from __future__ import annotations

from dataclasses import fields

from tests.conftest import modules_after

from hostward.collect.sample import OPTIONAL_READERS, SystemSample, sample_system
from hostward.procfs import ProcFS


def test_every_optional_field_has_a_reader_and_a_default() -> None:
    defaults = {f.name: f.default for f in fields(SystemSample)}
    assert set(OPTIONAL_READERS) <= set(defaults)
    assert all(defaults[name] in (None, ()) for name in OPTIONAL_READERS)


def test_parts_read_only_what_is_asked() -> None:
    procfs = ProcFS()
    everything = sample_system(procfs)
    assert everything.ktables is not None and everything.snmp is not None and everything.softnet is not None
    some = sample_system(procfs, parts=frozenset({"cpu", "snmp", "ktables"}))
    assert some.snmp is not None and some.ktables is not None
    assert some.snmp.Tcp_ActiveOpens >= everything.snmp.Tcp_ActiveOpens  # a counter: read again, later
    unread = set(OPTIONAL_READERS) - {"snmp", "ktables"}
    assert all(getattr(some, name) in (None, ()) for name in unread)
    assert some.cpu.all.user >= everything.cpu.all.user  # the required records are always read


def test_live_sar_u_imports_no_optional_reader() -> None:
    code = (
        "import runpy\n"
        "sys.argv = ['hostward', 'sar', '-u', '1', '1']\n"
        "try:\n"
        "    runpy.run_module('hostward', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass"
    )
    imported, printed = modules_after(code, "hostward.collect.")
    assert "%user" in printed
    readers = {module for module, _ in OPTIONAL_READERS.values()}
    assert not imported & readers, imported & readers
    assert "hostward.collect.cpu" in imported
