"""``@frozen``: the house's typed record (``@dataclass(frozen=True, slots=True)``) at a tenth of its start-up cost.

Why: building a frozen dataclass compiles six generated functions with ``exec`` (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``): ~0.5 ms a class on Python 3.11, and importing
``dataclasses`` pulls in ``inspect`` (with ``ast``, ``dis``, ``tokenize``): ~10 ms. A command that loads forty
record classes paid ~30 ms of CPU before it read anything (issue 17). Here only ``__init__`` is compiled (a
loop over the fields would slow every instance the recorder and the reader build); the other methods are
shared functions that read the values through one ``operator.attrgetter``.

What a class gets is what ``@dataclass(frozen=True, slots=True)`` gives it: the fields in the order of the
annotations, plain defaults, ``__slots__``, ``__match_args__``, ``__eq__`` (same class only) and ``__hash__``
over the fields' values, the same ``repr``, assignment refused with ``dataclasses.FrozenInstanceError``,
``__post_init__`` called, pickling and copying. ``dataclasses.fields``, ``replace``, ``asdict`` and
``is_dataclass`` work on it too: their ``__dataclass_fields__`` is built on first use, when the code asking
has imported ``dataclasses`` anyway. Not supported (the decorator refuses at import, so a mistake shows at
once): ``dataclasses.field(...)`` (this module's ``field(default_factory=...)`` is the one form taken),
mutable defaults (a list, dict, set or bytearray would be shared by every instance), ``ClassVar``/``InitVar``/
``KW_ONLY`` annotations, base classes other than ``object``. Those classes keep ``@dataclass``. Type checkers
see ``replace`` as ``dataclasses.replace``, so a wrong field name or type in a copy is caught.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any, TypeVar, dataclass_transform

    T = TypeVar("T")
    R = TypeVar("R")
else:

    def dataclass_transform(**_kwargs: object) -> object:
        return lambda decorated: decorated


_FIELDS = "__frozen_fields__"  # the field names, in order (a tuple of str)
_REQUIRED = object()  # the marker of a field without a default
_MUTABLE = (list, dict, set, bytearray)  # defaults dataclasses refuses: one object shared by every instance


class _FrozenMeta(type):
    """Only to answer ``__dataclass_fields__``/``__dataclass_params__`` asked of the class itself."""

    def __getattr__(cls, name: str) -> Any:
        if name in ("__dataclass_fields__", "__dataclass_params__"):
            _add_dataclass_view(cls, name)
            return type.__getattribute__(cls, name)
        if name == "__signature__":
            # inspect.signature asks this first: compile the real __init__ (see _first_init), whose signature it
            # then reads, as it reads a dataclass's. None: no signature of its own.
            _compile_init(cls)
            return None
        raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")


class _Factory:
    """A default made by calling ``make`` for each instance (``field(default_factory=make)``)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], T]) -> T:
    """A default built per instance, as ``dataclasses.field(default_factory=...)`` (the only form supported: a
    fixed default is written as the value itself)."""
    return _Factory(default_factory)  # type: ignore[return-value]  # the decorator replaces it, as dataclasses


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[T]) -> type[T]:
    """The class as ``@dataclass(frozen=True, slots=True)`` would make it (see the module's note)."""
    if cls.__bases__ != (object,) or type(cls) is not type:
        raise TypeError(f"@frozen {cls.__qualname__}: only plain classes (no bases, no metaclass)")
    namespace = dict(cls.__dict__)
    annotations: dict[str, object] = namespace.get("__annotations__", {})
    names = tuple(annotations)
    defaults: dict[str, object] = {}
    for name, annotation in annotations.items():
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if text.startswith(("ClassVar", "typing.ClassVar", "InitVar", "dataclasses.", "KW_ONLY")):
            raise TypeError(f"@frozen {cls.__qualname__}.{name}: {text} is not supported (use @dataclass)")
        if name in namespace:
            value = namespace.pop(name)
            if type(value).__name__ == "Field":
                raise TypeError(
                    f"@frozen {cls.__qualname__}.{name}: dataclasses.field() is not supported "
                    "(hostward.frozen.field(default_factory=...) is)"
                )
            if type(value) in _MUTABLE:
                raise TypeError(
                    f"@frozen {cls.__qualname__}.{name}: mutable default {type(value).__name__} "
                    "(use field(default_factory=...))"
                )
            defaults[name] = value
        elif defaults:
            raise TypeError(
                f"@frozen {cls.__qualname__}: non-default argument {name!r} follows default argument"
            )
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    namespace["__slots__"] = names
    namespace["__match_args__"] = names
    namespace[_FIELDS] = names
    namespace["__frozen_defaults__"] = defaults
    built: Any = _FrozenMeta(cls.__name__, (object,), namespace)
    built.__qualname__ = cls.__qualname__
    # the values compared and hashed: a tuple of them, as dataclasses compares and hashes them (a one-field
    # record too: (nan,) == (nan,) holds for the same nan object, nan == nan does not)
    values = (
        staticmethod(_one_value(names[0]))
        if len(names) == 1
        else attrgetter(*names)
        if names
        else staticmethod(_no_values)
    )
    own = cls.__dict__
    methods: dict[str, object] = {
        "__init__": _first_init(built, names, defaults),
        "__repr__": _repr,
        "__eq__": _eq,
        "__setattr__": _setattr,
        "__delattr__": _delattr,
        "__getstate__": _getstate,
        "__setstate__": _setstate,
        "__getattr__": _getattr,
        "__frozen_values__": values,
    }
    for name, method in methods.items():
        if name not in own:
            setattr(built, name, method)  # type.__setattr__: the class itself is not frozen
    # dataclass's rule (frozen, eq): add __hash__ unless the class wrote its own (an __eq__ alone sets it to None)
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    if not explicit_hash:
        built.__hash__ = _hash
    return built  # type: ignore[no-any-return]


