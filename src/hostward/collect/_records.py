"""Fast construction of the collectors' frozen, slotted records (and CpuTimes, a named tuple) from lists of values.

Reading a day rebuilds ~8,640 samples of ~30 records and ~350 fields each (store/layout.py), and the recorder
builds ~30 records at every sample (the parsers here). A frozen dataclass's generated ``__init__`` stores every
field with ``object.__setattr__(self, name, value)`` (a global lookup, an attribute lookup and a call, because
``__setattr__`` itself is disabled), and a call with keyword arguments first builds a dict: together that was
most of the time ``read_file`` spent outside the varint decoder. A *maker* here
creates the instance with ``object.__new__`` and stores each field through its slot descriptor's ``__set__``,
bound once, which halves the cost per field. The result is indistinguishable from ``cls(...)``: same type,
same fields, equal and hashable, still frozen.

Like ``dataclasses`` itself, a maker is generated source compiled with ``exec``: one straight-line function
per record type, since a loop over the fields would give back the gain. The source holds only numbered
placeholders (``v0``, ``s3``, ``e1``); field names, setters and default values are passed in as objects, so
nothing read from a data file can reach the compiled text. A class a maker cannot reproduce exactly (no
slots, a ``__post_init__``) gets a plain call of the class instead.
"""

from __future__ import annotations

import types
from collections.abc import Callable

from hostward.frozen import field_defaults, field_factories, field_names, is_named_tuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any

Maker = Callable[..., "Any"]

_MISSING = object()


class _Field:
    """What a maker needs of one field (dataclasses.Field's part), for @frozen classes and dataclasses alike."""

    __slots__ = ("default", "default_factory", "name", "type")

    def __init__(self, name: str, type_: object, default: object, default_factory: object) -> None:
        self.name, self.type, self.default, self.default_factory = name, type_, default, default_factory


def _fields(cls: type[Any]) -> tuple[_Field, ...]:
    if "__frozen_fields__" in cls.__dict__:  # hostward.frozen: without importing dataclasses (start-up)
        defaults, factories = field_defaults(cls), field_factories(cls)
        return tuple(
            _Field(
                name, cls.__annotations__[name], defaults.get(name, _MISSING), factories.get(name, _MISSING)
            )
            for name in field_names(cls)
        )
    if is_named_tuple(cls):  # collect.cpu.CpuTimes: its own defaults, no dataclasses
        types_, defaults = getattr(cls, "__annotations__", {}), cls._field_defaults
        return tuple(
            _Field(name, types_.get(name), defaults.get(name, _MISSING), _MISSING) for name in cls._fields
        )
    import dataclasses  # noqa: PLC0415

    def missing(value: object) -> object:
        return _MISSING if value is dataclasses.MISSING else value

    return tuple(
        _Field(f.name, f.type, missing(f.default), missing(f.default_factory))
        for f in dataclasses.fields(cls)
    )


def maker(cls: type[Any], names: tuple[str, ...], extras: tuple[str, ...] = ()) -> Maker:
    """``make(values, pos, *extra_values)`` -> ``cls`` whose fields ``names`` are ``values[pos:pos + len(names)]``
    (a field annotated ``bool`` converted with ``bool()``: the store keeps flags as 0/1) and whose fields
    ``extras`` are the further arguments, in that order; any other field takes its default."""
    all_fields = _fields(cls)
    by_name = {f.name: f for f in all_fields}
    wanted = (*names, *extras)
    if len(set(wanted)) != len(wanted) or not set(wanted) <= by_name.keys():
        raise ValueError(f"{cls.__name__} has no fields {sorted(set(wanted) - by_name.keys())}")
    unset = [
        f.name
        for f in all_fields
        if f.name not in wanted and f.default is _MISSING and f.default_factory is _MISSING
    ]
    if unset:
        raise ValueError(f"{cls.__name__}: no value for the required fields {unset}")
    if is_named_tuple(cls) and names == field_names(cls) and not extras and not _bool_fields(cls):
        return _tuple_maker(cls, len(names))  # a named tuple of every field, in order
    fast = _fast_maker(cls, all_fields, names, extras)
    return fast if fast is not None else _plain_maker(cls, names, extras, _bool_fields(cls))


def _bool_fields(cls: type[Any]) -> frozenset[str]:
    # ``from __future__ import annotations`` leaves the annotation as the string "bool".
    return frozenset(f.name for f in _fields(cls) if f.type in ("bool", bool))


def _fast_maker(
    cls: type[Any],
    all_fields: tuple[_Field, ...],
    names: tuple[str, ...],
    extras: tuple[str, ...],
) -> Maker | None:
    if hasattr(cls, "__post_init__") or "__slots__" not in cls.__dict__:
        return None
    bools = _bool_fields(cls)
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls, "bool": bool}
    body: list[str] = []
    if names:
        # Unpacking a slice checks the width too: a short vector raises ValueError (a decode error).
        targets = "".join(f"v{i}, " for i in range(len(names)))
        body.append(f"({targets}) = values[pos:pos + {len(names)}]")
    body.append("obj = new(cls)")
    for k, f in enumerate(all_fields):
        descriptor = cls.__dict__.get(f.name)
        if not isinstance(descriptor, types.MemberDescriptorType):
            return None
        namespace[f"s{k}"] = descriptor.__set__
        if f.name in names:
            i = names.index(f.name)
            value = f"bool(v{i})" if f.name in bools else f"v{i}"
        elif f.name in extras:
            value = f"e{extras.index(f.name)}"
        elif f.default is not _MISSING:
            namespace[f"d{k}"] = f.default
            value = f"d{k}"
        else:  # maker() checked that every other field has a default or a factory
            namespace[f"d{k}"] = f.default_factory
            value = f"d{k}()"
        body.append(f"s{k}(obj, {value})")
    body.append("return obj")
    params = ", ".join(["values", "pos", *(f"e{i}" for i in range(len(extras)))])
    source = f"def make({params}):\n" + "".join(f"    {line}\n" for line in body)
    # The source holds only numbered placeholders built above from the dataclass's own fields (as dataclasses
    # itself does): nothing read from a file or the user reaches it.
    exec(compile(source, f"<hostward.store.records maker for {cls.__name__}>", "exec"), namespace)  # noqa: S102  # nosec B102
    made: Maker = namespace["make"]
    return made


def _tuple_maker(cls: type[Any], width: int) -> Maker:
    """A named tuple of ``width`` fields from as many values: the slice itself is its value (``tuple.__new__``
    takes it as it is, where calling the class would bind each field by name)."""
    new = tuple.__new__

    def make(values: list[Any], pos: int) -> Any:
        chunk = values[pos : pos + width]
        if len(chunk) != width:  # as the generated makers' unpacking: a short vector is a decode error
            raise ValueError(f"{cls.__name__}: expected {width} values, got {len(chunk)}")
        return new(cls, chunk)

    return make


def _plain_maker(
    cls: type[Any], names: tuple[str, ...], extras: tuple[str, ...], bools: frozenset[str]
) -> Maker:
    width = len(names)

    def make(values: list[Any], pos: int, *extra_values: Any) -> Any:
        chunk = values[pos : pos + width]
        if len(chunk) != width or len(extra_values) != len(extras):
            raise ValueError(f"{cls.__name__}: expected {width} values and {len(extras)} extras")
        kwargs = dict(zip(names, chunk, strict=True))
        for name in bools.intersection(kwargs):
            kwargs[name] = bool(kwargs[name])
        kwargs.update(zip(extras, extra_values, strict=True))
        return cls(**kwargs)

    return make
