"""parse_snmp6 builds the same record as a keyword call; parse_snmp picks the wanted values of a pair at C speed when they are all plain digits, else one by one: the
same record as the line-by-line reading it replaced, for the live file and for any text."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.collect import snmp
from hostward.collect.snmp import Snmp, parse_snmp


def _reference(text: str | None) -> Snmp:
    """The reading parse_snmp replaced (2400610): every value of every pair looked at in turn."""
    found: dict[str, int] = {}
    names: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        proto, colon, rest = line.partition(":")
        if not colon or not proto.isalnum():
            continue
        words = rest.split()
        if proto not in names:
            names[proto] = words
            continue
        for name, value in zip(names.pop(proto), words, strict=False):
            key = f"{proto}_{name}"
            if key in snmp._WANTED and value.isascii() and value.isdigit():
                found[key] = int(value)
    return Snmp(**found)


FIXTURE = Path(__file__).parent.parent / "fixtures" / "report" / "t1" / "proc" / "net" / "snmp"


def test_live_and_fixture_files_read_as_before() -> None:
    for path in (Path("/proc/net/snmp"), FIXTURE):
        text = path.read_text()
        assert parse_snmp(text) == _reference(text)
        assert parse_snmp(text) != Snmp()
    assert parse_snmp(None) == _reference(None) == Snmp()


WORDS = [
    "InReceives",
    "Forwarding",
    "ActiveOpens",
    "InSegs",
    "InMsgs",
    "NoPorts",
    "InReceives",
    "x",
    "7",
    "07",
]
VALUES = ["0", "12", "18446744073709551615", "-1", "x", "\u0661", "3.5", ""]


@settings(max_examples=300)
@given(
    pairs=st.lists(
        st.tuples(
            st.sampled_from(["Ip", "Tcp", "Udp", "Icmp", "UdpLite", "Ip Ext", ""]),
            st.lists(st.sampled_from(WORDS), max_size=8),
            st.lists(st.sampled_from(VALUES), max_size=9),
        ),
        max_size=8,
    ),
    separator=st.sampled_from(["\n", "\r\n", "\x0b"]),
)
def test_any_pairs_read_as_before(pairs: list[tuple[str, list[str], list[str]]], separator: str) -> None:
    """Missing and extra values, repeated names and protocols, values that are not plain digits."""
    lines = []
    for proto, names, values in pairs:
        lines.append(f"{proto}: {' '.join(names)}")
        lines.append(f"{proto}: {' '.join(values)}")
    text = separator.join(lines)
    assert parse_snmp(text) == _reference(text)


@given(st.text(st.sampled_from(list("IpTcUd:ActiveOpensInSeg 0123\n\t")), max_size=200))
def test_any_text_reads_as_before(text: str) -> None:
    assert parse_snmp(text) == _reference(text)


def test_snmp6_record_is_the_keyword_call() -> None:
    from hostward.collect.snmp6 import SNMP6_FIELDS, Snmp6, parse_snmp6

    path = Path("/proc/net/snmp6")
    text = path.read_text() if path.exists() else ""
    lines = "".join(
        f"{name.replace('_', '', 1):<32}\t{i * 1000 + 7}\n" for i, name in enumerate(SNMP6_FIELDS)
    )
    expected = Snmp6(**{name: i * 1000 + 7 for i, name in enumerate(SNMP6_FIELDS)})
    assert parse_snmp6(lines) == expected and type(parse_snmp6(lines)) is Snmp6
    assert parse_snmp6("Ip6InReceives 5\nIp6OutRequests x\n") == Snmp6(Ip6_InReceives=5)
    assert parse_snmp6("") == parse_snmp6(None) == Snmp6()
    if text:
        assert parse_snmp6(text).Ip6_InReceives > 0
