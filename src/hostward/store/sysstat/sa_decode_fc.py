"""A_NET_FC of a sysstat sa file (rd_stats.h stats_fchost): four unsigned long counters (frames and words received
and transmitted) and the adapter's name as a 16-byte field (NUL-terminated; sadc copies the directory entry's
bytes, so what follows the NUL is noise), stored as hostward's FcHost records (sar -n FC)."""

from __future__ import annotations

from hostward.collect.fchost import FcHost

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


def decode_fchosts(items: list[tuple[Any, ...]] | None) -> tuple[FcHost, ...] | None:
    """None when the file does not hold A_NET_FC (sadc found no adapter, or ran without -S DISK)."""
    if items is None:
        return None
    return tuple(
        FcHost(name.split(b"\0", 1)[0].decode("utf-8", "replace"), int(rxf), int(txf), int(rxw), int(txw))
        for rxf, txf, rxw, txw, name in items
    )
