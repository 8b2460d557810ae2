"""``hostward sadf -g``: one SVG document on stdout, as ``sadf -g > day.svg`` gives, drawn by ``hostward plot``.

sadf -g draws its own charts (sadf_misc.c / svg_stats.c: 1050x300 panels on black, one per activity and item).
hostward does not copy that drawing: it runs ``hostward plot --format svg`` on the same data and activities
and stacks its graphs (plot/svg.py's: the same series, titles with host and day, restarts as dashed lines,
gaps where nothing was recorded) one under the other in a single SVG, each graph a nested <svg> element.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import tempfile
from pathlib import Path

from hostward.digits import is_digits
from hostward.errors import StoreError

_PROLOG = re.compile(rb"\A\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.S)
_ROOT = re.compile(rb'<svg\b([^>]*?)\swidth="([0-9.]+)pt"\s+height="([0-9.]+)pt"', re.S)


def plot_argv(before: list[str], after: list[str]) -> list[str]:
    """sadf's data options (before "--"; a bare FILE becomes -f FILE) and sar's activity options (after it),
    as ``hostward plot`` takes them. sadf's output choices (-g, -t, -T, -U, -C, -O) do not apply."""
    out: list[str] = []
    i = 0
    takes_value = {"-f", "-s", "-e", "--data-dir", "--date", "--since", "--until"}
    while i < len(before):
        word = before[i]
        if word in ("-g", "-t", "-T", "-U", "-C"):
            pass
        elif word == "-O":
            i += 1  # sadf -O options (SVG drawing options): hostward draws its own way
        elif word in takes_value and i + 1 < len(before):
            out += [word, before[i + 1]]
            i += 1
        elif not word.startswith("-"):
            out += ["-f", word]
        else:
            out.append(word)
        i += 1
    return out + after


def stack(documents: list[bytes]) -> bytes:
    """SVG documents one under the other in one document (each keeps its own coordinates as a nested svg)."""
    parts: list[bytes] = []
    y = 0.0
    width = 0.0
    for doc in documents:
        body = _PROLOG.sub(b"", doc, count=1)
        found = _ROOT.search(body)
        if found is None:
            raise StoreError("hostward plot wrote an SVG without a size: cannot stack it")
        w, h = float(found.group(2)), float(found.group(3))
        nested = f'<svg x="0" y="{y:g}" width="{w:g}" height="{h:g}"'.encode()
        parts.append(body[: found.start()] + nested + found.group(1) + body[found.end() :])
        y += h
        width = max(width, w)
    head = (
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
        f'width="{width:g}pt" height="{y:g}pt" viewBox="0 0 {width:g} {y:g}">\n'
    ).encode()
    return head + b"\n".join(parts) + b"\n</svg>\n"


def _number(path: Path) -> int:
    """save_each names graphs NN-key.svg: their order is the number's (100 comes after 99)."""
    head = path.name.split("-", 1)[0]
    return int(head) if is_digits(head) else 0


def run_g(before: list[str], after: list[str]) -> int:
    """Draw with ``hostward plot`` into a private temporary directory, then write the stacked SVG to stdout."""
    from hostward.cli import plot  # noqa: PLC0415  (the plotting modules: only for -g)

    with tempfile.TemporaryDirectory(prefix="hostward-sadf-g.") as tmp:
        target = Path(tmp) / "graphs.svg"
        summary = io.StringIO()
        with contextlib.redirect_stdout(summary):  # plot's "N graphs" line is not part of the SVG
            code = plot.run([*plot_argv(before, after), "--format", "svg", "-o", str(target)])
        if code != 0:
            return code
        files = [target] if target.is_file() else sorted((Path(tmp) / "graphs").glob("*.svg"), key=_number)
        document = stack([f.read_bytes() for f in files])
    sys.stdout.flush()
    sys.stdout.buffer.write(document)
    return 0
