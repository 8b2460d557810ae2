"""A verdict in words: what the numbers mean for this host and what to do next."""

from __future__ import annotations

from hostward.frozen import frozen

# Offsets people should worry about: Kerberos refuses tickets at 300 s skew; TLS and log correlation suffer
# long before; a host synchronised by NTP over the internet is typically within a few ms. `ntp query` grades a
# measured offset and `ntp status` grades the offset a daemon reports with the same bounds.
GOOD_OFFSET_S = 0.1
BAD_OFFSET_S = 1.0


@frozen
class Verdict:
    level: str  # "ok", "warning" or "critical"
    summary: str
    details: tuple[str, ...] = ()  # reasons and next steps, one sentence or two each
