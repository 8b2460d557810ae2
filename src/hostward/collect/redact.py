"""Command lines fit for keeping: secret-looking values masked, the whole bounded in length. Pure functions.

The recorder keeps the arguments of the largest processes with every sample, for the whole retention period
(28 days by default), in files an admin group may read. Command lines carry secrets more often than they should
(``mysql --password=...``, ``PGPASSWORD=... psql``, ``curl -H 'Authorization: Bearer ...'``,
``postgres://user:pass@host``), so by default the recorder stores them through :class:`Redactor`:

* ``KEY=VALUE`` (any number of leading dashes): VALUE becomes ``***`` when KEY looks secret (its words, split at
  ``-_.`` and camelCase, include password, passwd, passphrase, pass, pwd, pw, secret, token, key, apikey, auth,
  authorization, credential(s), cookie, signature, sig, private, or end in password/passwd/secret/token/key
  (``PGPASSWORD``, ``apiKey``, ``AWS_SECRET_ACCESS_KEY``, ``-Ddb.password``));
* ``KEY=VALUE`` pairs inside a value, separated by ``, ; & ? =`` or spaces (``-o user=a,password=b``, query strings);
* an option without ``=`` whose name looks secret (``--password``, ``--token``) masks the *next* argument whatever
  it is;
* ``Name: value`` where the name looks secret (``Authorization: Bearer ...``, ``X-Api-Key: ...``);
* the password of a URL's ``user:password@`` (the user name stays);
* extra regular expressions from ``[record] redact_patterns``: the first group (or the whole match) is masked.

Not recognised: values glued to short options (``mysql -pSECRET``) and secrets in positional arguments; add a
pattern for those (``^-p(.+)``). The default rules are idempotent (a redacted line redacts to itself).

After redaction a command line is cut to ``MAX_CHARS`` characters (each argument counts its length plus one for
the separator); the last argument kept then ends with ``…``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hostward.errors import ConfigError

MASK = "***"
MAX_CHARS = 1024
ELLIPSIS = "…"

_EXACT = frozenset(
    {
        "pass",
        "passwd",
        "password",
        "passphrase",
        "pwd",
        "pw",
        "secret",
        "token",
        "key",
        "apikey",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "cookie",
        "signature",
        "sig",
        "private",
    }
)
_SUFFIXES = ("password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "privatekey")
_WORD_SPLIT = re.compile(r"[^0-9a-zA-Z]+|(?<=[a-z0-9])(?=[A-Z])")
_PAIR = re.compile(r"(?P<pre>^|[,;&?=\s])(?P<key>[A-Za-z_][\w.-]*)=(?P<value>[^,;&\s]*)")
_HEADER = re.compile(r"(?:^|(?<==))(?P<name>\s*[A-Za-z][\w-]*\s*:\s*)(?P<value>\S.*)$", re.DOTALL)
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^/\s:@]*:)(?P<password>[^\s/]*)@")


def secret_name(name: str) -> bool:
    """True when a key or option name looks like it names a secret."""
    for part in _WORD_SPLIT.split(name):
        word = part.lower()
        if word in _EXACT or (word and word.endswith(_SUFFIXES)):
            return True
    return False


def _mask_pairs(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        if not secret_name(m["key"]) or not m["value"]:
            return m[0]
        return f"{m['pre']}{m['key']}={MASK}"

    return _PAIR.sub(one, text)


def _mask_urls(text: str) -> str:
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@" if m["password"] else m[0], text)


def redact_arg(arg: str) -> str:
    """One argument with its secret-looking values masked (the default rules)."""
    if arg == MASK:
        return arg
    key, eq, value = arg.partition("=")
    if eq and re.fullmatch(r"-*[\w.\-]+", key) and secret_name(key):
        return f"{key}={MASK}" if value else arg
    header = _HEADER.search(arg)
    if header and secret_name(header["name"]):
        return arg[: header.start("value")] + MASK
    # URLs first: a URL's password may itself contain "&key=..." that the pair rule would cut in two.
    return _mask_pairs(_mask_urls(arg))


def _masks_next(arg: str) -> bool:
    return (
        arg.startswith("-") and "=" not in arg and len(arg.lstrip("-")) > 0 and secret_name(arg.lstrip("-"))
    )


def redact_args(args: Sequence[str]) -> tuple[str, ...]:
    """Every argument through :func:`redact_arg`; the argument after a secret-looking option becomes ``***``."""
    out = []
    for i, arg in enumerate(args):
        if i > 0 and _masks_next(args[i - 1]):
            out.append(MASK)
        else:
            out.append(redact_arg(arg))
    return tuple(out)


def bound_args(args: Sequence[str], max_chars: int = MAX_CHARS) -> tuple[str, ...]:
    """At most ``max_chars`` characters (arguments plus one separator each); the cut argument ends with ``…``."""
    out: list[str] = []
    left = max_chars
    for arg in args:
        if len(arg) + 1 <= left:
            out.append(arg)
            left -= len(arg) + 1
            continue
        cut = arg
        while left < 2 and out:  # no room for the mark: cut into the arguments already kept
            cut = out.pop()
            left += len(cut) + 1
        if left >= 2:
            out.append(cut[: left - 2] + ELLIPSIS)
        break
    return tuple(out)


class Redactor:
    """The recorder's command-line filter: default rules (``redact``), extra patterns, then the length bound.

    Results are remembered per command line (``CACHE_SIZE`` of them): the same processes top the list sample after
    sample, and the rules cost ~20 us per command line where a lookup costs well under one.
    """

    CACHE_SIZE = 512

    def __init__(self, *, redact: bool = True, patterns: Sequence[str] = (), max_chars: int = MAX_CHARS):
        self.redact = redact
        self.max_chars = max_chars
        self.patterns: list[re.Pattern[str]] = []
        self._cache: dict[tuple[str, ...], tuple[str, ...]] = {}
        for pattern in patterns:
            try:
                self.patterns.append(re.compile(pattern))
            except re.error as exc:
                raise ConfigError(f"record.redact_patterns: {pattern!r} does not compile: {exc}") from exc

    def __call__(self, args: Sequence[str]) -> tuple[str, ...]:
        key = tuple(args)
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[key] = self._filter(key)
        return cached

    def _filter(self, args: tuple[str, ...]) -> tuple[str, ...]:
        result = redact_args(args) if self.redact else args
        if self.patterns:
            result = tuple(self._extra(arg) for arg in result)
        return bound_args(result, self.max_chars)

    def _extra(self, arg: str) -> str:
        for pattern in self.patterns:
            arg = pattern.sub(_mask_match, arg)
        return arg


def _mask_match(m: re.Match[str]) -> str:
    if m.re.groups and m.group(1) is not None:
        start, end = m.span(1)
        base = m.start()
        return m[0][: start - base] + MASK + m[0][end - base :]
    return MASK