def field_names(cls: type[Any]) -> tuple[str, ...]:
    """The fields of a @frozen class, in order, without building the ``dataclasses`` view (``fields()``); of a
    dataclass, through ``dataclasses``."""
    # getattr: also of a plain subclass of a @frozen class (kernlog ContinuedLine)
    names: tuple[str, ...] | None = getattr(cls, _FIELDS, None)
    if names is not None:
        return names
    if is_named_tuple(cls):  # collect.cpu.CpuTimes
        return tuple(cls._fields)
    import dataclasses  # noqa: PLC0415  (a class made by dataclasses: it is imported already)

    return tuple(f.name for f in dataclasses.fields(cls))


def is_named_tuple(cls: type[Any]) -> bool:
    """A class made by typing.NamedTuple / collections.namedtuple (collect.cpu.CpuTimes), not any tuple subclass."""
    return issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple)


def _replace(obj: R, /, **changes: object) -> R:
    """``dataclasses.replace`` for a @frozen record, without importing ``dataclasses``: a copy with ``changes``."""
    names: tuple[str, ...] | None = getattr(type(obj), _FIELDS, None)
    if names is None and is_named_tuple(type(obj)):  # collect.cpu.CpuTimes
        named: Any = obj
        return named._replace(**changes)  # type: ignore[no-any-return]
    if names is None:  # a @dataclass record: type checkers cannot tell the two apart here
        import dataclasses  # noqa: PLC0415  (the class was made by dataclasses: it is imported already)

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    unknown = changes.keys() - set(names)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no fields {sorted(unknown)}")
    values = {name: changes[name] if name in changes else getattr(obj, name) for name in names}
    return type(obj)(**values)


if TYPE_CHECKING:
    from dataclasses import replace as replace  # noqa: PLC0414  (re-exported: mypy checks each field)
else:
    replace = _replace


def asdict(obj: object) -> dict[str, Any]:
    """``dataclasses.asdict`` for a @frozen record, without importing ``dataclasses``: its fields as a dict, with
    records inside (also in tuples, named tuples, lists and dicts) made dicts too. Other values are taken as they
    are (the records hold immutable values; dicts and lists are copied), where ``dataclasses`` deep-copies them."""
    if getattr(type(obj), _FIELDS, None) is None:  # a @dataclass record (asdict refuses anything else)
        import dataclasses  # noqa: PLC0415  (the class was made by dataclasses: it is imported already)

        plain: dict[str, Any] = dataclasses.asdict(obj)  # type: ignore[call-overload]
        return plain
    return {name: _plain(getattr(obj, name)) for name in getattr(type(obj), _FIELDS)}


