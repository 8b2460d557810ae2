"""Locale pieces of the sar text."""

from __future__ import annotations

import pytest

from hostward.report.formatting import ReportFormat, average_label, pad


def test_pad_counts_bytes_like_printf() -> None:
    assert pad("Average:") == "Average:   "
    assert pad("Průměr:") == "Průměr:  "  # 9 bytes in UTF-8: two spaces, as printf("%-11s") gives
    assert pad("Batezbestekoa:") == "Batezbestekoa:"


@pytest.mark.parametrize(
    ("environ", "label"),
    [
        ({"LANG": "C"}, "Average:"),
        ({"LANG": "en_US.UTF-8"}, "Average:"),
        ({"LANG": "de_DE.UTF-8"}, "Durchschn.:"),
        ({"LANG": "de_DE.UTF-8", "LC_MESSAGES": "C"}, "Average:"),
        ({"LANG": "C", "LANGUAGE": "de"}, "Average:"),  # gettext ignores LANGUAGE in the C locale
        ({"LANG": "xx_YY.UTF-8"}, "Average:"),  # not installed: setlocale fails, sar stays in C
    ],
)
def test_average_label_follows_gettext(environ: dict[str, str], label: str) -> None:
    import locale

    if environ.get("LANG") == "de_DE.UTF-8" and "LC_MESSAGES" not in environ:
        try:
            locale.setlocale(locale.LC_MESSAGES, "de_DE.UTF-8")
        except locale.Error:
            pytest.skip("de_DE.UTF-8 is not generated")
        finally:
            locale.setlocale(locale.LC_MESSAGES, "C")
    assert average_label(environ) == label


def test_numbers_use_the_decimal_point_and_sar_widths() -> None:
    fmt = ReportFormat(decimal_point=",")
    assert fmt.number(1234.5, 2) == "  1234,50"
    assert fmt.number(2.5, 0) == "        2"  # "%9.0f" rounds half to even, as C does
    assert ReportFormat().number(0.125, 2) == "     0.12"
