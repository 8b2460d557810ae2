"""Where each activity's values go in ``sadf -x`` (sysstat 12.6.1 xml_stats.c, DTD/XSD version 3.11).

The values, their columns and their sadf -j key names come from the activity definitions; this table adds only
what XML has and JSON lacks: the element an activity is written as, the attributes that element carries
(``per="second"``, ``unit="kB"``), the element of each item row and the attribute naming the item, the
``<network>``/``<power-management>``/``<psi>`` element that groups several activities, and the few attribute
names that differ from the JSON keys (sar -F's ``%fsused`` is ``fsused-percent`` in XML).

Three shapes occur:
- one empty element with a value per attribute: ``<paging per="second" pgpgin="0.00" .../>``;
- ``children``: one element per value, ``<memory unit="kB"><memfree>22894824</memfree>...`` (-r, -S, -H), with a
  JSON key ``group/key`` written as ``<group key="..."/>`` (-b's ``<io-reads rtps= bread=/>``);
- item rows: ``<disk per="second"><disk-device dev="vda" tps=.../>...</disk>``; with ``row`` empty the item
  element itself repeats inside the group (``<network><net-dev iface="lo" .../><net-dev .../>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from hostward.activities.base import Activity
from hostward.frozen import frozen

PER_SECOND = ' per="second"'


@frozen
class XmlLayout:
    element: str  # the activity's element, e.g. "cpu-load", "paging", "net-dev"
    attrs: str = ""  # written inside the element's start tag, e.g. ' per="second"'
    group: str = ""  # the element grouping several activities ("network"), "" for none
    row: str = ""  # element of each item row ("cpu", "disk-device"); "" repeats ``element`` itself
    item: str = ""  # attribute naming the row's item ("number", "dev", "iface")
    children: bool = False  # values as child elements (<memfree>...</memfree>) instead of attributes
    names: Mapping[str, str] = MappingProxyType({})  # JSON key -> XML name where they differ (read-only)


# The grouping elements and their attributes (xml_markup_network, _power_management, _psi).
GROUPS: dict[str, str] = {"network": PER_SECOND, "power-management": "", "psi": PER_SECOND}

_FS_NAMES = MappingProxyType(
    {"%fsused": "fsused-percent", "%ufsused": "ufsused-percent", "%Iused": "Iused-percent"}
)


def _net(element: str, item: str = "") -> XmlLayout:
    return XmlLayout(element, group="network", item=item)


LAYOUTS: dict[str, XmlLayout] = {
    "cpu": XmlLayout("cpu-load", row="cpu", item="number"),
    "tasks": XmlLayout("process-and-context-switch", PER_SECOND),
    # -I is written by sadf_x itself: one <irq intr= cpu= value=/> per interrupt and CPU column.
    "irq": XmlLayout("interrupts", row="irq", item="intr"),
    "swapping": XmlLayout("swap-pages", PER_SECOND),
    "paging": XmlLayout("paging", PER_SECOND),
    "io": XmlLayout("io", PER_SECOND, children=True),
    "memory": XmlLayout("memory", ' unit="kB"', children=True),
    "swap": XmlLayout("memory", ' unit="kB"', children=True),  # -S shares -r's <memory> element
    "huge": XmlLayout("hugepages", ' unit="kB"', children=True),
    "ktables": XmlLayout("kernel"),
    "queue": XmlLayout("queue"),
    "tty": XmlLayout("serial", PER_SECOND, row="tty", item="line"),
    "disk": XmlLayout("disk", PER_SECOND, row="disk-device", item="dev"),
    "net_dev": _net("net-dev", "iface"),
    "net_edev": _net("net-edev", "iface"),
    "net_nfs": _net("net-nfs"),
    "net_nfsd": _net("net-nfsd"),
    "sock": _net("net-sock"),
    "net_ip": _net("net-ip"),
    "net_eip": _net("net-eip"),
    "net_icmp": _net("net-icmp"),
    "net_eicmp": _net("net-eicmp"),
    "net_tcp": _net("net-tcp"),
    "net_etcp": _net("net-etcp"),
    "net_udp": _net("net-udp"),
    "sock6": _net("net-sock6"),
    "net_ip6": _net("net-ip6"),
    "net_eip6": _net("net-eip6"),
    "net_icmp6": _net("net-icmp6"),
    "net_eicmp6": _net("net-eicmp6"),
    "net_udp6": _net("net-udp6"),
    "net_fc": _net("fchost", "name"),  # sar -n FC (xml_print_fchost_stats), once its activity is defined
    "softnet": _net("softnet", "cpu"),
    "pwr_cpu": XmlLayout(
        "cpu-frequency", ' unit="MHz"', group="power-management", row="cpufreq", item="number"
    ),
    "filesystems": XmlLayout("filesystems", row="filesystem", item="fsname", names=_FS_NAMES),
    "filesystems_mount": XmlLayout("filesystems", row="filesystem", item="mountp", names=_FS_NAMES),
    "psi_cpu": XmlLayout("psi-cpu", group="psi"),
    "psi_io": XmlLayout("psi-io", group="psi"),
    "psi_mem": XmlLayout("psi-mem", group="psi"),
    # hostward's own reports (no sysstat counterpart): the element names are their sadf -j sections.
    "time": XmlLayout("time-health"),
    "cache": XmlLayout("memcached", PER_SECOND, row="server", item="name"),
}


def layout_of(activity: Activity) -> XmlLayout:
    """The activity's layout; one the table lacks (an activity added later) is written from its sadf -j
    section: ``network/NAME`` as ``<NAME>`` elements inside ``<network>``, items named by their JSON key."""
    found = LAYOUTS.get(activity.name)
    if found is not None:
        return found
    *outer, element = activity.json_section.split("/")
    group = outer[0] if outer and outer[0] in GROUPS else ""
    return XmlLayout(element, group=group, item=activity.item.json_key if activity.item else "")
