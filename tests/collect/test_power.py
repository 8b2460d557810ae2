"""Collector of sar -m CPU (the "processor" and "cpu MHz" lines of /proc/cpuinfo, read as sadc 12.6's
read_cpuinfo does), on kernel-format text, on property-generated text, and on the live kernel."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.collect.power import CpuFrequency, parse_cpuinfo, read_cpufreq
from hostward.procfs import ProcFS

X86 = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) CPU
cpu MHz\t\t: 2596.142
cache size\t: 16384 KB

processor\t: 1
vendor_id\t: GenuineIntel
cpu MHz\t\t: 1200.058
flags\t\t: fpu vme de pse

"""

# ppc64le: "clock" instead of "cpu MHz", in MHz with six decimals and a unit.
POWER = """processor\t: 0
cpu\t\t: POWER9 (architected), altivec supported
clock\t\t: 3425.000000MHz
revision\t: 2.2 (pvr 004e 1202)

processor\t: 1
clock\t\t: 2300.990000MHz
"""


def test_x86_frequencies_are_mhz_times_100_and_all_is_the_integer_mean() -> None:
    freqs = parse_cpuinfo(X86)
    # "%u.%u" then dfreq / 10: ".142" -> 14, ".058" -> 5
    assert freqs == (CpuFrequency("all", (259614 + 120005) // 2), CpuFrequency("0", 259614),
                     CpuFrequency("1", 120005))  # fmt: skip


def test_power_clock_lines_are_read_with_sadcs_decimals() -> None:
    freqs = parse_cpuinfo(POWER)
    # sadc reads ".000000" as 0 and ".990000" as 990000, of which it keeps 990000 / 10 = 99000 hundredths
    assert freqs == (CpuFrequency("all", (342500 + 230000 + 99000) // 2), CpuFrequency("0", 342500),
                     CpuFrequency("1", 230000 + 99000))  # fmt: skip


def test_a_missing_cpu_reads_zero_which_sar_takes_for_offline() -> None:
    text = "processor\t: 0\ncpu MHz\t\t: 1000.000\nprocessor\t: 2\ncpu MHz\t\t: 3000.000\n"
    assert parse_cpuinfo(text) == (CpuFrequency("all", 200000), CpuFrequency("0", 100000),
                                   CpuFrequency("1", 0), CpuFrequency("2", 300000))  # fmt: skip


def test_no_file_or_no_frequency_line_records_nothing() -> None:
    assert parse_cpuinfo(None) is None
    assert parse_cpuinfo("processor\t: 0\nBogoMIPS\t: 50.00\n") is None
    assert read_cpufreq(lambda _path: None) is None


def test_short_decimals_are_read_as_a_whole_number_as_sadc_does() -> None:
    """ "1000.5" is 1000 MHz and 5 (not 50) hundredths for %u.%u, of which sadc keeps 5 / 10 = 0."""
    assert parse_cpuinfo("processor\t: 0\ncpu MHz\t\t: 1000.5\n") == (
        CpuFrequency("all", 100000),
        CpuFrequency("0", 100000),
    )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("processor cpu MHz clock\t:.0123456789\n-+xé"), max_size=300))
def test_any_text_parses_without_raising(text: str) -> None:
    freqs = parse_cpuinfo(text)
    if freqs is not None:
        assert freqs[0].cpu == "all" and [f.cpu for f in freqs[1:]] == [str(n) for n in range(len(freqs) - 1)]
        assert all(0 <= f.cpufreq <= 0xFFFFFFFF for f in freqs)  # sadc's unsigned int arithmetic


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(0, 63), st.tuples(st.integers(0, 99999), st.integers(0, 999)), min_size=1))
def test_generated_cpuinfo_gives_sadcs_values(cpus: dict[int, tuple[int, int]]) -> None:
    text = "".join(
        f"processor\t: {n}\nmodel name\t: test\ncpu MHz\t\t: {whole}.{dec:03d}\n\n"
        for n, (whole, dec) in cpus.items()
    )
    freqs = parse_cpuinfo(text)
    assert freqs is not None
    expected = {n: whole * 100 + dec // 10 for n, (whole, dec) in cpus.items()}
    assert freqs[0] == CpuFrequency("all", sum(expected.values()) // len(expected))
    assert freqs[1:] == tuple(CpuFrequency(str(n), expected.get(n, 0)) for n in range(max(cpus) + 1))


def test_live_kernel_gives_every_online_cpu() -> None:
    """This machine's /proc/cpuinfo (x86: "cpu MHz" lines): one record per CPU, all of them running."""
    text = Path("/proc/cpuinfo").read_text()
    freqs = read_cpufreq(ProcFS().read_optional)
    if "cpu MHz" not in text and "clock\t" not in text:
        assert freqs is None
        return
    assert freqs is not None
    assert len(freqs) == 1 + text.count("processor\t")
    assert all(f.cpufreq > 0 for f in freqs)
