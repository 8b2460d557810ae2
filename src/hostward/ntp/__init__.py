"""Time health: RFC 5905 client and server, source selection, the host's clock state, recorder samples.

Layers, lowest first: timestamps (era-safe 64-bit arithmetic) -> packet (48-byte codec) -> client / server
-> select (intersection, cluster, combine) -> query (verdict on a set of servers); adjtimex, daemons and
drift read the host's own state -> status and explain; sample is the recorder's entry point.
Nothing here prints; hostward.cli.ntp does.
"""
