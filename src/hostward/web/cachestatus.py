"""The cache page's and the overview's cache figures, from the functions ``hostward cache stats`` uses.

Each configured memcached is checked by ``hostward.cache.health.check`` (the four stats replies and the verdict
with next steps), its figures grouped by ``hostward.cache.explain.explain_stats``; the hit ratio is
``hostward.cache.counters.hit_ratio``. Nothing here interprets a counter a second time: this module only turns
those typed records into what the templates show. The dashboard's own page cache reports its hits and misses
(``CacheBackend.stats()``). Everything a server sends is text to the templates, escaped like all the rest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from hostward.cache.counters import hit_ratio, ratio
from hostward.cache.explain import Figure, Group, explain_stats
from hostward.cache.health import CacheHealth, check
from hostward.cache.verdict import Verdict
from hostward.config import CacheConfig
from hostward.errors import HostwardError

# A page checks at most this many servers: each costs up to four replies within [cache] timeout_seconds.
MAX_SERVERS = 8


@dataclass(frozen=True, slots=True)
class ServerView:
    server: str
    error: str | None  # one line when the server could not be read
    version: str | None
    hit_ratio: float | None  # get_hits / cmd_get since the server started; None before the first get
    verdict: Verdict | None
    groups: tuple[Group, ...]  # explain_stats of the stats reply (empty when unreadable)


@dataclass(frozen=True, slots=True)
class PageCacheView:
    backend: str
    hits: int
    misses: int
    sets: int
    too_large: int
    errors: int
    hit_ratio: float | None


def _view(health: CacheHealth) -> ServerView:
    fields = health.stats.fields if health.stats is not None else {}
    return ServerView(
        server=health.server,
        error=health.error,
        version=fields.get("version"),
        hit_ratio=hit_ratio(fields) if fields else None,
        verdict=health.verdict,
        groups=explain_stats(fields) if fields else (),
    )


def servers(config: CacheConfig, *, details: bool = True, limit: int = MAX_SERVERS) -> list[ServerView]:
    """``hostward cache stats`` of the first ``limit`` configured servers; ``details`` adds slabs, items and
    settings to the verdict's evidence (the overview only needs the hit ratio)."""
    views = []
    for server in config.servers[:limit]:
        try:
            health = check(server, timeout=config.timeout_seconds, details=details)
        except HostwardError as exc:  # a server text the checker refuses: shown, never a server error
            views.append(ServerView(server, str(exc).splitlines()[0][:300], None, None, None, ()))
            continue
        views.append(_view(health))
    return views


def page_cache(backend: Any) -> PageCacheView | None:
    """The page cache's own counters since this server started; None when it runs without one."""
    if backend is None:
        return None
    stats = backend.stats()
    return PageCacheView(
        backend=stats.backend,
        hits=stats.hits,
        misses=stats.misses,
        sets=stats.sets,
        too_large=stats.too_large,
        errors=stats.errors,
        hit_ratio=ratio(stats.hits, stats.hits + stats.misses),
    )


def figure_text(figure: Figure) -> str:
    """A figure's value for the page: the server's own text for a one-value figure, a derived ratio (hit
    ratio, fill) as a percentage, "-" when the server did not report it."""
    if len(figure.raw) == 1 and figure.key != "connections":
        return figure.raw[0][1]
    if isinstance(figure.value, float):
        return f"{100 * figure.value:.1f} %"
    return "-" if figure.value is None else str(figure.value)


def raw_text(figure: Figure) -> str:
    return " ".join(f"{name} {value}" for name, value in figure.raw)


def document(config: CacheConfig, backend: Any) -> dict[str, Any]:
    """/api/v1/cache: what the cache page shows, as JSON (the records above, field for field)."""
    found = page_cache(backend)
    return {
        "servers": [asdict(view) for view in servers(config)],
        "page_cache": asdict(found) if found is not None else None,
    }
