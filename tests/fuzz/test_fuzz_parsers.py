"""Every input parser, fed mutations of real files: it returns its record or raises a HostwardError whose
message is one line of bounded length; never IndexError, struct.error, OverflowError, RecursionError & co."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostward.config import load_config
from hostward.errors import HostwardError
from hostward.oom.kernlog.kernlog import kernel_lines
from hostward.oom.kernlog.oomparse import parse_events
from hostward.store.sysstat.sa_import import read_sa_bytes
from hostward.store.sysstat.sadf_csv import parse_sadf_csv
from hostward.store.sysstat.sar_text import parse_sar_text

FIXTURES = Path(__file__).parent.parent / "fixtures"
SA = (FIXTURES / "hostile" / "sa-truncated").read_bytes()
SAR_TEXT = (FIXTURES / "import" / "midnight-C.txt").read_text()
SADF = (FIXTURES / "hostile" / "sadf-nan.csv").read_text().replace("nan", "600")
KMSG = (FIXTURES / "oom" / "ubuntu24-6.8-global.kmsg").read_text()
JOURNAL = (FIXTURES / "oom" / "debian12-6.1-memcg-v2.journal.json").read_text()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _one_line(exc: HostwardError) -> None:
    text = str(exc)
    assert "\n" not in text and len(text) < 600, text[:700]


@st.composite
def mutated_bytes(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "fill"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(max_size=64))
        else:
            data[at : at + 8] = bytes([draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80]))]) * 8
    return bytes(data)


def mutated_text(base: str) -> st.SearchStrategy[str]:
    words = st.sampled_from(["nan", "inf", "-1", "9" * 40, "", "\x00", "é", "Average:", "LINUX RESTART",
                             "12:00:01", "AM", "%idle", "all", "1e400", "\t", "99999999999999999999999"])  # fmt: skip
    lines = base.splitlines()

    @st.composite
    def build(draw: st.DrawFn) -> str:
        out = list(lines)
        for _ in range(draw(st.integers(1, 6))):
            i = draw(st.integers(0, max(len(out) - 1, 0)))
            tokens = out[i].split(" ") if out else [""]
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[j] = draw(words | st.text(max_size=12))
            if out:
                out[i] = " ".join(tokens)
            if out and draw(st.booleans()):
                del out[draw(st.integers(0, len(out) - 1)) :]
        return "\n".join(out) + "\n"

    return build()


@FAST
@given(mutated_bytes(SA))
def test_sa_files(data: bytes) -> None:
    try:
        read_sa_bytes(data, "sa", sadf=None)
    except HostwardError as exc:
        _one_line(exc)


@FAST
@given(mutated_text(SAR_TEXT))
def test_sar_text(text: str) -> None:
    try:
        parse_sar_text(text, "sar.txt")
    except HostwardError as exc:
        _one_line(exc)


@FAST
@given(mutated_text(SADF.replace(";", " ; ")))
def test_sadf_csv(text: str) -> None:
    try:
        parse_sadf_csv(text.replace(" ; ", ";"), "sadf.csv")
    except HostwardError as exc:
        _one_line(exc)


@FAST
@given(st.one_of(mutated_text(KMSG), mutated_text(JOURNAL)))
def test_kernel_logs(text: str) -> None:
    for event in parse_events(kernel_lines(text.splitlines())):
        assert event is not None


@FAST
@given(st.one_of(mutated_bytes(b"[record]\ninterval_seconds = 10\n[guard]\nmem_available_percent = 5.0\n"),
                 st.binary(max_size=200)))  # fmt: skip
def test_configuration_files(data: bytes) -> None:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".toml") as handle:
        handle.write(data)
        handle.flush()
        try:
            load_config(Path(handle.name), environ={})
        except HostwardError as exc:
            _one_line(exc)