def record_fields(obj: object) -> tuple[str, ...] | None:
    """The field names of a @frozen record or of a dataclass instance, in order; None for anything else (a class
    too). Without importing ``dataclasses`` for a @frozen record."""
    if isinstance(obj, type):
        return None
    names: tuple[str, ...] | None = getattr(type(obj), _FIELDS, None)
    if names is None and hasattr(type(obj), "__dataclass_fields__"):
        import dataclasses  # noqa: PLC0415  (the class was made by dataclasses: it is imported already)

        names = tuple(f.name for f in dataclasses.fields(obj))  # type: ignore[arg-type]
    return names


def jsonable(value: Any, leaf: Callable[[Any], Any]) -> Any:
    """``value`` as JSON's shapes: records (@frozen or dataclass) as dicts by field, dicts with string keys, lists
    and tuples (named too) as lists; every other value is what ``leaf`` makes of it (a command's --json and the
    dashboard each say how they show enums, paths and text)."""
    names = record_fields(value)
    if names is not None:
        return {name: jsonable(getattr(value, name), leaf) for name in names}
    if isinstance(value, dict):
        return {str(k): jsonable(v, leaf) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v, leaf) for v in value]
    return leaf(value)


def _plain(value: Any) -> Any:
    if getattr(type(value), _FIELDS, None) is not None or "__dataclass_fields__" in type(value).__dict__:
        return asdict(value)
    if type(value) is tuple:
        return tuple(_plain(v) for v in value)
    if is_named_tuple(type(value)):
        # a named tuple, rebuilt field by field as dataclasses.asdict does: records inside it become dicts too
        # (left as records, json.dumps of the result would fail on them)
        return type(value)(*[_plain(v) for v in value])
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


def field_defaults(cls: type[Any]) -> dict[str, object]:
    """The fixed default value of each field of a @frozen class that has one (not those made by a factory)."""
    defaults: dict[str, object] = cls.__dict__["__frozen_defaults__"]
    return {name: value for name, value in defaults.items() if not isinstance(value, _Factory)}


def field_factories(cls: type[Any]) -> dict[str, Callable[[], object]]:
    """The default factory of each field of a @frozen class that has one."""
    defaults: dict[str, object] = cls.__dict__["__frozen_defaults__"]
    return {name: value.make for name, value in defaults.items() if isinstance(value, _Factory)}


def _no_values(_obj: object) -> tuple[()]:
    return ()


def _one_value(name: str) -> Callable[[object], tuple[object]]:
    get = attrgetter(name)
    return lambda obj: (get(obj),)


def _first_init(cls: Any, names: tuple[str, ...], defaults: dict[str, object]) -> Any:
    """The ``__init__`` of a class until it is first called: it compiles the real one (``_init``), puts it in its
    place, and runs it. Compiling is ~0.1 ms a class, and most record classes a command imports are never built
    through ``__init__`` (the store's makers set the slots; many classes are not built at all): done for every
    class at import, it was ~5 ms of a report's start-up (issue 17)."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        _compile_init(cls)(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    __init__.__frozen_init__ = (names, defaults)  # type: ignore[attr-defined]
    return __init__


def _compile_init(cls: Any) -> Any:
    """The real ``__init__`` of ``cls`` (or of the @frozen class it derives from), compiled and put in place of
    ``_first_init``'s if that is still there."""
    owner = next(klass for klass in cls.__mro__ if "__init__" in klass.__dict__)
    init = owner.__dict__["__init__"]
    pending = getattr(init, "__frozen_init__", None)
    if pending is None:
        return init
    init = _init(owner, *pending)
    type.__setattr__(owner, "__init__", init)
    return init


