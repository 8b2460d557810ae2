"""A verdict in words: what the numbers mean for this host and what to do next."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Verdict:
    level: str  # "ok", "warning" or "critical"
    summary: str
    details: tuple[str, ...] = ()  # reasons and next steps, one sentence or two each
