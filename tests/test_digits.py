"""is_digits: what passes the check, int() accepts; '²' and other non-ASCII digits do not pass (str.isdigit()
lets them through to a ValueError)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hostward.digits import is_digits
from hostward.errors import ConfigError
from hostward.hostport import split_host_port


@given(st.text(max_size=12))
def test_what_passes_is_an_int(text: str) -> None:
    if is_digits(text):
        assert int(text) >= 0 and text.isascii()


def test_unicode_digits_are_refused() -> None:
    for text in ("²", "1²", "①", "٣", "", " 1", "-1", "1.0"):
        assert not is_digits(text), text
    assert is_digits("0123456789")


def test_a_superscript_port_gets_the_one_line_refusal() -> None:
    with pytest.raises(ConfigError, match="not HOST:PORT"):
        split_host_port("127.0.0.1:8²", what="[web] listen")
