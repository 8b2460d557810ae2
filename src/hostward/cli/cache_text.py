"""Text layouts of ``hostward cache``: explained stats, the slab table, settings, sar-like rate rows, verdicts."""

from __future__ import annotations

import textwrap

from hostward.cache.counters import Interval, integer, ratio
from hostward.cache.explain import Figure, explain_settings, explain_stats
from hostward.cache.health import CacheHealth
from hostward.cache.slabs import SlabTable
from hostward.cache.verdict import Verdict


def header(health: CacheHealth) -> str:
    if health.stats is None:
        return f"{health.error}"
    f = health.stats.fields
    up = integer(f, "uptime")
    return (
        f"memcached {health.server}  version {f.get('version', '?')}  up {human_duration(up)}  "
        f"pid {f.get('pid', '?')}"
    )


def human_duration(seconds: int | None) -> str:
    if seconds is None:
        return "?"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def human_bytes(value: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _value_text(figure: Figure) -> str:
    """The raw value for a one-value figure (exactly as the server sent it), a percentage for a ratio."""
    if len(figure.raw) == 1 and figure.key not in ("connections",):
        return figure.raw[0][1]
    if isinstance(figure.value, float):
        return f"{100 * figure.value:.1f} %"
    if figure.value is None:
        return "-"
    return str(figure.value)


def _raw_text(figure: Figure) -> str:
    if len(figure.raw) == 1 and figure.key != "connections":
        name, value = figure.raw[0]
        extra = ""
        if name.startswith("bytes") or name == "limit_maxbytes":
            extra = f" ({human_bytes(int(value))})" if value.isascii() and value.isdigit() else ""
        if name == "uptime" and value.isascii() and value.isdigit():
            extra = f" ({human_duration(int(value))})"
        return f"{name}{extra}"
    return " ".join(f"{name} {value}" for name, value in figure.raw)


def render_stats(health: CacheHealth) -> str:
    out = [header(health)]
    if health.stats is None:
        return out[0] + "\n"
    for group in explain_stats(health.stats.fields):
        out.append(group.title)
        for fig in group.figures:
            if not fig.raw:
                continue  # not reported by this server (an older release)
            out.append(f"  {fig.label:<19}{_value_text(fig):>12}  {_raw_text(fig):<40} {fig.meaning}")
    out.extend(render_verdict(health.verdict))
    return "\n".join(out) + "\n"


SLAB_COLUMNS = (
    f"  {'#':>3} {'Chunk_B':>8} {'Pages':>6} {'Used':>8} {'Free':>8} {'Full?':>5} {'Items':>8} "
    f"{'Max_age':>8} {'Evicted':>9} {'Ev_nonzero':>10} {'Evict_time':>10} {'OOM':>6}"
)

SLAB_LEGEND = """\
Chunk_B: chunk size in bytes (the largest item the class holds, key and header included); Pages: 1 MiB pages
the class owns; Used/Free: chunks holding an item / free (free means sets into this class need not evict);
Items: items stored; Max_age: seconds since the oldest item was last used (how long an unread item survives);
Evicted: unexpired items pushed out (Ev_nonzero: of them with a TTL set); Evict_time: seconds since the last
evicted item was used (small = items are evicted while still in use); OOM: sets that found nothing to evict.
Why it matters: memory belongs to a class once a page is given to it, so one class can evict while another has
free pages (slab calcification) unless slab_reassign/slab_automove move pages."""


def _cell(value: int | None, width: int) -> str:
    return f"{'-' if value is None else value:>{width}}"


def render_slabs(health: CacheHealth) -> str:
    out = [header(health)]
    table = health.slabs
    if health.stats is None or table is None:
        return out[0] + "\n"
    out.append(SLAB_COLUMNS)
    for c in table.classes:
        out.append(
            f"  {c.id:>3} {_cell(c.chunk_bytes, 8)} {_cell(c.pages, 6)} {_cell(c.used_chunks, 8)} "
            f"{_cell(c.free_chunks, 8)} {'yes' if c.full else 'no':>5} {_cell(c.items, 8)} "
            f"{_cell(c.oldest_age_seconds, 8)} {_cell(c.evicted, 9)} {_cell(c.evicted_nonzero, 10)} "
            f"{_cell(c.evicted_time_seconds, 10)} {_cell(c.outofmemory, 6)}"
        )
    if not table.classes:
        out.append("  (no slab class holds memory yet: nothing stored)")
    out.append(_totals(health, table))
    settings = health.settings or {}
    out.append(
        f"slab_reassign {settings.get('slab_reassign', '?')}, slab_automove {settings.get('slab_automove', '?')}, "
        f"growth_factor {settings.get('growth_factor', '?')}"
    )
    out.append(SLAB_LEGEND)
    out.extend(render_verdict(health.verdict))
    return "\n".join(out) + "\n"


def _totals(health: CacheHealth, table: SlabTable) -> str:
    limit = integer(health.stats.fields, "limit_maxbytes") if health.stats else None
    malloced = table.total_malloced_bytes
    share = ratio(malloced, limit)
    pct = "-" if share is None else f"{100 * share:.1f} %"
    return (
        f"active_slabs {table.active_slabs if table.active_slabs is not None else '-'}, total_malloced "
        f"{malloced if malloced is not None else '-'} of limit_maxbytes {limit if limit is not None else '-'} "
        f"({pct} of the memory handed out to classes)"
    )


def render_settings(health: CacheHealth) -> str:
    out = [header(health)]
    if health.settings is None:
        return out[0] + "\n"
    for fig in explain_settings(health.settings):
        out.append(f"  {fig.label:<24}{fig.value!s:<16} {fig.meaning}".rstrip())
    out.extend(render_verdict(health.verdict))
    return "\n".join(out) + "\n"


def render_verdict(verdict: Verdict | None) -> list[str]:
    if verdict is None:
        return []
    out = [f"Verdict: {verdict.level.upper()} ({verdict.window})"]
    if not verdict.findings:
        out.extend(_wrap(verdict.summary, "  "))
    for finding in verdict.findings:
        out.extend(_wrap(f"{finding.level}: {finding.summary}", "  - "))
        for step in finding.steps:
            out.extend(_wrap(f"next: {step}", "      "))
    return out


# -- --interval: one row per server per sample, like sar ------------------------------------------------------

RATE_HEADER = (
    f"{'':<8} {'server':<22} {'get/s':>9} {'hit%':>6} {'miss/s':>9} {'set/s':>9} {'evict/s':>8} "
    f"{'reclm/s':>8} {'items':>10} {'fill%':>6} {'conn':>5} {'rejct/s':>7} {'rxkB/s':>9} {'txkB/s':>9}"
)


def _rate(interval: Interval, name: str, scale: float = 1.0) -> str:
    rate = interval.rates.get(name)
    if rate is None or rate.per_second is None:
        return "reset" if rate is not None and rate.reset else "-"
    return f"{rate.per_second / scale:.2f}"


def rate_row(
    label: str, server: str, interval: Interval | None, health: CacheHealth, *, gauges: bool = True
) -> str:
    """One sar-like row: rates of the interval, and (with ``gauges``) items, fill and connections now."""
    if interval is None or health.stats is None:
        return f"{label:<8} {server:<22.22} {health.error}"
    f = health.stats.fields if gauges else {}
    fill = ratio(integer(f, "bytes"), integer(f, "limit_maxbytes"))
    hit = "-" if interval.hit_ratio is None else f"{100 * interval.hit_ratio:.2f}"
    row = (
        f"{label:<8} {server:<22.22} {_rate(interval, 'cmd_get'):>9} {hit:>6} {_rate(interval, 'get_misses'):>9} "
        f"{_rate(interval, 'cmd_set'):>9} {_rate(interval, 'evictions'):>8} {_rate(interval, 'reclaimed'):>8} "
        f"{f.get('curr_items', '-'):>10} {'-' if fill is None else f'{100 * fill:.2f}':>6} "
        f"{f.get('curr_connections', '-'):>5} {_rate(interval, 'rejected_connections'):>7} "
        f"{_rate(interval, 'bytes_read', 1024):>9} {_rate(interval, 'bytes_written', 1024):>9}"
    )
    if interval.restart:
        row += f"  RESTART (pid {f.get('pid', '?')}): rates since its start {interval.seconds:g} s ago"
    elif interval.since_start:
        row += f"  (average since start, {interval.seconds:g} s)"
    elif interval.resets:
        row += f"  RESET (stats reset?): {', '.join(interval.resets)}"
    return row


def _wrap(text: str, prefix: str) -> list[str]:
    indent = " " * len(prefix)
    return textwrap.wrap(text, width=110, initial_indent=prefix, subsequent_indent=indent) or [prefix]
