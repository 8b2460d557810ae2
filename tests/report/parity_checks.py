"""What the parity tests hold sadf's and hostward's machine formats to, and the locale guard of their runs."""

from __future__ import annotations

from tests.conftest import unavailable


def json_keys(value: object, prefix: str = "") -> set[str]:
    """Every key path of a sadf -j value, lists as "[]" (their first element stands for all)."""
    if isinstance(value, dict):
        return {k for key, v in value.items() for k in {prefix + key, *json_keys(v, prefix + key + "/")}}
    if isinstance(value, list) and value:
        return json_keys(value[0], prefix + "[]/")
    return set()


def csv_problems(theirs: str, ours: str) -> list[str]:
    """Comment lines identical; data lines: same host, interval, timestamp and item, values within 10 % + 1000
    (the CSV carries the same numbers the text reports compare column by column)."""
    problems = []
    a_lines, b_lines = theirs.splitlines(), ours.splitlines()
    if len(a_lines) != len(b_lines):
        return [f"{len(a_lines)} lines from sadf, {len(b_lines)} from hostward"]
    keys = 3
    for a, b in zip(a_lines, b_lines, strict=True):
        if a.startswith("#"):
            if a != b:
                problems.append(f"{a!r} != {b!r}")
            keys = 4 if a.split(";")[3] in ("CPU", "DEV", "IFACE") else 3
            continue
        fa, fb = a.split(";"), b.split(";")
        if len(fa) != len(fb):
            problems.append(f"{a!r} vs {b!r}: field count")
            continue
        if fa[:keys] != fb[:keys]:
            problems.append(f"{fa[:keys]} != {fb[:keys]}")
        for x, y in zip(fa[keys:], fb[keys:], strict=True):
            if abs(float(x) - float(y)) > 1000 + 0.1 * abs(float(x)) or x.count(".") != y.count("."):
                problems.append(f"{a!r} vs {b!r}: {x} {y}")
    return problems


def require_locale(name: str) -> None:
    import locale

    saved = locale.setlocale(locale.LC_TIME)
    try:
        locale.setlocale(locale.LC_TIME, name)
    except locale.Error:
        unavailable(f"locale {name} is not generated (scripts/setup --test generates it)")
    finally:
        locale.setlocale(locale.LC_TIME, saved)
