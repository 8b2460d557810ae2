"""The parsers' fast paths (collect/_fast.py) give exactly what the line-by-line reference parsers give: the same
record, or the same CollectError, for any text at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.collect import memory, pressure
from hostward.errors import CollectError

PROC = Path(__file__).parent.parent / "fixtures" / "proc"
PAIRS: dict[str, tuple[Callable[[str], Any], Callable[[str], Any]]] = {
    "meminfo": (memory.parse_meminfo, memory._parse_meminfo_lines),
    "vmstat": (memory.parse_vmstat, memory._parse_vmstat_lines),
    "pressure": (pressure.parse_pressure, pressure._parse_pressure_lines),
}
FIXTURES = {
    "meminfo": [(PROC / tree / "proc" / "meminfo").read_text() for tree in ("debian12-vm", "old-kernel")],
    "vmstat": [(PROC / tree / "proc" / "vmstat").read_text() for tree in ("debian12-vm", "old-kernel")],
    "pressure": [
        (PROC / "debian12-vm" / "proc" / "pressure" / r).read_text() for r in ("cpu", "memory", "io")
    ],
}
KEYS = ["MemTotal", "MemFree", "Cached", "SwapCached", "Active", "Active(anon)", "HugePages_Total", "pgfault"]
KEYS += ["pgsteal_kswapd", "pgscan_direct_throttle", "pgscan_kswapd", "pgpgin", "oom_kill", "pgfaultx"]
# Characters that matter to the parsers: separators, every line boundary splitlines() knows, digits, signs.
TRICKY = list(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028:=._-+0123456789akBMemTotalpgsteal_fulsomavgt")


def outcome(parse: Callable[[str], Any], text: str) -> tuple[str, Any]:
    try:
        return "ok", parse(text)
    except CollectError as exc:
        return "error", str(exc)


def assert_same(which: str, text: str) -> None:
    fast, reference = PAIRS[which]
    assert outcome(fast, text) == outcome(reference, text)


def test_fixture_and_live_texts_take_the_fast_path_and_agree() -> None:
    for which, texts in FIXTURES.items():
        for text in texts:
            assert_same(which, text)
    for which, path in (
        ("meminfo", "/proc/meminfo"),
        ("vmstat", "/proc/vmstat"),
        ("pressure", "/proc/pressure/io"),
    ):
        if Path(path).exists():
            assert_same(which, Path(path).read_text())
    assert pressure._kernel_psi().fullmatch(FIXTURES["pressure"][1]) is not None


@settings(max_examples=400)
@given(
    which=st.sampled_from(sorted(PAIRS)),
    fixture=st.integers(min_value=0, max_value=2),
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(0, 3), st.text(st.sampled_from(TRICKY), max_size=4)),
        max_size=6,
    ),
)
def test_edited_kernel_text_agrees(which: str, fixture: int, edits: list[tuple[int, int, str]]) -> None:
    """Real files with a few characters inserted, replaced or deleted anywhere."""
    texts = FIXTURES[which]
    text = texts[fixture % len(texts)]
    for position, cut, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + cut :]
    assert_same(which, text)


@settings(max_examples=400)
@given(which=st.sampled_from(sorted(PAIRS)), text=st.text(st.sampled_from(TRICKY), max_size=200))
def test_any_text_agrees(which: str, text: str) -> None:
    assert_same(which, text)


@given(
    which=st.sampled_from(["meminfo", "vmstat"]),
    lines=st.lists(
        st.tuples(
            st.sampled_from(KEYS),
            st.sampled_from([":", ": ", " ", ":\t", "  ", ":\x1f"]),
            st.one_of(st.integers(min_value=-5, max_value=2**64).map(str), st.sampled_from(["", "x", "1 kB", "7 7"])),
        ),
        max_size=12,
    ),
)  # fmt: skip
def test_kernel_like_lines_agree(which: str, lines: list[tuple[str, str, str]]) -> None:
    """Duplicated keys, keys that are prefixes of others, odd separators and values."""
    assert_same(which, "".join(f"{key}{sep}{value}\n" for key, sep, value in lines))
