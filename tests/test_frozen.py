"""hostward.frozen: a record class behaves as @dataclass(frozen=True, slots=True) would, field for field."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import modules_after

from hostward.frozen import asdict, field, field_names, frozen, jsonable, record_fields, replace


@frozen
class Point:
    """A record with a required field, defaults and a property."""

    x: int
    label: str = "p"
    tags: tuple[str, ...] = ()

    @property
    def doubled(self) -> int:
        return 2 * self.x


@dataclasses.dataclass(frozen=True, slots=True)
class Twin:
    """The same record as the standard library makes it."""

    x: int
    label: str = "p"
    tags: tuple[str, ...] = ()


@frozen
class Checked:
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


values = st.tuples(st.integers(), st.text(max_size=5), st.lists(st.text(max_size=3), max_size=3).map(tuple))


@given(values, values)
def test_equality_hash_and_repr_are_dataclass_s(
    a: tuple[int, str, tuple[str, ...]], b: tuple[int, str, tuple[str, ...]]
) -> None:
    pa, pb, ta, tb = Point(*a), Point(*b), Twin(*a), Twin(*b)
    assert (pa == pb) == (ta == tb)
    assert (pa != pb) == (ta != tb)
    assert repr(pa).replace("Point", "Twin") == repr(ta)
    if pa == pb:
        assert hash(pa) == hash(pb)
    assert pa != ta  # type: ignore[comparison-overlap]  # another class, even with the same values (as dataclass)
    assert dataclasses.asdict(pa) == dataclasses.asdict(ta)
    assert dataclasses.astuple(pa) == dataclasses.astuple(ta)


def test_defaults_keywords_and_missing_arguments() -> None:
    assert Point(3) == Point(x=3, label="p", tags=())
    assert Point(3).doubled == 6
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword"):
        Point(1, colour="red")  # type: ignore[call-arg]


def test_assignment_and_deletion_are_refused_as_dataclass_does() -> None:
    p = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'x'"):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.label
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.other = 1  # type: ignore[attr-defined]
    assert not hasattr(p, "__dict__")
    assert Point.__dict__["__slots__"] == ("x", "label", "tags") == Point.__match_args__


def test_dataclasses_functions_see_the_fields() -> None:
    p = Point(1, "a", ("t",))
    assert dataclasses.is_dataclass(p) and dataclasses.is_dataclass(Point)
    assert [f.name for f in dataclasses.fields(Point)] == ["x", "label", "tags"]
    assert [f.default for f in dataclasses.fields(p)][1:] == ["p", ()]
    assert dataclasses.fields(Point)[0].default is dataclasses.MISSING
    params = getattr(Point, "__dataclass_params__")  # noqa: B009  (not in the class's static type)
    assert params.frozen and params.eq and params.init and not params.order
    changed = dataclasses.replace(p, label="b")
    assert type(changed) is Point and changed == Point(1, "b", ("t",))
    with pytest.raises(ValueError, match="low above high"):
        dataclasses.replace(Checked(1, 2), low=3)


def test_post_init_pickle_copy_and_match() -> None:
    assert Checked(1, 2).high == 2
    with pytest.raises(ValueError, match="low above high"):
        Checked(3, 2)
    p = Point(5, "q", ("a", "b"))
    assert pickle.loads(pickle.dumps(p)) == p
    assert copy.copy(p) == p and copy.deepcopy(p) == p
    match p:
        case Point(5, label):
            assert label == "q"
        case _:
            pytest.fail("positional match failed")


def test_unsupported_forms_are_refused_at_import() -> None:
    with pytest.raises(TypeError, match="field"):

        @frozen
        class WithField:
            items: list[int] = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError, match="ClassVar"):

        @frozen
        class WithClassVar:
            limit: ClassVar[int] = 3

    with pytest.raises(TypeError, match="follows default"):

        @frozen
        class Order:
            a: int = 1
            b: int  # type: ignore[misc]

    with pytest.raises(TypeError, match="no bases"):

        @frozen
        class Child(Point):
            y: int = 0


def test_a_record_module_does_not_import_dataclasses() -> None:
    imported, _ = modules_after("from hostward.frozen import frozen\n@frozen\nclass A:\n    x: int\nA(1)", "")
    assert "dataclasses" not in imported and "inspect" not in imported


@frozen
class WithTable:
    name: str
    table: Mapping[str, int] = MappingProxyType({})


def test_an_unhashable_shared_default_survives_replace() -> None:
    """dataclasses takes an unhashable default for a mutable one: the view hands it over as a factory."""
    changed = dataclasses.replace(WithTable("a"), name="b")
    assert changed.table is WithTable("c").table and changed.name == "b"
    assert [f.name for f in dataclasses.fields(WithTable)] == ["name", "table"]


made: list[int] = []


def _next_number() -> int:
    made.append(len(made))
    return made[-1]


@frozen
class WithFactory:
    name: str
    number: int = field(default_factory=_next_number)
    tags: tuple[str, ...] = ()


def test_a_factory_default_is_made_per_instance_and_only_when_not_given() -> None:
    made.clear()
    first, second, given = WithFactory("a"), WithFactory("b"), WithFactory("c", 41)
    assert (first.number, second.number, given.number) == (0, 1, 41) and made == [0, 1]
    assert dataclasses.replace(first, name="z").number == 0  # replace passes the value: no new one
    assert made == [0, 1]
    number = dataclasses.fields(WithFactory)[1]
    assert number.default is dataclasses.MISSING and number.default_factory is _next_number


def test_a_mutable_default_is_refused_as_dataclass_refuses_it() -> None:
    for default in ([], {}, set(), bytearray()):
        with pytest.raises(TypeError, match="mutable default"):

            @frozen
            class Shared:
                items: object = default


def test_a_one_field_record_compares_and_hashes_as_a_tuple_of_its_value() -> None:
    @frozen
    class One:
        value: float

    @dataclasses.dataclass(frozen=True, slots=True)
    class Twin:
        value: float

    nan = float("nan")
    assert One(nan) == One(nan) and Twin(nan) == Twin(nan)  # the same nan object, as in a tuple
    assert hash(One(2.5)) == hash(Twin(2.5)) == hash((2.5,))


def test_field_names_cannot_clash_with_the_generated_init() -> None:
    @frozen
    class Odd:
        self: int
        _s1: int = 7
        _d0: int = 8
        _unset: int = 9

    odd = Odd(1, _s1=2)
    assert (odd.self, odd._s1, odd._d0, odd._unset) == (1, 2, 8, 9)


def test_replace_copies_a_dataclass_record_too() -> None:
    @dataclasses.dataclass(frozen=True)
    class Plain:
        a: int
        b: str = "x"

    assert replace(Plain(1), b="y") == Plain(1, "y")


@frozen
class Outer:
    point: Point
    points: tuple[Point, ...]
    table: dict[str, Point]
    twin: Twin | None = None


@dataclasses.dataclass(frozen=True)
class OuterTwin:
    point: Twin
    points: tuple[Twin, ...]
    table: dict[str, Twin]
    twin: Twin | None = None


@given(values, st.lists(values, max_size=3), st.dictionaries(st.text(max_size=3), values, max_size=3))
def test_asdict_is_dataclasses_asdict(
    first: tuple[int, str, tuple[str, ...]],
    more: list[tuple[int, str, tuple[str, ...]]],
    table: dict[str, tuple[int, str, tuple[str, ...]]],
) -> None:
    ours = Outer(
        Point(*first), tuple(Point(*v) for v in more), {k: Point(*v) for k, v in table.items()}, Twin(*first)
    )
    theirs = OuterTwin(
        Twin(*first), tuple(Twin(*v) for v in more), {k: Twin(*v) for k, v in table.items()}, Twin(*first)
    )
    assert asdict(ours) == dataclasses.asdict(theirs)
    assert asdict(Twin(*first)) == dataclasses.asdict(Twin(*first))  # a @dataclass record goes to dataclasses
    assert type(asdict(ours)["points"]) is tuple
    assert jsonable(ours, lambda v: v) == json.loads(json.dumps(dataclasses.asdict(theirs)))  # JSON's shapes


class Span(NamedTuple):
    low: Point
    high: Point


@frozen
class Ranged:
    span: Span


@dataclasses.dataclass(frozen=True)
class RangedTwin:
    span: Span


def test_asdict_walks_named_tuples_as_dataclasses_does() -> None:
    span = Span(Point(1, "a", ()), Point(2, "b", ("c",)))
    plain = asdict(Ranged(span))
    assert plain == dataclasses.asdict(RangedTwin(span))
    assert type(plain["span"]) is Span
    assert plain["span"][0] == {"x": 1, "label": "a", "tags": ()}  # the record inside made a dict
    json.dumps(plain)  # nothing left that JSON cannot write


def test_jsonable_walks_named_tuples_and_hands_the_rest_to_leaf() -> None:
    seen: list[object] = []

    def leaf(value: object) -> object:
        seen.append(value)
        return f"<{value}>" if isinstance(value, str) else value

    span = Span(Point(1, "a", ()), Point(2, "b", ("c",)))
    assert jsonable({1: Ranged(span), "n": None}, leaf) == {
        "1": {"span": [{"x": 1, "label": "<a>", "tags": []}, {"x": 2, "label": "<b>", "tags": ["<c>"]}]},
        "n": None,
    }
    assert seen == [1, "a", 2, "b", "c", None]


def test_asdict_imports_no_dataclasses() -> None:
    code = (
        "from hostward.frozen import asdict, frozen\n"
        "@frozen\nclass In:\n    a: int\n"
        "@frozen\nclass Out:\n    inner: In\n    rows: tuple[In, ...]\n"
        "print(asdict(Out(In(1), (In(2),))))"
    )
    imported, printed = modules_after(code, "")
    assert printed.strip() == "{'inner': {'a': 1}, 'rows': ({'a': 2},)}"
    assert "dataclasses" not in imported


def test_record_fields_names_the_fields_of_records_only() -> None:
    assert record_fields(Point(1)) == ("x", "label", "tags")
    assert record_fields(Twin(1)) == ("x", "label", "tags")  # a @dataclass instance, through dataclasses
    assert record_fields(Point) is None and record_fields(Twin) is None  # classes are not records
    assert record_fields((1, 2)) is None and record_fields("x") is None and record_fields(None) is None


def test_init_is_compiled_on_first_use_and_signatures_read_the_real_one() -> None:
    # frozen._first_init: most record classes a command imports are never built through __init__ (issue 17).
    import inspect

    @frozen
    class Lazy:
        a: int
        b: str = "x"

    assert hasattr(Lazy.__dict__["__init__"], "__frozen_init__")  # not compiled yet
    assert str(inspect.signature(Lazy)) == "(a, b='x')"  # asking compiles it
    assert not hasattr(Lazy.__dict__["__init__"], "__frozen_init__")

    @frozen
    class Built:
        a: int
        b: tuple[int, ...] = field(default_factory=tuple)

    first = Built(1)
    assert not hasattr(Built.__dict__["__init__"], "__frozen_init__")
    assert first == Built(a=1, b=())
    assert repr(Built(2, (3,))).endswith("Built(a=2, b=(3,))")
    with pytest.raises(TypeError):
        Built()  # type: ignore[call-arg]

    @frozen
    class Base:
        a: int

    class Derived(Base):
        pass

    assert str(inspect.signature(Derived)) == "(a)"
    assert Derived(5).a == 5 and not hasattr(Base.__dict__["__init__"], "__frozen_init__")


def test_a_plain_subclass_has_its_parents_fields() -> None:
    # kernlog's ContinuedLine is a plain (slotted) subclass of a @frozen record: replace and field_names see the
    # parent's fields through it (they looked in the subclass's own __dict__ and raised KeyError).
    @frozen
    class Line:
        number: int
        text: str

    class Continued(Line):
        __slots__ = ()

    assert field_names(Continued) == ("number", "text")
    moved = replace(Continued(1, "a"), number=2)
    assert type(moved) is Continued and (moved.number, moved.text) == (2, "a")


def test_the_house_helpers_take_a_named_tuple_record() -> None:
    """collect.cpu.CpuTimes is a named tuple (issue 17): the helpers code and tests use on records name its
    fields, copy it with changes and keep its type."""
    from hostward.collect.cpu import CPU_FIELDS, CpuTimes

    line = CpuTimes(1, 2, 3)
    assert field_names(CpuTimes) == CPU_FIELDS
    changed = replace(line, idle=9)
    assert changed == CpuTimes(1, 2, 3, 9) and type(changed) is CpuTimes
    with pytest.raises(ValueError):
        replace(line, not_a_field=1)
    assert record_fields(line) is None  # as every named tuple: a list in JSON (jsonable), not a record
