"""record(hot=True) (a compiled `__init__`, shared rest) behaves like the dataclass it
replaces, and a frozen record over frozen bases compiles nothing."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pytest

from infradoctor.records import record
from tests.test_records import VARIANTS, _make, _make_undocumented


@pytest.mark.parametrize("options", VARIANTS, ids=lambda o: ",".join(o) or "plain")
def test_hot_record_matches_dataclass(options: dict[str, bool]) -> None:
    plain = _make(dataclass(slots=True, **options))
    hot = _make(record(hot=True, **options))
    p, h = plain(a=1, b="y"), hot(a=1, b="y")
    assert repr(p) == repr(h)
    assert (p == plain(a=1, b="y")) == (h == hot(a=1, b="y"))
    assert (p == plain(a=2)) == (h == hot(a=2))
    assert (p != plain(a=1, b="y", e=9)) == (h != hot(a=1, b="y", e=9))  # e: compare=False
    assert (plain.__hash__ is None) == (hot.__hash__ is None)
    if plain.__hash__ is not None and options.get("eq", True):
        assert hash(plain(a=1, c=(1,))) == hash(hot(a=1, c=(1,)))
    assert [x.name for x in dataclasses.fields(plain)] == [x.name for x in dataclasses.fields(hot)]
    assert plain.__match_args__ == hot.__match_args__
    assert plain.__doc__ == hot.__doc__
    assert repr(plain.__dataclass_params__) == repr(hot.__dataclass_params__)
    assert repr(dataclasses.replace(p, a=5)) == repr(dataclasses.replace(h, a=5))
    assert dataclasses.asdict(p) == dataclasses.asdict(h)
    assert repr(copy.deepcopy(h)) == repr(h)
    assert copy.copy(h) == h or not options.get("eq", True)
    assert not hasattr(h, "__dict__")
    assert h.d == 7 and h.c == [] and hot(a=1).c is not hot(a=1).c  # fresh factory value
    bare = _make_undocumented(dataclass(slots=True, **options)).__doc__
    assert _make_undocumented(record(hot=True, **options)).__doc__ == bare
    if not options.get("kw_only"):
        assert repr(plain(1, "z", [2], 4)) == repr(hot(1, "z", [2], 4))
    if options.get("frozen"):
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'a'"):
            h.a = 2
    assert hot.__init__.__qualname__.endswith("Sample.__init__")


def test_hot_record_argument_errors_like_dataclass() -> None:
    plain = _make(dataclass(slots=True, frozen=True))
    hot = _make(record(frozen=True, hot=True))
    for args, kwargs in [((), {}), ((1,), {"z": 2}), ((1,), {"a": 2}), ((1, "b", [], 3, 9), {})]:
        with pytest.raises(TypeError) as want:
            plain(*args, **kwargs)
        with pytest.raises(TypeError) as got:
            hot(*args, **kwargs)
        assert str(got.value).split("() ", 1)[1] == str(want.value).split("() ", 1)[1]
    with pytest.raises(TypeError):
        _make(record(frozen=True, kw_only=True, hot=True))(1)


def test_hot_record_post_init_and_single_field_hash() -> None:
    @record(frozen=True, hot=True)
    class One:
        """One field."""

        n: int

    @record(hot=True)
    class Counted:
        """Doubles on creation."""

        n: int
        seen: list[int] = field(default_factory=list, init=False)

        def __post_init__(self) -> None:
            self.n *= 2

    assert hash(One(3)) == hash((3,)) and One(3) == One(3) and One(3) != One(4)
    assert Counted(3).n == 6 and Counted(3).seen == []


def _generated(cls: Any) -> list[str]:
    return [
        k
        for k, f in vars(cls).items()
        if getattr(f, "__code__", None) is not None and f.__code__.co_filename == "<string>"
    ]


def test_frozen_record_over_frozen_bases_compiles_nothing() -> None:
    @dataclass(frozen=True, slots=True)
    class PlainBase:
        """Plain base."""

        a: int

    @record(frozen=True)
    class Base:
        """Base."""

        a: int

    @record(frozen=True)
    class Child(Base):
        """Child."""

        b: int = 2

    @record(frozen=True)
    class FromPlain(PlainBase):
        """From a plain base."""

        b: int = 2

    assert _generated(Child) == [] and _generated(FromPlain) == []
    for cls in (Child, FromPlain):
        item = cls(1)
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'b'"):
            item.b = 3  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'a'"):
            del item.a  # type: ignore[misc]
        assert copy.deepcopy(item) == item  # via __getstate__/__setstate__
    assert Base.__dataclass_params__.frozen and PlainBase.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert _generated(record(frozen=True, hot=True)(_subclass(Base))) == ["__init__"]


def test_frozen_record_over_a_non_frozen_base_is_refused() -> None:
    @record
    class Loose:
        """Not frozen."""

        a: int

    with pytest.raises(TypeError, match="frozen dataclass from a non-frozen one"):
        record(frozen=True)(_subclass(Loose))


def _subclass(base: Any) -> Any:
    class Sub(base):  # type: ignore[misc]
        """A subclass."""

        z: int = 0

    return Sub
