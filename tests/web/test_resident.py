"""What the dashboard keeps resident in the daemon (issue 17: the daemon's RSS): the QR code library is loaded
when an enrolment page draws a code, not when the server is imported; the memcached client only when the page
cache is memcached."""

from __future__ import annotations

from tests.conftest import modules_after


def test_importing_the_web_server_loads_no_qr_library() -> None:
    imported, _ = modules_after("import hostward.web.server", "")
    assert "hostward.web.setup_routes" in imported
    assert not any(m == "segno" or m.startswith("segno.") for m in imported)


def _pymemcache_loaded(page_cache: str) -> bool:
    code = (
        "import hostward.web.server\n"
        "from hostward.cache import open_cache\n"
        "from hostward.config import CacheConfig\n"
        f"open_cache(CacheConfig(servers=('127.0.0.1:1',), page_cache={page_cache!r}))"
    )
    imported, _ = modules_after(code, "pymemcache")
    return bool(imported)


def test_the_memcached_client_is_loaded_only_for_a_memcached_page_cache() -> None:
    """The old code imported pymemcache with the web server (and so in every daemon) whatever [cache] said."""
    assert not _pymemcache_loaded("memory")
    assert _pymemcache_loaded("memcached")  # the client connects on first use: no server needed here
