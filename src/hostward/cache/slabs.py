"""memcached's slab classes: ``stats slabs`` and ``stats items`` joined per class, as ``memcached-tool display``.

memcached never allocates memory per item: ``-m`` is cut into 1 MiB pages, and each page belongs to one slab
class whose chunks all have one size (48 bytes, then ×1.25 each class by default; ``stats settings``
``growth_factor``). An item lives in the smallest chunk that fits it. Once every page is handed out, a class can
only make room by evicting its own least recently used items — even while another class has pages of free
chunks. That is slab calcification; since 1.4.11 ``slab_reassign`` lets pages move between classes, and the
``slab_automove`` thread (default on since 1.5) moves them by itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from hostward.digits import is_digits
from hostward.frozen import frozen

MAX_CLASS = 255  # memcached has at most 64 (MAX_NUMBER_OF_SLAB_CLASSES); anything beyond is not a class id


@frozen
class SlabClass:
    """One slab class; None where the server did not say (an older or stripped-down reply)."""

    id: int
    chunk_bytes: int | None  # chunk_size: the largest item this class holds, header and key included
    chunks_per_page: int | None
    pages: int | None  # total_pages: 1 MiB pages (slab_chunk_max) given to this class
    used_chunks: int | None
    free_chunks: int | None  # free_chunks + free_chunks_end: room without evicting
    items: int | None  # items:N:number
    oldest_age_seconds: int | None  # items:N:age: seconds since the LRU tail (oldest item) was last used
    evicted: int | None  # items pushed out while unexpired, to make room
    evicted_nonzero: int | None  # ... of them with an expiry time set (not "0 = never")
    evicted_time_seconds: int | None  # seconds since the last access of the most recently evicted item
    outofmemory: int | None  # sets refused: no chunk could be freed (evictions off, or all items locked)
    reclaimed: int | None  # expired items whose chunk was reused for a new item
    expired_unfetched: int | None  # items that expired without ever being read
    evicted_unfetched: int | None  # items evicted without ever being read

    @property
    def full(self) -> bool:
        """No free chunk left: a set into this class must evict (memcached-tool's "Full?" column)."""
        return self.free_chunks == 0 and (self.pages or 0) > 0

    @property
    def free_pages(self) -> float:
        """Free chunks in pages: a whole page free is memory another class could have (by slabs reassign)."""
        if not self.free_chunks or not self.chunks_per_page:
            return 0.0
        return self.free_chunks / self.chunks_per_page


@frozen
class SlabTable:
    classes: tuple[SlabClass, ...]  # by class id
    active_slabs: int | None
    total_malloced_bytes: int | None  # memory given to slab pages so far (at most limit_maxbytes)


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and is_digits(text) and len(text) <= 20 else None


def _per_class(fields: Mapping[str, str], prefix: str) -> dict[int, dict[str, str]]:
    """``{class id: {name: value}}`` from keys ``[prefix]ID:name``; other keys are left alone."""
    classes: dict[int, dict[str, str]] = {}
    for key, value in fields.items():
        if not key.startswith(prefix):
            continue
        ident, sep, name = key[len(prefix) :].partition(":")
        if sep and name and is_digits(ident) and len(ident) <= 3 and 0 < int(ident) <= MAX_CLASS:
            classes.setdefault(int(ident), {})[name] = value
    return classes


def slab_table(slabs: Mapping[str, str], items: Mapping[str, str]) -> SlabTable:
    """Join the raw ``stats slabs`` and ``stats items`` fields. A class that appears in either is listed."""
    by_slab = _per_class(slabs, "")
    by_item = _per_class(items, "items:")
    classes = []
    for ident in sorted(by_slab.keys() | by_item.keys()):
        s, i = by_slab.get(ident, {}), by_item.get(ident, {})
        free, free_end = _int(s.get("free_chunks")), _int(s.get("free_chunks_end"))
        classes.append(
            SlabClass(
                id=ident,
                chunk_bytes=_int(s.get("chunk_size")),
                chunks_per_page=_int(s.get("chunks_per_page")),
                pages=_int(s.get("total_pages")),
                used_chunks=_int(s.get("used_chunks")),
                free_chunks=None if free is None else free + (free_end or 0),
                items=_int(i.get("number")),
                oldest_age_seconds=_int(i.get("age")),
                evicted=_int(i.get("evicted")),
                evicted_nonzero=_int(i.get("evicted_nonzero")),
                evicted_time_seconds=_int(i.get("evicted_time")),
                outofmemory=_int(i.get("outofmemory")),
                reclaimed=_int(i.get("reclaimed")),
                expired_unfetched=_int(i.get("expired_unfetched")),
                evicted_unfetched=_int(i.get("evicted_unfetched")),
            )
        )
    return SlabTable(tuple(classes), _int(slabs.get("active_slabs")), _int(slabs.get("total_malloced")))
