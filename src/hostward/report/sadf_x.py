"""``sadf -x``: recorded activity as sysstat 12.6.1's XML document (DTD/XSD version 3.11).

The layout is sadf's (sadf_misc.c print_xml_header/_timestamp/_restart/_comment, xml_stats.c): a header naming
the host, one ``<timestamp>`` per written sample holding each selected activity's element in sysstat's order,
then ``<restarts>`` and, with -C, ``<comments>``; one element per line, indented with tabs. Which samples,
activities, items and columns are written, and their values, are sadf -j's (report.sadf.walk_records,
machine_columns): the two formats differ only in how they are spelled, which report.sadf_x_layout says.

Values are written with the locale's decimal point, as sadf's printf does for XML. Unlike sadf, every name
(host, device, interface, filesystem, interrupt) and comment is escaped for XML (``&`` ``<`` ``>`` ``"``) and
stripped of control characters (hostward.safetext), so a hostile name cannot break the document.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable

from hostward.activities.base import Interval, Row
from hostward.frozen import frozen
from hostward.report.sadf import (
    SadfFormat,
    file_stamp,
    machine_columns,
    seconds,
    walk_records,
)
from hostward.report.sadf_x_layout import GROUPS, PER_SECOND, XmlLayout, layout_of
from hostward.report.selection import ReportOptions, Selected
from hostward.safetext import safe_text
from hostward.store.model import CommentMark, DayData, RestartMark

DTD_VERSION = "3.11"  # sysstat 12.6's XML_DTD_VERSION
_PROLOGUE = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sysstat PUBLIC "DTD v{DTD_VERSION} sysstat //EN"
"http://pagesperso-orange.fr/sebastien.godard/sysstat-{DTD_VERSION}.dtd">
<sysstat
xmlns="http://pagesperso-orange.fr/sebastien.godard/sysstat"
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
xsi:schemaLocation="http://pagesperso-orange.fr/sebastien.godard sysstat.xsd">
"""
# Characters XML 1.0 forbids even as references that safe_text leaves alone (it escapes C0, DEL, C1 and surrogates).
_NOT_XML = re.compile("[\ufffe\uffff]")
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})

Write = Callable[[str], object]  # e.g. sys.stdout.write, list.append


