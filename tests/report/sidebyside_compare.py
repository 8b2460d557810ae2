"""Column-by-column comparison of sar's and hostward's reports of a side-by-side recording (sidebyside.py).

Lines that are not data rows must be identical strings; data rows must have the same time and item, and each
value must be within its column's parity tolerance (src/hostward/activities/) or what the recording's own readings
explain (parity_checks.Measured). sadc's -n ICMP/EICMP columns are first put back under the counter they hold.
"""

from __future__ import annotations

from pathlib import Path

from tests.report.parity_checks import Measured, measured
from tests.report.sidebyside import Recording, run_hostward, run_sar

from hostward.activities import ACTIVITIES, VARIANTS
from hostward.activities.base import Activity, Column
from hostward.activities.icmp import NET_EICMP, NET_ICMP, SADC_SHIFT, SHIFTED
from hostward.activities.irq import irq_activity


def assert_matches_sar(recording: Recording, flags: list[str]) -> None:
    """``hostward sar FLAGS`` of the recording runs cleanly and agrees with sar's (``compare``)."""
    theirs = run_sar(flags, recording.safile)
    result = run_hostward("sar", [*flags, "-f", str(recording.hwfile)])
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    # This helper module's asserts are not rewritten by pytest: the message carries the differences.
    problems = compare(theirs, result.stdout, measured=measured(recording))
    assert problems == [], (flags, problems)


def _sized_activities(tokens: list[str]) -> list[Activity]:
    """Reports whose columns depend on the data (-I: "all" and one per CPU shown), built for these words."""
    if "INTR" not in tokens:
        return []
    cpus = [t[3:] for t in tokens if t.startswith("CPU") and t[3:].isdigit()]
    shown = [*cpus, *(["all"] if "all" in tokens else [])]
    return [irq_activity(max((int(c) for c in cpus), default=-1) + 1, shown)]


def _header_activity(tokens: list[str]) -> tuple[Activity, list[Column]] | None:
    """The activity (and its displayed columns) whose header line has these words."""
    for activity in (*ACTIVITIES, *VARIANTS, *_sized_activities(tokens)):
        for view in {"", *activity.views}:
            columns = [activity.columns[i] for i in activity.view(view)]
            names = [c.header for c in columns]
            item = [activity.item.header] if activity.item else []
            if tokens in (item + names, names + item):
                return activity, columns
    return None


def compare(theirs: str, ours: str, time_width: int = 11, *, measured: Measured | None = None) -> list[str]:
    """Differences between two sar reports: lines that are not data rows must be identical strings; data rows
    must have the same time and item, and each value within its column's parity tolerance or, given the
    recording's ``measured`` readings, what they explain (CPU, -q and -I columns: parity_checks.Measured)."""
    problems: list[str] = []
    theirs = icmp_by_counter(theirs)
    a_lines, b_lines = theirs.splitlines(), ours.splitlines()
    if len(a_lines) != len(b_lines):
        problems.append(f"{len(a_lines)} lines from sar, {len(b_lines)} from hostward")
    columns: list[Column] = []
    item_first = item_last = False
    activity_name = ""
    printed: dict[str, list[int]] = {}  # activity -> record numbers of its rows so far (Measured's rows)
    shown: dict[tuple[str, str], dict[int, str]] = {}  # (activity, column) -> sar's value by record number
    for number, (a, b) in enumerate(zip(a_lines, b_lines, strict=False), 1):
        tokens = a[time_width:].split()
        found = _header_activity(tokens) if a else None
        if found is not None or not a or number == 1 or "LINUX RESTART" in a or "  COM " in a:
            if a != b:
                problems.append(f"line {number}: sar {a!r} != hostward {b!r}")
            if "LINUX RESTART" in a:
                printed.clear()
                shown.clear()
            if found is not None:
                activity, columns = found
                activity_name = activity.name
                item_first = activity.item is not None and tokens[0] == activity.item.header
                item_last = activity.item is not None and not item_first
            continue
        if a[:time_width] != b[:time_width]:
            problems.append(f"line {number}: time {a[:time_width]!r} != {b[:time_width]!r}")
        theirs_v, ours_v = a[time_width:].split(), b[time_width:].split()
        if item_first:
            if theirs_v[:1] != ours_v[:1]:
                problems.append(f"line {number}: item {theirs_v[:1]} != {ours_v[:1]}")
            theirs_v, ours_v = theirs_v[1:], ours_v[1:]
        if item_last:
            if theirs_v[-1:] != ours_v[-1:]:
                problems.append(f"line {number}: item {theirs_v[-1:]} != {ours_v[-1:]}")
            theirs_v, ours_v = theirs_v[:-1], ours_v[:-1]
        if len(theirs_v) != len(columns) or len(ours_v) != len(columns):
            problems.append(f"line {number}: {len(theirs_v)}/{len(ours_v)} values for {len(columns)} columns")
            continue
        k = measured.record(a[:time_width]) if measured else None
        average = not a[:1].isdigit()
        rows = printed.setdefault(activity_name, [])
        if k is not None and rows[-1:] != [k]:
            rows.append(k)
        for column, x, y in zip(columns, theirs_v, ours_v, strict=True):
            tx, ty = float(x.replace(",", ".")), float(y.replace(",", "."))
            if len(x) != len(y) and abs(tx - ty) < 1e-9:
                problems.append(f"line {number}: {column.header} formatted {x!r} vs {y!r}")
            if k is not None:
                shown.setdefault((activity_name, column.header), {})[k] = x
            if column.parity.allows(ty, tx):
                continue
            explained, what = (False, "")
            if measured and (average or k is not None):
                sar_rows = shown.get((activity_name, column.header))
                explained, what = measured.explains(
                    activity_name, column, rows, x, y, average=average, sar_rows=sar_rows
                )
            if not explained:
                why = column.parity.why + (f"; {what}" if what else "")
                problems.append(f"line {number}: {column.header} sar {x} hostward {y} ({why})")
    return problems


