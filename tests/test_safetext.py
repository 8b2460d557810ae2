"""hostward.safetext: printable ASCII is returned as it is without the regular expression (compiled only for text
that may need it: a report's start-up, issue 17), and every text gets what the expression alone gives."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.safetext import _UNSAFE_CHARS, _escape, safe_name, safe_text

_REFERENCE = re.compile(_UNSAFE_CHARS)


@settings(max_examples=500)
@given(text=st.one_of(st.text(), st.text(alphabet=st.characters(max_codepoint=0x7F)), st.text(max_size=3)))
def test_safe_text_is_the_expression_on_any_text(text: str) -> None:
    assert safe_text(text) == _REFERENCE.sub(_escape, text)


def test_controls_are_still_escaped() -> None:
    assert safe_text("a\x1b]0;x\x07\n\x7f") == "a\\e]0;x\\x07\\n\\x7f"
    assert safe_name("eth0\t") == "eth0\\t"
    assert safe_text("plain name-1.2 (ok)") == "plain name-1.2 (ok)"
