"""Man pages generated from ``--help`` (run at install time: ``python -m hostward.cli.manpage DIR``).

One page per command (``hostward-sar(1)``, ``hostward-oom(1)`` with every sub-command in it) and ``hostward(1)``.
The help text is kept as written — its option tables are aligned by hand — in no-fill blocks under the man
sections its headings name; prose paragraphs are filled. Lines are escaped so that roff never takes a help line
for a request.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from hostward import __version__
from hostward.cli.helptree import HelpNode, help_tree


def _escape(line: str) -> str:
    line = line.replace("\\", "\\e").replace("-", "\\-")
    # A line starting with . or ' is a roff request; \& makes it text.
    return "\\&" + line if line.startswith((".", "'")) else line


# Headings that help texts write with their content on the same line ("exit status: 0 on success, ...").
_INLINE_HEADINGS = {
    "exit status",
    "examples",
    "example",
    "signals",
    "files",
    "environment",
    "see also",
    "note",
}


def _is_heading(line: str) -> bool:
    """ "options:" alone on a line, or one of the known labels followed by its text; not prose with a colon."""
    if not line or line[0].isspace() or ":" not in line:
        return False
    head, _, rest = line.partition(":")
    return len(head) < 40 and (not rest.strip() or head.lower() in _INLINE_HEADINGS)


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """(heading, lines) pieces of a help text; the usage block is "SYNOPSIS", text before any heading ""."""
    pieces: list[tuple[str, list[str]]] = [("", [])]
    lines = text.rstrip("\n").split("\n")
    in_usage = False
    for line in lines:
        if line.startswith("usage:"):
            pieces.append(("SYNOPSIS", [line[len("usage:") :].strip()]))
            in_usage = True
            continue
        if in_usage:
            if line.strip():
                pieces[-1][1].append(line.strip())
                continue
            in_usage = False
            pieces.append(("", []))
        if _is_heading(line):
            head, _, rest = line.partition(":")
            # "activity options (default -u)": the label in capitals, a flag in its own case
            label, paren, detail = head.strip().partition("(")
            pieces.append((label.upper() + paren + detail, [rest.strip()] if rest.strip() else []))
        else:
            pieces[-1][1].append(line)
    return [(head, body) for head, body in pieces if head or any(s.strip() for s in body)]


def _body(lines: list[str]) -> list[str]:
    """Paragraphs of unindented prose are filled; anything indented (tables, examples) is kept as is."""
    out: list[str] = []
    while lines and not lines[0].strip():
        lines = lines[1:]
    for line in lines:
        if not line.strip():
            out.append(".PP" if out and out[-1] != ".PP" else "")
        elif line[0].isspace():
            out.extend([".nf", _escape(line), ".fi"])
        else:
            out.append(_escape(line))
    # adjacent no-fill lines form one block
    text = "\n".join(x for x in out if x != "")
    return text.replace(".fi\n.nf\n", "").split("\n")


def render(node: HelpNode, date: str) -> str:
    name = "-".join(("hostward", *node.path))
    out = [
        f'.TH "{name.upper()}" 1 "{date}" "hostward {__version__}" "hostward manual"',
        ".nh",  # no hyphenation: option names and paths must stay searchable
        ".ad l",
        ".SH NAME",
        f"{_escape(name)} \\- {_escape(node.summary)}",
    ]
    # hostward(1) is the overview; a command's page carries its sub-commands.
    for index, sub in enumerate(node.walk() if node.path else [node]):
        blocks = _blocks(sub.text)
        if index:
            out.append(f'.SH "{" ".join(("hostward", *sub.path)).upper()}"')
            out.extend(_escape(sub.summary).split("\n"))
        for head, body in blocks:
            if head == "SYNOPSIS":
                out.append(".SH SYNOPSIS" if index == 0 else ".SS Synopsis")
                out.extend([".nf", *(_escape(x) for x in body), ".fi"])
                continue
            if head:
                out.append(f'.SH "{head}"' if index == 0 else f'.SS "{head.capitalize()}"')
            elif index == 0:
                out.append(".SH DESCRIPTION")
            else:
                out.append(".PP")
            out.extend(_body(body))
    others = [] if node.path else [f"hostward\\-{child.path[0]}(1)" for child in node.children]
    out.extend([".SH SEE ALSO", ", ".join(others or ["hostward(1)"])])
    return "\n".join(out) + "\n"


def write_pages(directory: Path) -> list[Path]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")  # reproducible builds
    day = dt.datetime.fromtimestamp(int(epoch), dt.UTC).date() if epoch else dt.date.today()
    tree = help_tree()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for node in (tree, *tree.children):
        path = directory / ("-".join(("hostward", *node.path)) + ".1")
        path.write_text(render(node, day.isoformat()), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m hostward.cli.manpage DIRECTORY")
    for page in write_pages(Path(sys.argv[1])):
        print(page)
