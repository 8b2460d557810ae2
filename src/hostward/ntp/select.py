"""Which servers to believe: RFC 5905 §11.2 selection, clustering and combining, on one-shot measurements.

Each candidate i offers a correctness interval [θᵢ − λᵢ, θᵢ + λᵢ] (offset ± root distance): if the server is
honest, the true offset lies in it. The intersection algorithm (§11.2.1, Marzullo's algorithm as modified by
Mills) finds the smallest number f of falsetickers such that some interval is shared by at least m − f
candidates, for f < m/2: a majority clique. If no f < m/2 works there is no majority, and nothing can be said
about the right time. The cluster algorithm (§11.2.2) then prunes outliers by selection jitter, and the
combine algorithm (§11.2.3) averages the survivors weighted by 1/λ.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence

from hostward.frozen import frozen

MAXDIST = 1.5  # fit test (RFC 5905 §11.2): root distance above this is unfit; ntpd's default tos maxdist
NMIN = 3  # RFC 5905 §11.2.2: the cluster algorithm keeps at least this many survivors (MINCLOCK)
MAXDIST_WEIGHT = 1.5  # stratum weight in the merit factor: stratum·MAXDIST + λ (RFC 5905 §11.2.2)


class SourceState(enum.StrEnum):
    """chronyc's state markers, with the same meaning."""

    SELECTED = "*"  # system peer: the best survivor
    COMBINED = "+"  # survivor, averaged into the result
    OUTLIER = "-"  # truechimer pruned by the cluster algorithm
    FALSETICKER = "x"  # outside the majority's intersection interval
    UNUSABLE = "?"  # no usable sample (timeout, kiss-o'-death, unsynchronised) or root distance > MAXDIST


@frozen
class Candidate:
    name: str
    offset_seconds: float
    root_distance_seconds: float
    jitter_seconds: float
    stratum: int


@frozen
class Selection:
    states: dict[str, SourceState]
    majority: bool  # a majority clique exists (False also when there is no usable candidate)
    falsetickers: int  # f, the number of candidates the intersection had to leave out
    low_seconds: float | None  # the intersection interval
    high_seconds: float | None
    offset_seconds: float | None  # combined θ of the survivors
    error_seconds: float | None  # root distance of the system peer
    jitter_seconds: float | None  # system jitter (RFC 5905 §11.2.3)
    system_peer: str | None


def intersect(candidates: Sequence[Candidate]) -> tuple[int, float, float] | None:
    """(f, low, high) per RFC 5905 §11.2.1, or None when no majority clique exists."""
    m = len(candidates)
    if m == 0:
        return None
    # Endpoint tuples: lower edge -1, midpoint 0, upper edge +1; ties sort lower edges first so that
    # touching intervals count as overlapping.
    edges = sorted(
        [(c.offset_seconds - c.root_distance_seconds, -1) for c in candidates]
        + [(c.offset_seconds, 0) for c in candidates]
        + [(c.offset_seconds + c.root_distance_seconds, 1) for c in candidates]
    )
    for allow in range((m + 1) // 2):  # f < m/2
        found = chime = 0
        low = high = math.nan
        for edge, kind in edges:  # scan up: low is where m − f intervals have begun
            chime -= kind
            if chime >= m - allow:
                low = edge
                break
            if kind == 0:
                found += 1
        chime = 0
        for edge, kind in reversed(edges):  # scan down: high is where m − f intervals are still open
            chime += kind
            if chime >= m - allow:
                high = edge
                break
            if kind == 0:
                found += 1
        # Mills' extra condition: no more than f midpoints may lie outside [low, high].
        if found <= allow and low <= high:
            return allow, low, high
    return None


def cluster(survivors: list[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
    """RFC 5905 §11.2.2: drop the survivor with the largest selection jitter while that jitter exceeds the
    smallest peer jitter and more than NMIN remain. Returns (kept, pruned); ``survivors`` in merit order."""
    kept = list(survivors)
    pruned: list[Candidate] = []
    while len(kept) > NMIN:
        jitters = [_selection_jitter(c, kept) for c in kept]
        worst = max(range(len(kept)), key=jitters.__getitem__)
        if jitters[worst] <= min(c.jitter_seconds for c in kept):
            break
        pruned.append(kept.pop(worst))
    return kept, pruned


def _selection_jitter(candidate: Candidate, others: Sequence[Candidate]) -> float:
    rest = [o for o in others if o is not candidate]
    if not rest:
        return 0.0
    return math.sqrt(sum((o.offset_seconds - candidate.offset_seconds) ** 2 for o in rest) / len(rest))


def select(candidates: Sequence[Candidate], unusable: Sequence[str] = ()) -> Selection:
    """Run fit test, intersection, cluster and combine; every name ends with a state marker."""
    states = {name: SourceState.UNUSABLE for name in unusable}
    fit = [c for c in candidates if c.root_distance_seconds <= MAXDIST]
    states.update({c.name: SourceState.UNUSABLE for c in candidates if c.root_distance_seconds > MAXDIST})
    result = intersect(fit)
    if result is None:
        states.update({c.name: SourceState.FALSETICKER for c in fit})
        return Selection(states, False, len(fit), None, None, None, None, None, None)
    allow, low, high = result
    truechimers = []
    for c in fit:
        # A truechimer's interval overlaps the intersection interval (RFC 5905 §11.2.1, last step).
        overlaps = (
            c.offset_seconds - c.root_distance_seconds <= high
            and c.offset_seconds + c.root_distance_seconds >= low
        )
        if overlaps:
            truechimers.append(c)
        else:
            states[c.name] = SourceState.FALSETICKER
    truechimers.sort(key=lambda c: c.stratum * MAXDIST_WEIGHT + c.root_distance_seconds)
    kept, pruned = cluster(truechimers)
    states.update({c.name: SourceState.OUTLIER for c in pruned})
    peer = kept[0]
    states.update({c.name: SourceState.COMBINED for c in kept[1:]})
    states[peer.name] = SourceState.SELECTED
    offset, jitter = combine(kept)
    return Selection(states, True, allow, low, high, offset, peer.root_distance_seconds, jitter, peer.name)


def combine(survivors: Sequence[Candidate]) -> tuple[float, float]:
    """RFC 5905 §11.2.3: offsets weighted by 1/λ; system jitter combines the selection jitter about the
    system peer (the first survivor) with that peer's own jitter."""
    weights = [1.0 / max(c.root_distance_seconds, 1e-9) for c in survivors]
    total = sum(weights)
    offset = sum(w * c.offset_seconds for w, c in zip(weights, survivors, strict=True)) / total
    peer = survivors[0]
    selection = sum(
        w * (c.offset_seconds - peer.offset_seconds) ** 2 for w, c in zip(weights, survivors, strict=True)
    )
    return offset, math.sqrt(selection / total + peer.jitter_seconds**2)
