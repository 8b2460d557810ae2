"""What `ntp query` says: how many servers were usable, why a server failed, how far a falseticker lies, RATE and
pending leap seconds; and misbehaving servers on real UDP sockets (counted packets, not timed)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hostward.cli import main
from hostward.ntp.client import Sample, ServerAddress, ServerResult
from hostward.ntp.packet import Leap, Mode, Packet, decode
from hostward.ntp.query import candidates_from, judge
from hostward.ntp.select import select


def result(name: str, offset: float | None, *, leap: int = 0, kiss: str | None = None) -> ServerResult:
    server = ServerAddress(name, 123)
    if offset is None:
        return ServerResult(server, name, error="timeout: no reply within 1 s to 2 request(s)")
    sample = Sample(offset, 0.0002, 1e-6, 2, leap, 0, -20, 0.001, 0.001, "GPS", 0)
    return ServerResult(server, name, (sample,), 1, 1, kiss_code=kiss)


def verdict_of(*results: ServerResult) -> tuple[str, str, str]:
    usable, unusable = candidates_from(results)
    selection = select(usable, unusable)
    v = judge(results, selection)
    return v.level, v.summary, " | ".join(v.details)


def test_usable_count_is_out_of_the_usable_servers_and_a_warning_is_not_good() -> None:
    level, summary, details = verdict_of(
        result("a", 0.001), result("b", 0.0012), result("c", None), result("d", None), result("e", None)
    )
    assert "2 of 2 usable servers form a majority (3 of 5 unusable)" in summary
    assert level == "warning" and not summary.endswith("Good.")
    assert "too few or disagree" in summary and "fewer than 3 usable servers" in details


def test_three_agreeing_servers_are_good() -> None:
    level, summary, _ = verdict_of(result("a", 0.001), result("b", 0.0012), result("c", 0.0009))
    assert level == "ok" and summary.endswith("3 of 3 usable servers form a majority. Good.")


def test_the_falseticker_line_says_how_far_outside_the_majority_it_lies() -> None:
    _, _, details = verdict_of(result("a", 2.0), result("b", 2.0), result("c", 2.0), result("liar", -7.0))
    line = next(d for d in details.split(" | ") if d.startswith("rejected as falseticker(s): liar"))
    # θ −7 s with λ ≈ 6 ms; the majority's interval is about 2 s ± 6 ms: the gap is about 8.99 s.
    assert " below the majority's interval [+1.99" in line
    gap = float(line.split(" lies ")[1].split(" s ")[0])
    assert 8.95 < gap < 9.0


def test_a_pending_leap_second_and_a_rate_limited_server_are_mentioned() -> None:
    _, _, details = verdict_of(
        result("a", 0.001, leap=Leap.INSERT), result("b", 0.001, kiss="RATE"), result("c", 0.001)
    )
    assert "leap second is pending (leap indicator 1)" in details and "inserted" in details
    assert "b asked us to slow down (kiss-o'-death RATE)" in details


# -- misbehaving servers on real sockets ----------------------------------------------------------------------

Answer = Callable[[Packet], bytes | None]


class Misbehaving:
    """A UDP server on 127.0.0.1 that answers every request with ``answer(request)`` and counts requests."""

    def __init__(self, answer: Answer) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.answer = answer
        self.requests = 0
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @property
    def label(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def _loop(self) -> None:
        while self.running:
            try:
                data, peer = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            self.requests += 1
            reply = self.answer(decode(data))
            if reply is not None:
                self.sock.sendto(reply, peer)

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def good(req: Packet, **fields: object) -> bytes:
    values: dict[str, object] = {
        "mode": Mode.SERVER,
        "stratum": 2,
        "reference_id": b"GPS\0",
        "origin_ts": req.transmit_ts,
        "receive_ts": 0xEB00_0000_0000_0000,
        "transmit_ts": 0xEB00_0000_0000_0001,
    }
    values.update(fields)
    return Packet(**values).encode()  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "hostward.toml"
    config.write_text("[ntp]\n")
    monkeypatch.setenv("HOSTWARD_CONFIG", str(config))


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], Misbehaving]]:
    started: list[Misbehaving] = []

    def start(answer: Answer) -> Misbehaving:
        started.append(Misbehaving(answer))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            lambda req: good(req, origin_ts=req.transmit_ts ^ 1),
            "replied, but with a wrong origin timestamp ×2",
        ),
        (lambda req: good(req, mode=Mode.SYMMETRIC_ACTIVE), "replied, but with the wrong mode ×2"),
        (lambda req: good(req)[:40], "replied, but with a malformed packet (truncated) ×2"),
    ],
)
def test_cli_says_how_a_server_replied_wrongly(
    serve: Callable[[Answer], Misbehaving], answer: Answer, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve(answer)
    code = main(["ntp", "query", "--samples", "4", "--timeout", "0.2", "--interval", "0", server.label])
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if server.label in line)
    assert row.startswith("^?") and words in row and "timeout" not in row
    assert f"{server.label}: {words}; no valid reply to 2 request(s)" in " ".join(out.split())
    assert server.requests == 2 and code == 3


def test_cli_rate_kiss_of_death_stops_the_query_at_once(
    serve: Callable[[Answer], Misbehaving], capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, RATE doubled the interval (2 → 4 → 8 → 16 s, 28 s for a default query). Now the first RATE
    ends that server's burst: one request in all, counted at the server."""
    server = serve(lambda req: good(req, stratum=0, reference_id=b"RATE"))
    code = main(["ntp", "query", "--samples", "4", "--interval", "2", "--timeout", "0.5", server.label])
    out = capsys.readouterr().out
    assert server.requests == 1
    assert "rate-limiting: the server answered kiss-o'-death RATE; not asked again" in " ".join(out.split())
    assert code == 3
