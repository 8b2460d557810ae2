"""recorder/unchanged.py: a parse is skipped only while its text reads the same, and never hides a change."""

from __future__ import annotations

import shutil
from pathlib import Path

from hostward.collect.sample import sample_system
from hostward.errors import CollectError
from hostward.procfs import ProcFS
from hostward.recorder.sampler import CachingSampler
from hostward.recorder.selection import ALL_GROUPS
from hostward.recorder.unchanged import SameReads, SameText

FIXTURES = Path(__file__).parent.parent / "fixtures" / "report"


def test_same_text_parses_once_per_distinct_text() -> None:
    calls: list[str] = []

    def parse(text: str) -> tuple[str, ...]:
        calls.append(text)
        return tuple(text.split())

    same = SameText(parse)
    first = same("a b")
    assert same("a b") is first and calls == ["a b"]
    assert same("a c") == ("a", "c") and calls == ["a b", "a c"]
    assert same("a b") == ("a", "b") and calls == ["a b", "a c", "a b"]


def test_same_reads_reruns_when_any_file_it_read_changed() -> None:
    files = {"one": "1", "two": "2"}
    runs: list[tuple[str | None, str | None]] = []
    read_log: list[str] = []

    def read(path: str) -> str | None:
        read_log.append(path)
        return files.get(path)

    def reader(read_optional: object) -> tuple[str | None, str | None]:
        assert callable(read_optional)
        got = (read_optional("one"), read_optional("two"))
        runs.append(got)
        return got

    same = SameReads(reader, read)
    first = same()
    assert same() is first and len(runs) == 1
    assert read_log == ["one", "two", "one", "two"]  # every file is still read at every call
    files["two"] = "22"
    assert same() == ("1", "22") and len(runs) == 2
    del files["one"]  # a file that goes away (None) is a change too
    assert same() == (None, "22") and len(runs) == 3
    assert same() == (None, "22") and len(runs) == 3


def test_same_reads_does_not_remember_a_run_whose_read_failed() -> None:
    readable = False

    def read(path: str) -> str | None:
        if not readable:
            raise CollectError(f"cannot read {path}: Permission denied")
        return "port 0"

    def reader(read_optional: object) -> str:
        assert callable(read_optional)
        try:
            return str(read_optional("tty/driver/serial"))
        except CollectError:
            return "none"

    same = SameReads(reader, read)
    assert same() == "none" and same() == "none"
    readable = True
    assert same() == "port 0"
    readable = False
    assert same() == "none"  # a read failing at the check is met by the reader again


def _copy_in_place(source: Path, target: Path) -> None:
    """Rewrite ``target`` with ``source``'s bytes through the same inode, as the kernel regenerates a file: the
    sampler's kept descriptors see the new text."""
    with open(target, "r+b") as handle:
        handle.write(source.read_bytes())
        handle.truncate()


def test_sampler_follows_every_file_change_of_two_frozen_trees(tmp_path: Path) -> None:
    """Start from tree t0, then turn it into t1 one file at a time: after each change the caching sampler's
    sample equals a fresh sample_system of the tree; a sample with nothing changed gives the same records."""
    root = tmp_path / "t0"
    shutil.copytree(FIXTURES / "t0", root)
    procfs = ProcFS(proc=root / "proc", sys=root / "sys")
    groups = ALL_GROUPS - {"filesystems"}  # sar -F's records hold statvfs figures of this machine's mounts
    parts = frozenset(groups)
    sampler = CachingSampler(procfs, clock=lambda: 1.5, groups=groups)
    try:
        before = sampler()
        assert before == sample_system(procfs, clock=lambda: 1.5, parts=parts)
        again = sampler()
        assert again == before
        for name in ("snmp", "snmp6", "softnet", "sockets6", "nfs", "nfsd", "ktables", "load", "nets"):
            assert getattr(again, name) is getattr(before, name), name  # parsed once
        changed = 0
        for source in sorted((FIXTURES / "t1" / "proc").rglob("*")):
            target = root / "proc" / source.relative_to(FIXTURES / "t1" / "proc")
            if not source.is_file() or source.read_bytes() == target.read_bytes():
                continue
            _copy_in_place(source, target)
            changed += 1
            expected = sample_system(procfs, clock=lambda: 1.5, parts=parts)
            assert sampler() == expected, source.name
            assert sampler() == expected, source.name
        assert changed >= 15  # the trees differ in most files: the loop is not empty
    finally:
        sampler.close()


def test_an_idle_disk_keeps_its_record_while_another_moves(tmp_path: Path) -> None:
    root = tmp_path / "t0"
    shutil.copytree(FIXTURES / "t0", root)
    procfs = ProcFS(proc=root / "proc", sys=root / "sys")
    sampler = CachingSampler(procfs, clock=lambda: 1.5, groups=frozenset())
    diskstats = root / "proc" / "diskstats"
    try:
        before = sampler().disks
        assert len(before) >= 2
        lines = diskstats.read_text().splitlines(keepends=True)
        fields = lines[0].split()
        fields[3] = str(int(fields[3]) + 5)  # the first device read five more times
        with open(diskstats, "r+") as handle:
            handle.write(" ".join(fields) + "\n" + "".join(lines[1:]))
            handle.truncate()
        after = sampler().disks
        assert after == sample_system(procfs, clock=lambda: 1.5, parts=frozenset()).disks
        assert after[0].read_ios == before[0].read_ios + 5
        assert all(a is b for a, b in zip(after[1:], before[1:], strict=True))  # not parsed again
    finally:
        sampler.close()


def test_only_readers_of_proc_text_alone_are_given_again() -> None:
    """SAME_TEXT_READERS names optional records that exist, and not the two whose readers reach beyond the
    text they read (sar -F's statvfs, sar -n FC's /sys): a new reader is run at every sample until added."""
    from hostward.collect.sample import OPTIONAL_READERS
    from hostward.recorder.sampler import SAME_TEXT_READERS

    assert SAME_TEXT_READERS.issubset(OPTIONAL_READERS)
    assert not SAME_TEXT_READERS & {"filesystems", "fchosts"}
    sampler = CachingSampler(ProcFS(), groups=ALL_GROUPS)
    try:
        kinds = {name: type(reader).__name__ for name, reader in sampler._optional}
        assert {
            name for name, kind in kinds.items() if kind == "SameReads"
        } == SAME_TEXT_READERS & kinds.keys()
    finally:
        sampler.close()
