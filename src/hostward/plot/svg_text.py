"""Text in the SVG renderer: XML-safe content, and its width without a font engine.

Every text comes from the data somewhere (a node name, a device or interface name, a comment): control
characters, lone surrogates and invisible formatting are shown as visible escapes (hostward.safetext), the
characters XML 1.0 forbids even as references (U+FFFE, U+FFFF) as U+FFFD, and ``& < > " '`` as entities, so
the document stays well-formed and nothing in a name can close an element, an attribute or a CDATA section.

Widths are estimated from DejaVu Sans' advance widths (matplotlib's default font, and the first one the SVG
asks for), a little generously, so a legend measured here is never narrower than it is drawn.
"""

from __future__ import annotations

import unicodedata

from hostward.safetext import safe_text

_ENTITIES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#39;",
        "\ufffe": "\ufffd",
        "\uffff": "\ufffd",
    }
)

# DejaVu Sans advance widths, in em, of the printable ASCII characters (space .. tilde)
_ASCII = (
    0.318, 0.401, 0.460, 0.838, 0.636, 0.950, 0.780, 0.275, 0.390, 0.390, 0.500, 0.838, 0.318, 0.361, 0.318, 0.337,
    0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531,
    1.000, 0.684, 0.686, 0.698, 0.770, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787,
    0.603, 0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.390, 0.337, 0.390, 0.838, 0.500,
    0.500, 0.613, 0.635, 0.550, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612,
    0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525, 0.636, 0.337, 0.636, 0.838,
)  # fmt: skip
_OTHER = 0.8  # any other character: wider than most, so the estimate errs on the wide side
_WIDE = 1.0  # East Asian wide and full-width characters (from a fallback font: DejaVu has none): a full em
SLACK = 1.04


def xml_text(text: str) -> str:
    """``text`` as element content or an attribute value: inert, visible, well-formed."""
    return safe_text(text).translate(_ENTITIES)


def width(text: str, size: float) -> float:
    """Estimated width in points of ``text`` at ``size`` points (as drawn: after safe_text's escapes)."""
    shown = safe_text(text)
    ems = sum(_ASCII[o - 32] if 32 <= (o := ord(c)) < 127 else _other(c) for c in shown)
    return ems * size * SLACK


def _other(char: str) -> float:
    return _WIDE if unicodedata.east_asian_width(char) in ("W", "F") else _OTHER
