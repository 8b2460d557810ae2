"""sar -m CPU: CPU clock frequency (pr_stats.c stub_print_pwr_cpufreq_stats, 12.6). Gauges of the current
sample in MHz: sadc stores MHz x 100 as an integer (collect/power.py), sar prints ``cpufreq / 100`` with
``%9.2f``. Rows: CPU "all" (sadc's integer mean over the CPUs read) then each CPU; -P picks them as for -u
(sar shares A_CPU's bitmap), so without -P only "all" shows. A CPU whose value is 0 is offline for sar and
gets no row. ``Average:`` is each CPU's sum over the displayed samples divided by 100 times their number
(an offline sample counts as 0), for the CPUs online in the last one."""

from __future__ import annotations

from hostward.activities.base import Activity, Averager, Column, Interval, ItemSpec, Kind, Row, Tolerance
from hostward.collect.sample import SystemSample

_MHZ = Tolerance(
    "the clock a CPU runs at when each program reads /proc/cpuinfo (frequency scaling; fixed in a VM)",
    abs=500.0,
    rel=0.2,
)


def _freqs(sample: SystemSample) -> dict[str, int]:
    return {f.cpu: f.cpufreq for f in sample.cpufreq or ()}


def cpufreq_rows(span: Interval) -> list[Row]:
    return [Row(cpu, (value / 100,)) for cpu, value in _freqs(span.curr).items() if value]


class _FrequencyAverage(Averager):
    """Each CPU's sum over the displayed samples; the rows are those of the CPUs online in the last one."""

    def __init__(self) -> None:
        self.sums: dict[str, int] = {}
        self.count = 0
        self.last: dict[str, int] = {}

    def add(self, prev: SystemSample, curr: SystemSample) -> None:
        self.last = _freqs(curr)
        sums = self.sums
        for cpu, value in self.last.items():
            sums[cpu] = sums.get(cpu, 0) + value
        self.count += 1

    def rows(self, span: Interval) -> list[Row]:
        sums, count = self.sums, self.count
        return [Row(cpu, (sums[cpu] / (100 * count),)) for cpu, value in self.last.items() if value]


def cpufreq_average() -> _FrequencyAverage:
    return _FrequencyAverage()


PWR_CPU = Activity(
    name="pwr_cpu",
    flag="-m CPU",
    order=30,  # act[]: A_PWR_CPU follows A_NET_SOFT, opening the power management reports
    title="CPU clock frequency",
    kind=Kind.GAUGE,
    columns=(Column("MHz", "frequency", "MHz", parity=_MHZ),),
    rows=cpufreq_rows,
    average=cpufreq_average,
    json_section="power-management/cpu-frequency",
    json_list=True,
    item=ItemSpec("CPU", width=7, json_key="number", csv_all="-1", movable=False),
)