def _init(cls: Any, names: tuple[str, ...], defaults: dict[str, object]) -> Any:
    """A straight-line ``__init__`` storing each argument through its slot's descriptor (as collect/_records.py).
    Field names are the class's own identifiers; default values are passed in as objects, never as text."""
    # internal names start with __frozen_ so that no field name (even "self") can clash with them
    namespace: dict[str, object] = {"__frozen_unset": _Factory}  # the marker of an argument not given
    params = []
    body = []
    for i, name in enumerate(names):
        namespace[f"__frozen_s{i}"] = cls.__dict__[name].__set__
        default = defaults.get(name, _REQUIRED)
        if isinstance(default, _Factory):
            namespace[f"__frozen_d{i}"] = default.make
            params.append(f"{name}=__frozen_unset")
            body.append(
                f"    __frozen_s{i}(__frozen_self, __frozen_d{i}() if {name} is __frozen_unset else {name})"
            )
            continue
        if default is not _REQUIRED:
            namespace[f"__frozen_d{i}"] = default
            params.append(f"{name}=__frozen_d{i}")
        else:
            params.append(name)
        body.append(f"    __frozen_s{i}(__frozen_self, {name})")
    if "__post_init__" in cls.__dict__:
        body.append("    __frozen_self.__post_init__()")
    source = f"def __init__(__frozen_self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    # generated from the class's own field names (see above): nothing read from a file or the user reaches it
    exec(source, namespace)  # noqa: S102  # nosec B102
    init: Any = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _repr(self: Any) -> str:
    names: tuple[str, ...] = getattr(type(self), _FIELDS)
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
    return f"{type(self).__qualname__}({inner})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return self.__frozen_values__(self) == self.__frozen_values__(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self.__frozen_values__(self))


def _setattr(self: Any, name: str, value: object) -> None:
    raise _frozen_error(self, name)


def _delattr(self: Any, name: str) -> None:
    raise _frozen_error(self, name)


def _frozen_error(self: Any, name: str) -> Exception:
    from dataclasses import FrozenInstanceError  # noqa: PLC0415  (only on this error path)

    return FrozenInstanceError(f"cannot assign to field {name!r}")


def _getstate(self: Any) -> list[object]:
    return [getattr(self, name) for name in getattr(type(self), _FIELDS)]


def _setstate(self: Any, state: list[object]) -> None:
    for name, value in zip(getattr(type(self), _FIELDS), state, strict=True):
        object.__setattr__(self, name, value)


def _getattr(self: Any, name: str) -> Any:
    """Only a miss comes here: ``dataclasses`` asking an instance for the view built on first use."""
    if name in ("__dataclass_fields__", "__dataclass_params__"):
        return getattr(type(self), name)
    raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _same(value: object) -> Callable[[], object]:
    return lambda: value


def _add_dataclass_view(cls: Any, name: str) -> None:
    """``__dataclass_fields__`` (or ``__dataclass_params__``) as ``dataclasses`` made it for a twin class with the
    same annotations and defaults (only read: its methods are never used). The fields alone, which is what
    ``fields``, ``replace`` and ``asdict`` read, come from a twin without generated methods: no ``exec``."""
    import dataclasses  # noqa: PLC0415  (the caller is a dataclasses function: it is imported already)

    names: tuple[str, ...] = getattr(cls, _FIELDS)
    annotations = {name: cls.__annotations__[name] for name in names}
    # a docstring, or dataclasses would compute one with inspect.signature
    namespace: dict[str, object] = {
        "__annotations__": annotations,
        "__module__": cls.__module__,
        "__doc__": cls.__doc__ or cls.__name__,
    }
    for field_name, default in cls.__frozen_defaults__.items():
        # dataclasses refuses an unhashable default (it takes it for a mutable one): handed over as a factory of
        # that same object, which is what every instance shares here (e.g. a read-only MappingProxyType)
        if isinstance(default, _Factory):
            namespace[field_name] = dataclasses.field(default_factory=default.make)
        elif type(default).__hash__ is None:
            namespace[field_name] = dataclasses.field(default_factory=_same(default))
        else:
            namespace[field_name] = default
    if name == "__dataclass_fields__":
        bare: Any = dataclasses.dataclass(init=False, repr=False, eq=False)(type(cls.__name__, (), namespace))
        type.__setattr__(cls, name, bare.__dataclass_fields__)
    else:  # the parameters as @dataclass(frozen=True, slots=True) would record them
        twin: Any = dataclasses.dataclass(frozen=True)(type(cls.__name__, (), namespace))
        type.__setattr__(cls, name, twin.__dataclass_params__)
