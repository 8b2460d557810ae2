"""``hostward sadf -x`` of a live recording beside the real sadc, against ``sadf -x`` of sadc's file: both documents
parse, hold the same elements in the same order with the same attributes, items and timestamps, and every value
agrees within its column's documented tolerance (activities/*.py ``parity``, docs/parity.md): the two programs
read /proc a few milliseconds apart while loopback traffic moves the counters."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.report.sidebyside import Recording, recording_fixture, run_hostward, run_sadf, socket_traffic

from hostward import activities
from hostward.activities.base import Tolerance
from hostward.activities.irq import irq_activity
from hostward.report.sadf_x_layout import LAYOUTS

INTERVALS = 4
recording = recording_fixture("sadf_x_live", INTERVALS, lambda _: socket_traffic())

# sar -A's reports but -n ICMP and EICMP, whose outgoing columns sadc 12.6 reads shifted on this kernel
# (activities/icmp.py; test_parity_netmisc.py compares them column by counter).
REPORT = [
    "-u", "ALL", "-P", "ALL", "-w", "-W", "-B", "-b", "-r", "ALL", "-S", "-H", "-v", "-q", "ALL", "-d", "-F",
    "-I", "ALL", "-y", "-m", "CPU",
    "-n", "DEV,EDEV,NFS,NFSD,SOCK,IP,EIP,TCP,ETCP,UDP,SOCK6,IP6,EIP6,ICMP6,EICMP6,UDP6,SOFT",
]  # fmt: skip
HEADER = ("sysdata-version", "sysname", "release", "machine", "number-of-cpus", "file-date")


def tolerances() -> dict[tuple[str, str], Tolerance]:
    """(element, attribute) -> the tolerance of the column written there; attribute "" for a value written as
    an element's text (<memfree>...</memfree>)."""
    out: dict[tuple[str, str], Tolerance] = {("irq", "value"): irq_activity(2).columns[0].parity}
    known = activities.SYSSTAT.keys() | activities.VARIANT.keys() | activities.HOSTWARD.keys()
    for name, layout in LAYOUTS.items():
        if name == "irq" or name not in known:  # net_fc: laid out before its activity is defined
            continue
        for column in activities.get(name).columns:
            key = layout.names.get(column.json_key, column.json_key)
            outer, _, inner = key.rpartition("/")
            if layout.children:
                place = (outer, inner) if outer else (key, "")
            else:
                place = (layout.row or layout.element, key)
            out.setdefault(place, column.parity)
    return out


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def differences(
    ours: ET.Element, theirs: ET.Element, where: str, tol: dict[tuple[str, str], Tolerance]
) -> list[str]:
    tag = local(ours.tag)
    here = f"{where}/{tag}"
    if tag != local(theirs.tag):
        return [f"{here}: element {tag} where sadf has {local(theirs.tag)}"]
    if list(ours.attrib) != list(theirs.attrib):
        return [f"{here}: attributes {list(ours.attrib)} where sadf has {list(theirs.attrib)}"]
    found = []
    values = [(name, ours.attrib[name], theirs.attrib[name]) for name in ours.attrib]
    if len(ours) == 0 and (ours.text or theirs.text):
        values.append(("", ours.text or "", theirs.text or ""))
    for name, mine, sadfs in values:
        allowed = tol.get((tag, name))
        if allowed is None:
            if mine != sadfs:
                found.append(f"{here}@{name}: {mine!r} where sadf has {sadfs!r}")
        elif not allowed.allows(float(mine), float(sadfs)):
            found.append(f"{here}@{name}: {mine} where sadf has {sadfs} ({allowed.why})")
    if [local(c.tag) for c in ours] != [local(c.tag) for c in theirs]:
        return [
            *found,
            f"{here}: children {[local(c.tag) for c in ours]} where sadf has {[local(c.tag) for c in theirs]}",
        ]
    for mine_child, sadfs_child in zip(ours, theirs, strict=True):
        found += differences(mine_child, sadfs_child, here, tol)
    return found


def test_sadf_x_of_a_live_recording_agrees_with_sadf_element_by_element(recording: Recording) -> None:
    theirs = ET.fromstring(run_sadf(["-x"], recording.safile, REPORT))
    done = run_hostward("sadf", ["-x", str(recording.hwfile), "--", *REPORT])
    assert (done.returncode, done.stderr) == (0, "")
    ours = ET.fromstring(done.stdout)
    host_o, host_t = ours.find("{*}host"), theirs.find("{*}host")
    assert host_o is not None and host_t is not None
    assert host_o.get("nodename") == host_t.get("nodename")
    for name in HEADER:
        assert ours.findtext(f".//{{*}}{name}") == theirs.findtext(f".//{{*}}{name}"), name
    stats_o, stats_t = host_o.find("{*}statistics"), host_t.find("{*}statistics")
    assert stats_o is not None and stats_t is not None
    assert len(stats_o) == len(stats_t) == INTERVALS
    tol = tolerances()
    found: list[str] = []
    for mine, sadfs in zip(stats_o, stats_t, strict=True):
        found += differences(mine, sadfs, "", tol)
    assert found == [], "\n".join(found[:40])
    # The comparison saw moving values, not only zeros: loopback packets were counted by both.
    lo = [e for e in stats_o.iter() if local(e.tag) == "net-dev" and e.get("iface") == "lo"]
    assert len(lo) == INTERVALS and all(float(e.get("rxpck", "0")) > 0 for e in lo)
