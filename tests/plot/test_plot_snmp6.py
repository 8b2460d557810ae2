"""The IPv6 protocol figures (sar -n IP6, EIP6, ICMP6, EICMP6, UDP6) drawn from recorded counters: one figure
each, after the IPv6 sockets, with each line at the rate sar reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from tests.plot.conftest import HOST, T10, day_entries, drawn

from hostward.collect.sample import SystemSample
from hostward.collect.snmp6 import SNMP6_FIELDS, Snmp6
from hostward.plot.figures import build_figures
from hostward.plot.series import series_from_day
from hostward.store.model import DayData

WINDOW = (T10 - 10 * 3600, T10 + 14 * 3600)


def test_each_counter_is_drawn_at_its_rate() -> None:
    # Field k of Snmp6 is (k + 1) x uptime: k + 1 per second.
    entries = [
        dataclasses.replace(
            e, snmp6=Snmp6(**{f: (k + 1) * round(e.uptime_seconds) for k, f in enumerate(SNMP6_FIELDS)})
        )
        if isinstance(e, SystemSample)
        else e
        for e in day_entries()
    ]
    sset = series_from_day(DayData(HOST, tuple(entries)))
    figs = {f.key: f for f in drawn(build_figures(sset, window=WINDOW, host_label="plothost", tz=dt.UTC))}
    keys = list(figs)
    assert keys[keys.index("ip6") : keys.index("udp6") + 1] == [
        "ip6",
        "ip6-errors",
        "icmp6",
        "icmp6-errors",
        "udp6",
    ]
    assert "ICMPv6 messages" in figs["icmp6"].figure.get_suptitle()
    udp = figs["udp6"].figure.axes[0]
    assert [line.get_label() for line in udp.get_lines()][:2] == ["received", "sent"]  # then the restart mark
    received = [y for y in udp.get_lines()[0].get_ydata() if not math.isnan(y)]  # NaN: the restart gap
    assert received and set(received) == {float(SNMP6_FIELDS.index("Udp6_InDatagrams") + 1)}
    neighbour = figs["icmp6"].figure.axes[2].get_lines()[6]  # neighbour advertisements out, the 38th field
    assert neighbour.get_label() == "neighbour advertisements out"
    assert {y for y in neighbour.get_ydata() if not math.isnan(y)} == {38.0}