@functools.lru_cache(maxsize=4096)
def xml_text(text: str) -> str:
    """``text`` safe inside an XML attribute or element: control characters made visible, specials escaped.
    Cached: the same few device, interface and interrupt names come back in every sample."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", safe_text(text)).translate(_ENTITIES)


def render_xml(data: DayData, opts: ReportOptions, fmt: SadfFormat, write: Write) -> None:
    """Write the document ``sadf -x`` would for ``data``, a piece at a time (one sample per call of ``write``)."""
    host = data.host
    stamp = file_stamp(data, fmt)
    write(
        _PROLOGUE
        + f"\t<sysdata-version>{DTD_VERSION}</sysdata-version>\n"
        + f'\t<host nodename="{xml_text(host.nodename)}">\n'
        + f"\t\t<sysname>{xml_text(host.sysname)}</sysname>\n"
        + f"\t\t<release>{xml_text(host.release)}</release>\n"
        + f"\t\t<machine>{xml_text(host.machine)}</machine>\n"
        + f"\t\t<number-of-cpus>{max(host.cpu_count, 1)}</number-of-cpus>\n"
        + f"\t\t<file-date>{stamp.date}</file-date>\n"
        + f"\t\t<file-utc-time>{stamp.utc_time}</file-utc-time>\n"
        + f"\t\t<timezone>{xml_text(stamp.timezone)}</timezone>\n"
        + "\t\t<statistics>\n"
    )
    restarts: list[str] = []
    comments: list[str] = []
    utc = 0 if fmt.local_time else 1

    plans = [_plan(selected) for selected in opts.reports]

    def sample(span: Interval) -> bool:
        body = _activities(span, plans, fmt)
        if not body:
            return False
        day, clock = fmt.date_time(span.curr.timestamp)
        write(
            f'\t\t\t<timestamp date="{day}" time="{clock}" utc="{utc}" interval="{seconds(span.itv_cs)}">\n'
            + "".join(body)
            + "\t\t\t</timestamp>\n"
        )
        return True

    def mark(entry: RestartMark | CommentMark) -> None:
        day, clock = fmt.date_time(entry.timestamp)
        when = f'date="{day}" time="{clock}" utc="{utc}"'
        if isinstance(entry, RestartMark):
            restarts.append(f'\t\t\t<boot {when} cpu_count="{max(entry.host.cpu_count, 1)}"/>\n')
        else:
            comments.append(f'\t\t\t<comment {when} com="{xml_text(entry.text)}"/>\n')

    walk_records(data, opts, fmt, sample, mark)
    tail = "\t\t</statistics>\n\t\t<restarts>\n" + "".join(restarts) + "\t\t</restarts>\n"
    if opts.comments:
        tail += "\t\t<comments>\n" + "".join(comments) + "\t\t</comments>\n"
    write(tail + "\t</host>\n</sysstat>\n")


# -- one sample ------------------------------------------------------------------------------------------------


@frozen
class _Plan:
    """What one selected activity writes, worked out once per document: its layout, the columns written (those
    of sadf -j), their XML names, and for the attribute form a str.format template of the whole value list."""

    selected: Selected
    layout: XmlLayout
    columns: tuple[int, ...]
    names: tuple[str, ...]
    template: str  # ' usr="{6:z.2f}" nice="{5:z.2f}" ...': format(*row.values)


def _plan(selected: Selected) -> _Plan:
    layout = layout_of(selected.activity)
    columns = tuple(machine_columns(selected))
    defs = selected.activity.columns
    names = tuple(layout.names.get(defs[i].json_key, defs[i].json_key) for i in columns)
    template = "".join(
        f' {name}="{{{i}:z.{defs[i].decimals}f}}"' for i, name in zip(columns, names, strict=True)
    )
    return _Plan(selected, layout, columns, names, template)


def _activities(span: Interval, plans: list[_Plan], fmt: SadfFormat) -> list[str]:
    """The lines of every selected activity the sample has, each group (<network>, <psi>...) opened before its
    first member and closed after its last; -r and -S share one <memory> element."""
    out: list[str] = []
    group = ""  # the open grouping element
    shared = ""  # an open element the next activity may add children to (-r then -S)
    for plan in plans:
        activity = plan.selected.activity
        rows = activity.rows(span)
        if not rows:
            continue
        layout = plan.layout
        if shared and (shared != layout.element or layout.group != group):
            out.append(f"{_tabs(group)}</{shared}>\n")
            shared = ""
        if layout.group != group:
            if group:
                out.append(f"\t\t\t\t</{group}>\n")
            if layout.group:
                out.append(f"\t\t\t\t<{layout.group}{GROUPS[layout.group]}>\n")
            group = layout.group
        tabs = _tabs(group)
        if layout.children:
            if not shared:
                out.append(f"{tabs}<{layout.element}{layout.attrs}>\n")
                shared = layout.element
            out.extend(_children(plan, rows[0], tabs + "\t", fmt))
        elif activity.name == "irq":
            out.extend(_interrupts(plan, rows, tabs, fmt))
        elif activity.item is None:
            out.append(f"{tabs}<{layout.element}{layout.attrs}{_values(plan, rows[0], fmt)}/>\n")
        else:
            out.extend(_item_rows(plan, rows, tabs, fmt))
    if shared:
        out.append(f"{_tabs(group)}</{shared}>\n")
    if group:
        out.append(f"\t\t\t\t</{group}>\n")
    return out


def _tabs(group: str) -> str:
    return "\t\t\t\t\t" if group else "\t\t\t\t"


def _values(plan: _Plan, row: Row, fmt: SadfFormat) -> str:
    """The row's values as attributes; a value not measured (NaN) is written empty, as sadf -d leaves its field."""
    values = row.values
    if any(map(math.isnan, values)):  # the slow path, one value at a time
        defs = plan.selected.activity.columns
        return "".join(
            f' {name}="{fmt.value(values[i], defs[i].decimals)}"'
            for i, name in zip(plan.columns, plan.names, strict=True)
        )
    text = plan.template.format(*values)
    return text if fmt.decimal_point == "." else text.replace(".", fmt.decimal_point)


