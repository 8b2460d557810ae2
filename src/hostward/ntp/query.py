"""`hostward ntp query`: measure several servers, choose truechimers, and say in words what it means."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hostward.frozen import asdict, frozen
from hostward.ntp.client import ServerResult, query_servers
from hostward.ntp.packet import Leap
from hostward.ntp.select import Candidate, Selection, SourceState, select
from hostward.ntp.transport import Clock, ServerAddress, SocketFactory, udp_socket
from hostward.ntp.verdict import BAD_OFFSET_S, GOOD_OFFSET_S, Verdict


@frozen
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
        sel = asdict(self.selection)
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
    unusable = len(results) - usable
    quorum = f"{agreed} of {usable} usable servers form a majority" + (
        f" ({unusable} of {len(results)} unusable)" if unusable else ""
    )
    if falsetickers:
        by_name = {r.server.label: r for r in results}
        details.insert(
            0,
            "rejected as falseticker(s): " + "; ".join(_outside(by_name[n], selection) for n in falsetickers),
        )
    details.extend(
        f"{r.server.label} asked us to slow down (kiss-o'-death RATE): its burst was cut short, "
        f"{len(r.samples)} sample(s) used"
        for r in results
        if r.kiss_code == "RATE" and r.usable
    )
    if usable < 3:
        details.append("fewer than 3 usable servers: a single wrong server could not be outvoted")
    peer = next((r.best for r in results if r.server.label == selection.system_peer), None)
    if peer is not None and peer.leap in (Leap.INSERT, Leap.DELETE):
        verb = "inserted" if peer.leap == Leap.INSERT else "deleted"
        details.append(
            f"a leap second is pending (leap indicator {int(peer.leap)}): the servers announce one second "
            f"{verb} at the end of the scheduled UTC day (30 June or 31 December)"
        )
    if abs(offset) >= BAD_OFFSET_S:
        level = "critical"
        advice = "Logs, TLS certificates, Kerberos and replication will misbehave; fix the time daemon."
    elif abs(offset) >= GOOD_OFFSET_S:
        level = "warning"
        advice = (
            "Noticeable in logs and traces; check that the time daemon is running and reaches its servers."
        )
    elif falsetickers or usable < 3:
        level = "warning"
        advice = "The offset is small, but the servers behind it are too few or disagree (see below)."
    else:
        level = "ok"
        advice = "Good."
    return Verdict(level, f"{where} {quorum}. {advice}", tuple(details))


def _outside(result: ServerResult, selection: Selection) -> str:
    """How far a falseticker's correctness interval θ ± λ lies outside the majority's interval."""
    best = result.best
    low, high = selection.low_seconds, selection.high_seconds
    if best is None or low is None or high is None:
        return result.server.label
    theta, lam = best.offset_seconds, result.root_distance_seconds
    gap = low - (theta + lam) if theta < low else (theta - lam) - high
    side = "below" if theta < low else "above"
    return (
        f"{result.server.label} (θ {_signed(theta)} ± {lam * 1000:.1f} ms lies {_unsigned(gap)} {side} the "
        f"majority's interval [{_signed(low)}, {_signed(high)}])"
    )


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


def _unsigned(seconds: float) -> str:
    return f"{seconds:.3f} s" if abs(seconds) >= 0.0005 else f"{seconds * 1000:.3f} ms"


def _signed(seconds: float) -> str:
    return f"{seconds:+.3f} s" if abs(seconds) >= 0.0005 else f"{seconds * 1000:+.3f} ms"
