"""Reports of counter rates from one optional record of a sample: ``S_VALUE`` per second of each named counter
in one row without an item, none when either sample lacks the record (sar -n IP ... UDP6, NFS, NFSD). Each
activity module keeps only its table of (header, counter) pairs; the sadf -j key is the header without "/s"
and the sadf section ``network/net-<keyword>``, as activity.c and json_stats.c name them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from hostward.activities.base import Activity, Column, Interval, Kind, Row, Tolerance, rates

Spec = tuple[tuple[str, str], ...]  # (sar header, counter attribute of the record)


def counter_rows(record: str, counters: tuple[str, ...], width: int) -> Callable[[Interval], list[Row]]:
    """One row of the rates of ``counters`` between the two samples' ``record``; none if either lacks it."""

    def rows(span: Interval) -> list[Row]:
        p, c = getattr(span.prev, record), getattr(span.curr, record)
        if p is None or c is None:
            return []
        return [Row(None, rates(p, c, counters, span.itv_cs, width))]

    return rows


def counter_activity(
    name: str,
    keyword: str,
    record: str,
    *,
    order: int,
    title: str,
    spec: Spec,
    parity: Tolerance,
    parity_of: Mapping[str, Tolerance] | None = None,
    node: Collection[str] = (),
    width: int = 64,
) -> Activity:
    """``sar -n KEYWORD``: the rates of ``spec``'s counters of ``record``, each counter ``width`` bits wide.
    ``parity_of`` overrides ``parity`` for some headers; counters named in ``node`` are node_exporter's
    ``node_netstat_<counter>`` series."""
    overrides = parity_of or {}
    return Activity(
        name=name,
        flag=f"-n {keyword}",
        order=order,
        title=title,
        kind=Kind.COUNTER,
        columns=tuple(
            Column(
                header,
                header.removesuffix("/s"),
                "per_second",
                node_exporter=f"node_netstat_{counter}" if counter in node else None,
                parity=overrides.get(header, parity),
            )
            for header, counter in spec
        ),
        rows=counter_rows(record, tuple(counter for _, counter in spec), width),
        json_section=f"network/net-{keyword.lower()}",
    )