def _children(plan: _Plan, row: Row, tabs: str, fmt: SadfFormat) -> list[str]:
    """<key>value</key> per column; columns ``group/key`` become one <group key="value" .../> each, placed where
    the group's first column is (-b: <tps>, then <io-reads rtps= bread=/>, <io-writes .../> ...)."""
    defs = plan.selected.activity.columns
    lines: list[str] = []
    groups: dict[str, int] = {}  # group -> index of its line in ``lines``
    for i, key in zip(plan.columns, plan.names, strict=True):
        value = fmt.value(row.values[i], defs[i].decimals)
        outer, _, inner = key.rpartition("/")
        if not outer:
            lines.append(f"{tabs}<{key}>{value}</{key}>\n")
        elif outer in groups:
            at = groups[outer]
            lines[at] = lines[at].removesuffix("/>\n") + f' {inner}="{value}"/>\n'
        else:
            groups[outer] = len(lines)
            lines.append(f'{tabs}<{outer} {inner}="{value}"/>\n')
    return lines


def _item_rows(plan: _Plan, rows: list[Row], tabs: str, fmt: SadfFormat) -> list[str]:
    """One element per wanted item: inside the activity's element (<disk><disk-device .../></disk>), or the
    activity's element itself repeated when it has no row element (<net-dev iface= .../> per interface)."""
    layout, wants = plan.layout, plan.selected.wants
    start = (
        f'{tabs}\t<{layout.row} {layout.item}="' if layout.row else f'{tabs}<{layout.element} {layout.item}="'
    )
    lines = [
        f'{start}{xml_text(row.item or "")}"{_values(plan, row, fmt)}/>\n' for row in rows if wants(row.item)
    ]
    if not layout.row:
        return lines
    return [f"{tabs}<{layout.element}{layout.attrs}>\n", *lines, f"{tabs}</{layout.element}>\n"]


def _interrupts(plan: _Plan, rows: list[Row], tabs: str, fmt: SadfFormat) -> list[str]:
    """xml_print_irq_stats: <interrupts><int-global per="second"> holding one <irq intr= cpu= value=/> per
    interrupt and shown CPU column ("all" and, with -P, each CPU)."""
    defs = plan.selected.activity.columns
    shown = [(i, defs[i].json_key.removeprefix("CPU"), defs[i].decimals) for i in plan.columns]
    # One template for an interrupt's lines; "\x00" stands for its name until the values are formatted.
    template = "".join(
        f'{tabs}\t\t<irq intr="\x00" cpu="{cpu}" value="{{{i}:z.{decimals}f}}"/>\n'
        for i, cpu, decimals in shown
    )
    lines = [f"{tabs}<interrupts>\n", f"{tabs}\t<int-global{PER_SECOND}>\n"]
    for row in rows:
        if not plan.selected.wants(row.item):
            continue
        name = xml_text(row.item or "")
        if any(map(math.isnan, row.values)):  # the slow path, one value at a time
            lines.extend(
                f'{tabs}\t\t<irq intr="{name}" cpu="{cpu}" value="{fmt.value(row.values[i], decimals)}"/>\n'
                for i, cpu, decimals in shown
            )
            continue
        text = template.format(*row.values)
        if fmt.decimal_point != ".":
            text = text.replace(".", fmt.decimal_point)
        lines.append(text.replace("\x00", name))
    lines.extend((f"{tabs}\t</int-global>\n", f"{tabs}</interrupts>\n"))
    return lines
