"""Every command's ``--help`` text and options, collected from the live definitions.

Man pages and shell completion are generated from this at install time, so they say exactly what ``--help``
says. Commands built on argparse are walked through their sub-parsers; the sar-style commands that parse their
own options (sar, sadf, plot, import) give their help text, and their options are the flags it lists.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from hostward.cli import COMMANDS, usage

# The flags an option table line starts with: "  -p, --pretty   print ...", "  -t, -T   timestamps ...".
# Flags of other tools named in the prose ("sadf -d", "sar -A") are not this command's.
_OPTION_LINE = re.compile(r"^ {1,4}(-[A-Za-z-][A-Za-z0-9-]*(?:, -[A-Za-z-][A-Za-z0-9-]*)*)")


@dataclass(frozen=True)
class HelpNode:
    path: tuple[str, ...]  # ("oom", "protect", "status"); () is hostward itself
    summary: str
    text: str  # what `hostward PATH --help` prints
    options: tuple[str, ...]
    children: tuple[HelpNode, ...]
    words: tuple[str, ...] = ()  # choices of a positional argument (`oom protect once|daemon|status`)

    def walk(self) -> Iterator[HelpNode]:
        yield self
        for child in self.children:
            yield from child.walk()


def help_tree() -> HelpNode:
    os.environ.setdefault("COLUMNS", "100")  # argparse wraps to the terminal: make the text reproducible
    children = tuple(_command(name, module, summary) for name, (module, summary) in COMMANDS.items())
    top = usage()
    return HelpNode((), "keep watch over a Linux host", top, ("--help", "--version"), children)


def _command(name: str, module_name: str, summary: str) -> HelpNode:
    module = importlib.import_module(module_name)
    build = getattr(module, "build_parser", None)
    if build is not None:
        return _from_parser((name,), summary, build())
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        module.run(["--help"])
    text = out.getvalue()
    flags = (m.group(1).split(", ") for m in map(_OPTION_LINE.match, text.splitlines()) if m)
    options = tuple(dict.fromkeys(["--help", *(flag for group in flags for flag in group)]))
    return HelpNode((name,), summary, text, options, ())


def _from_parser(path: tuple[str, ...], summary: str, parser: argparse.ArgumentParser) -> HelpNode:
    options: list[str] = []
    words: list[str] = []
    children: list[HelpNode] = []
    for action in parser._actions:
        options.extend(action.option_strings)
        if not action.option_strings and action.choices and not isinstance(action.choices, dict):
            words.extend(str(choice) for choice in action.choices)
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for sub_name, sub_parser in action.choices.items():
                children.append(_from_parser((*path, sub_name), helps.get(sub_name, ""), sub_parser))
    return HelpNode(path, summary, parser.format_help(), tuple(options), tuple(children), tuple(words))
