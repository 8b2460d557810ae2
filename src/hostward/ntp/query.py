"""`hostward ntp query`: measure several servers, choose truechimers, and say in words what it means."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hostward.ntp.client import Clock, ServerAddress, ServerResult, SocketFactory, query_servers, udp_socket
from hostward.ntp.select import Candidate, Selection, SourceState, select
from hostward.ntp.verdict import BAD_OFFSET_S, GOOD_OFFSET_S, Verdict


@dataclass(frozen=True, slots=True)
class QueryReport:
    results: tuple[ServerResult, ...]
    selection: Selection
    verdict: Verdict

    def to_json(self) -> dict[str, Any]:
        servers = []
        for r in self.results:
            best = r.best
            servers.append(
                {
                    "server": r.server.label,
                    "address": r.address,
                    "state": self.selection.states.get(r.server.label, SourceState.UNUSABLE).name.lower(),
                    "marker": str(self.selection.states.get(r.server.label, SourceState.UNUSABLE)),
                    "stratum": best.stratum if best else None,
                    "reference": best.reference if best else None,
                    "offset_seconds": best.offset_seconds if best else None,
                    "delay_seconds": best.delay_seconds if best else None,
                    "root_distance_seconds": r.root_distance_seconds if best else None,
                    "jitter_seconds": r.jitter_seconds if best else None,
                    "samples": len(r.samples),
                    "requests_sent": r.requests_sent,
                    "reach": f"{r.reach:o}",
                    "kiss_code": r.kiss_code,
                    "ignored": r.drops,
                    "error": r.error,
                }
            )
        sel = dataclasses.asdict(self.selection)
        sel["states"] = {k: v.name.lower() for k, v in self.selection.states.items()}
        return {
            "sign_convention": "offset = server clock - local clock (RFC 5905 theta); positive: local is behind",
            "servers": servers,
            "selection": sel,
            "verdict": {
                "level": self.verdict.level,
                "summary": self.verdict.summary,
                "details": list(self.verdict.details),
            },
        }


def candidates_from(results: Sequence[ServerResult]) -> tuple[list[Candidate], list[str]]:
    usable, unusable = [], []
    for r in results:
        best = r.best
        if best is None:
            unusable.append(r.server.label)
        else:
            usable.append(
                Candidate(
                    r.server.label,
                    best.offset_seconds,
                    r.root_distance_seconds,
                    r.jitter_seconds,
                    best.stratum,
                )
            )
    return usable, unusable


def judge(results: Sequence[ServerResult], selection: Selection) -> Verdict:
    """Plain-language verdict. θ > 0 means the servers are ahead, i.e. this host's clock is behind."""
    details = [f"{r.server.label}: {r.error}" for r in results if r.error]
    falsetickers = [n for n, s in selection.states.items() if s is SourceState.FALSETICKER]
    usable = sum(1 for r in results if r.usable)
    if usable == 0:
        return Verdict("critical", "No server answered usefully: the time cannot be checked.", tuple(details))
    if not selection.majority or selection.offset_seconds is None:
        offsets = ", ".join(
            f"{r.server.label} {_signed(r.best.offset_seconds)}" for r in results if r.best is not None
        )
        return Verdict(
            "critical",
            f"No majority: the {usable} usable servers disagree ({offsets}), so no one can say which is right. "
            "Treat this host as unsynchronised; add servers (at least 4 independent ones) so that a "
            "falseticker can be outvoted.",
            tuple(details),
        )
    offset = selection.offset_seconds
    error = selection.error_seconds or 0.0
    direction = "behind" if offset > 0 else "ahead of"
    where = f"This host's clock is {abs(offset):.6f} s {direction} the servers' consensus (± {error * 1000:.1f} ms)."
    agreed = sum(
        1
        for s in selection.states.values()
        if s in (SourceState.SELECTED, SourceState.COMBINED, SourceState.OUTLIER)
    )
    quorum = f"{agreed} of {len(results)} servers form a majority"
    if falsetickers:
        details.insert(0, f"rejected as falseticker(s): {', '.join(falsetickers)}")
    if usable < 3:
        details.append("fewer than 3 usable servers: a single wrong server could not be outvoted")
    if abs(offset) >= BAD_OFFSET_S:
        level = "critical"
        advice = "Logs, TLS certificates, Kerberos and replication will misbehave; fix the time daemon."
    elif abs(offset) >= GOOD_OFFSET_S:
        level = "warning"
        advice = (
            "Noticeable in logs and traces; check that the time daemon is running and reaches its servers."
        )
    else:
        level = "warning" if falsetickers or usable < 3 else "ok"
        advice = "Good."
    return Verdict(level, f"{where} {quorum}. {advice}", tuple(details))


def run_query(
    servers: Sequence[ServerAddress],
    *,
    samples: int = 4,
    interval: float = 2.0,
    timeout: float = 1.0,
    retries: int = 1,
    socket_factory: SocketFactory = udp_socket,
    clock: Clock | None = None,
) -> QueryReport:
    results = query_servers(
        servers,
        samples=samples,
        interval=interval,
        timeout=timeout,
        retries=retries,
        socket_factory=socket_factory,
        clock=clock,
    )
    usable, unusable = candidates_from(results)
    selection = select(usable, unusable)
    return QueryReport(tuple(results), selection, judge(results, selection))


def _signed(seconds: float) -> str:
    return f"{seconds:+.3f} s" if abs(seconds) >= 0.0005 else f"{seconds * 1000:+.3f} ms"
