"""Man pages and shell completion generated from the live --help texts: rendered by the real man/groff and
completed by a real bash, nothing of --help lost on the way."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.conftest import require_binary

from hostward.cli.completion import bash_script, zsh_script
from hostward.cli.helptree import HelpNode, help_tree
from hostward.cli.manpage import write_pages

# groff's UTF-8 output turns ' ` - into typographic quotes, hyphens and minus signs.
_TYPOGRAPHY = str.maketrans({"\u2019": "'", "\u2018": "`", "\u2212": "-", "\u2010": "-", "\u00b7": "*"})


@pytest.fixture(scope="module")
def tree() -> HelpNode:
    return help_tree()


def _words(text: str) -> list[str]:
    """Words compared without case and a trailing colon: headings become man sections ("options:" -> OPTIONS)."""
    return [w.rstrip(":") for w in text.translate(_TYPOGRAPHY).lower().split() if w.rstrip(":")]


def test_every_man_page_renders_without_warnings_and_keeps_every_word_of_help(
    tree: HelpNode, tmp_path: Path
) -> None:
    man = require_binary("man")["man"]
    pages = {p.name: p for p in write_pages(tmp_path)}
    assert set(pages) == {"hostward.1"} | {f"hostward-{c.path[0]}.1" for c in tree.children}
    for page_name, node in [("hostward.1", tree), *((f"hostward-{c.path[0]}.1", c) for c in tree.children)]:
        shown = subprocess.run(
            [man, "--warnings", "-E", "UTF-8", "-l", str(pages[page_name])],
            env={**os.environ, "MANWIDTH": "200", "MAN_KEEP_FORMATTING": "", "LANG": "C.UTF-8"},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert shown.stderr == "", f"{page_name}: {shown.stderr}"
        rendered = _words(shown.stdout)
        for sub in node.walk() if node.path else [node]:
            # Every word of `--help`, in order (the usage word itself becomes the SYNOPSIS heading).
            expected = [w for w in _words(sub.text) if w != "usage"]
            position = 0
            for word in expected:
                try:
                    position = rendered.index(word, position) + 1
                except ValueError:
                    pytest.fail(f"{page_name}: {' '.join(sub.path)}: {word!r} of --help is missing")


def _complete(script: Path, *words: str) -> list[str]:
    bash = require_binary("bash")["bash"]
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    program = f"source {script}; COMP_WORDS=({quoted}); COMP_CWORD=$(({len(words)} - 1)); _hostward;"
    program += ' printf "%s\\n" "${COMPREPLY[@]}"'
    out = subprocess.run(
        [bash, "--norc", "-c", program], capture_output=True, text=True, timeout=30, check=True
    )
    return out.stdout.split()


def test_bash_completes_commands_subcommands_choices_and_flags(tree: HelpNode, tmp_path: Path) -> None:
    script = tmp_path / "hostward"
    script.write_text(bash_script(tree))
    assert _complete(script, "hostward", "o") == ["oom"]
    assert _complete(script, "hostward", "oom", "") == [
        c.path[-1] for c in tree.walk() if c.path[:1] == ("oom",) and len(c.path) == 2
    ]
    assert _complete(script, "hostward", "oom", "protect", "") == ["apply", "daemon", "status"]
    assert "--json" in _complete(script, "hostward", "oom", "protect", "status", "--j")
    assert _complete(script, "hostward", "sar", "--da") == ["--date", "--data-dir"]
    assert _complete(script, "hostward", "web", "user", "add", "--r") == ["--role"]
    # where no sub-command or choice fits, file names
    (tmp_path / "saved.pdf").write_text("")
    assert _complete(script, "hostward", "plot", "-o", str(tmp_path / "sav")) == [str(tmp_path / "saved.pdf")]


def test_sar_completion_offers_every_flag_its_parser_takes(tree: HelpNode) -> None:
    """sar parses its own options: its help table (where completion takes them from) must list them all."""
    from hostward.cli.sar_args import _LETTERS, LONG_ACTIVITIES

    sar = next(node for node in tree.children if node.path == ("sar",))
    accepted = {f"-{letter}" for letter in _LETTERS} | set(LONG_ACTIVITIES)
    accepted |= {
        "-A",
        "-p",
        "-C",
        "-f",
        "-s",
        "-e",
        "-i",
        "-P",
        "-n",
        "--date",
        "--since",
        "--until",
        "--data-dir",
    }
    assert accepted <= set(sar.options)


def test_zsh_script_parses(tree: HelpNode, tmp_path: Path) -> None:
    zsh = require_binary("zsh")["zsh"]
    script = tmp_path / "_hostward"
    script.write_text(zsh_script(tree))
    subprocess.run([zsh, "-n", str(script)], check=True, timeout=30)