# sadc 12.6 reads the Icmp line by position; since kernel 6.0 (OutRateLimitGlobal/Host) its outgoing figures sit
# two columns early (activities/icmp.py). Where the kernel has those counters, comparisons first move each of
# sar's values to the column of the counter it is.
ICMP_SHIFTED_HERE = "OutRateLimitGlobal" in (
    Path("/proc/net/snmp").read_text() if Path("/proc/net/snmp").exists() else ""
)


def icmp_by_counter(text: str) -> str:
    """sar text with its -n ICMP and EICMP blocks' shifted columns replaced by the sar column that holds the
    counter hostward shows there (SADC_SHIFT; 0.00 where sar shows it nowhere: OutAddrMasks, OutAddrMaskReps,
    or OutSrcQuenchs and OutRedirects when the report has no -n ICMP block). Other blocks are unchanged."""
    if not ICMP_SHIFTED_HERE:
        return text
    blocks = text.split("\n\n")
    found: dict[str, list[int]] = {NET_ICMP.name: [], NET_EICMP.name: []}
    for i, block in enumerate(blocks):
        header = block.split("\n", 1)[0].split()
        for activity in (NET_ICMP, NET_EICMP):
            if header[-len(activity.columns) :] == [c.header for c in activity.columns]:
                found[activity.name].append(i)
    for k, at in enumerate(found[NET_EICMP.name]):
        icmp_at = found[NET_ICMP.name][k] if k < len(found[NET_ICMP.name]) else None
        blocks[at] = _shift_block(blocks[at], NET_EICMP, None if icmp_at is None else blocks[icmp_at])
    for at in found[NET_ICMP.name]:
        blocks[at] = _shift_block(blocks[at], NET_ICMP, None)
    return "\n\n".join(blocks)


def _cells(line: str, n: int) -> tuple[str, list[str]]:
    return line[: -10 * n], [line[len(line) - 10 * (n - i) : len(line) - 10 * (n - i - 1)] for i in range(n)]


def _shift_block(block: str, activity: Activity, icmp_block: str | None) -> str:
    headers = [c.header for c in activity.columns]
    icmp_headers = [c.header for c in NET_ICMP.columns]
    lines = block.split("\n")
    icmp_lines = icmp_block.split("\n") if icmp_block is not None else []
    out = lines[:1]
    for r, line in enumerate(lines[1:], 1):
        if not line:
            out.append(line)
            continue
        prefix, cells = _cells(line, len(headers))
        other = _cells(icmp_lines[r], len(icmp_headers))[1] if r < len(icmp_lines) else None
        fixed = []
        for header, cell in zip(headers, cells, strict=True):
            source = SADC_SHIFT.get(header) if header in SHIFTED else header
            if source in headers:
                fixed.append(cells[headers.index(source)])
            elif source is not None and other is not None:
                fixed.append(other[icmp_headers.index(source)])
            else:
                fixed.append(f" {'0.00' if '.' in cell else '0,00':>9}")
        out.append(prefix + "".join(fixed))
    return "\n".join(out)
