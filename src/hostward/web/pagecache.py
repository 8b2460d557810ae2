"""Page cache: GET responses that are the same for every user of a role, kept in the cache backend
(``hostward.cache``: in-process by default, memcached when ``[cache]`` names a server).

Keyed by role, path and query (sorted, so ``?a=1&b=2`` and ``?b=2&a=1`` share an entry), with a TTL tied to
the recording interval (the data cannot change faster than the recorder writes it). Never cached: anything
but GET, any status but 200, responses that set cookies or say ``Cache-Control: private/no-store`` (personal
data), and streams. A stored entry is the body plus its media type; the response says ``X-Cache: hit|miss``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import zlib
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger(__name__)
Endpoint = Callable[[Request], Awaitable[Response]]
MAX_ENTRY_BYTES = 16 << 20  # of the body; stored deflated, and a backend may still refuse a large entry
MIN_TTL, MAX_TTL = 1, 300


class Backend(Protocol):
    """What the page cache needs of ``hostward.cache``'s backends (tests substitute their own)."""

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, ttl_seconds: float) -> object: ...


def ttl_for(interval_seconds: float) -> int:
    """One recording interval, within [MIN_TTL, MAX_TTL] seconds."""
    return int(min(max(interval_seconds, MIN_TTL), MAX_TTL))


def cache_key(role: str, request: Request) -> str:
    query = "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))
    digest = hashlib.sha256(f"{role}\n{request.url.path}\n{query}".encode()).hexdigest()
    return f"hw:page:{digest}"  # fixed length and charset: a safe memcached key whatever the URL holds


def cacheable(response: Response) -> bool:
    if response.status_code != 200 or "set-cookie" in response.headers:
        return False
    control = response.headers.get("cache-control", "")
    if "private" in control or "no-store" in control:
        return False
    return hasattr(response, "body") and len(response.body) <= MAX_ENTRY_BYTES


def _pack(response: Response) -> bytes:
    # Compressed: a day of per-CPU series is ~1.5 MB of JSON text but ~0.3 MB deflated (memcached keeps 1 MiB).
    head = json.dumps({"media_type": response.media_type or "application/octet-stream"}).encode()
    return zlib.compress(head + b"\n" + bytes(response.body), 1)


def _unpack(blob: bytes) -> Response | None:
    try:
        inflater = zlib.decompressobj()
        plain = inflater.decompress(blob, MAX_ENTRY_BYTES + 4096)
    except zlib.error:
        return None
    if not inflater.eof:
        return None  # not one of ours, or larger than anything we store
    head, sep, body = plain.partition(b"\n")
    if not sep:
        return None
    try:
        media_type = str(json.loads(head)["media_type"])
    except (ValueError, KeyError, TypeError):
        return None
    return Response(body, media_type=media_type)


def _backend(request: Request) -> tuple[Backend | None, int]:
    state: Any = request.app.state
    backend = getattr(state, "page_cache", None)
    if backend is None:
        return None, 0
    from hostward.web.api import interval_seconds  # noqa: PLC0415 - api imports this module

    return backend, ttl_for(interval_seconds(request))


def role_of(request: Request) -> str | None:
    from hostward.web.authz import current_user  # noqa: PLC0415 - the security core owns users

    user = current_user(request)
    role = getattr(user, "role", None)
    return str(role) if role else None


def cached(endpoint: Endpoint) -> Endpoint:
    """Serve a role-wide GET response from the page cache; store it when it qualifies (see module doc)."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        backend, ttl = _backend(request)
        role = role_of(request) if backend is not None and request.method == "GET" else None
        if backend is None or role is None:
            return await endpoint(request)
        key = cache_key(role, request)
        try:
            blob = backend.get(key)
        except Exception as exc:  # a cache outage must never break a page; it only costs speed
            log.warning("page cache unavailable: %s", exc)
            blob = None
        hit = _unpack(blob) if blob is not None else None
        if hit is not None:
            hit.headers["x-cache"] = "hit"
            return hit
        response = await endpoint(request)
        if cacheable(response):
            try:
                backend.set(key, _pack(response), ttl)
            except Exception as exc:
                log.warning("page cache unavailable: %s", exc)
            response.headers["x-cache"] = "miss"
        return response

    return wrapper
