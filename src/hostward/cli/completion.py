"""Shell completion for bash and zsh, generated from the same help tree as the man pages (at install time:
``python -m hostward.cli.completion bash|zsh``): sub-commands after each command, its flags after ``-``, file
names elsewhere. Static tables, so completing costs the shell no Python start-up."""

from __future__ import annotations

import shlex
import sys

from hostward.cli.helptree import HelpNode, help_tree


def _table(tree: HelpNode) -> list[tuple[str, str, str, str]]:
    """(path, sub-commands, positional choices, options) per node, space-separated; "" is hostward itself."""
    return [
        (
            " ".join(node.path),
            " ".join(child.path[-1] for child in node.children),
            " ".join(node.words),
            " ".join(node.options),
        )
        for node in tree.walk()
    ]


def bash_script(tree: HelpNode) -> str:
    cases = "\n".join(
        f"        {shlex.quote(path or '-')}) subs={shlex.quote(subs)}; words={shlex.quote(words)};"
        f" opts={shlex.quote(opts)} ;;"
        for path, subs, words, opts in _table(tree)
    )
    return f"""# bash completion for hostward (generated from its --help; do not edit)
_hostward_node() {{
    case "$1" in
{cases}
        *) subs=''; words=''; opts='' ;;
    esac
}}

_hostward() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} path='' subs words opts word i
    _hostward_node -
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${{COMP_WORDS[i]}}
        if [[ " $subs " == *" $word "* ]]; then
            path=${{path:+$path }}$word
            _hostward_node "$path"
        fi
    done
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    elif [[ -n $subs$words ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$subs $words" -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
}}
complete -o filenames -F _hostward hostward
"""


def zsh_script(tree: HelpNode) -> str:
    cases = "\n".join(
        f"    {shlex.quote(path or '-')}) subs=({subs}); words=({words}); opts=({opts}) ;;"
        for path, subs, words, opts in _table(tree)
    )
    return f"""#compdef hostward
# zsh completion for hostward (generated from its --help; do not edit)
local -a subs words opts
local path_ word
local -i i
_hostward_node() {{
  case "$1" in
{cases}
    *) subs=(); words=(); opts=() ;;
  esac
}}
_hostward_node -
for (( i = 2; i < CURRENT; i++ )); do
  word=${{words[i]}}
  if (( ${{subs[(Ie)$word]}} )); then
    path_=${{path_:+$path_ }}$word
    _hostward_node "$path_"
  fi
done
if [[ $PREFIX == -* ]]; then
  compadd -a opts
elif (( $#subs + $#words )); then
  compadd -a subs words
else
  _files
fi
"""


if __name__ == "__main__":
    shells = {"bash": bash_script, "zsh": zsh_script}
    if len(sys.argv) != 2 or sys.argv[1] not in shells:
        sys.exit("usage: python -m hostward.cli.completion bash|zsh")
    sys.stdout.write(shells[sys.argv[1]](help_tree()))
