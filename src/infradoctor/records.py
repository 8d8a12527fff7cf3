"""`record`: a slotted dataclass whose methods are shared closures, not exec'd source.

`dataclasses.dataclass` compiles fresh source for `__init__`, `__repr__`, `__eq__`,
`__hash__`, `__setattr__` and `__delattr__` of every class: about 0.5 ms per frozen class
at import, most of a lint process's import cost. `record` lets `dataclass` collect the
fields (so `fields()`, `replace()`, `asdict()` and `__match_args__` work as before) and
installs generic methods that behave like the generated ones. The generic `__init__` is
slower per instance, so hot classes built per YAML node or per directive stay plain
dataclasses (tests/test_records.py holds the budget).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from reprlib import recursive_repr
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")
_MISSING: Any = dataclasses.MISSING


@overload
def record(cls: type[_T], /) -> type[_T]: ...


@overload
def record(
    *, frozen: bool = False, kw_only: bool = False, eq: bool = True, unsafe_hash: bool = False
) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record(
    cls: type[_T] | None = None,
    /,
    *,
    frozen: bool = False,
    kw_only: bool = False,
    eq: bool = True,
    unsafe_hash: bool = False,
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """`@dataclass(slots=True, ...)` with the same behaviour and no exec per class."""

    def wrap(c: type[_T]) -> type[_T]:
        return _build(c, frozen=frozen, kw_only=kw_only, eq=eq, unsafe_hash=unsafe_hash)

    return wrap if cls is None else wrap(cls)


def _build(cls: type[_T], *, frozen: bool, kw_only: bool, eq: bool, unsafe_hash: bool) -> type[_T]:
    """Collect fields with `dataclass` (no generated methods), then add the shared ones."""
    own = cls.__dict__
    typed = all(isinstance(t, str) for t in own.get("__annotations__", {}).values())
    if not typed or any(k in own for k in ("__eq__", "__hash__", "__init__")):
        # dataclass honours an explicit method and derives __doc__ from annotations
        # (`_doc` copies that for string annotations only).
        return dataclasses.dataclass(
            cls, slots=True, frozen=frozen, kw_only=kw_only, eq=eq, unsafe_hash=unsafe_hash
        )
    # dataclass checks a subclass is frozen like its dataclass bases: it then generates
    # __setattr__/__delattr__ itself (two small execs), the rest is shared.
    inherit = frozen and any(hasattr(b, "__dataclass_params__") for b in cls.__mro__[1:])
    documented = bool(own.get("__doc__"))
    if not documented:
        cls.__doc__ = "-"  # spares dataclass an inspect.signature() replaced below
    new: Any = dataclasses.dataclass(
        cls, init=False, repr=False, eq=False, slots=True, kw_only=kw_only, frozen=inherit
    )
    fields = dataclasses.fields(new)
    new.__init__ = _init(fields, frozen)
    if not documented:
        new.__doc__ = _doc(new.__name__, fields)
    if "__repr__" not in own:
        new.__repr__ = _repr(tuple(f.name for f in fields if f.repr))
    if eq:
        compared = tuple(f.name for f in fields if f.compare)
        new.__eq__ = _eq(compared)
        hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
        new.__hash__ = _hash(hashed) if frozen or unsafe_hash else None
    if frozen and not inherit:
        _freeze(new, tuple(f.name for f in fields))
    params = new.__dataclass_params__
    params.init, params.repr, params.eq = True, True, eq
    params.frozen, params.unsafe_hash = frozen, unsafe_hash
    result: type[_T] = new
    return result


def _init(fields: tuple[dataclasses.Field[Any], ...], frozen: bool) -> Callable[..., None]:
    """One `__init__` binding positional then keyword arguments like the generated one."""
    args = tuple(f for f in fields if f.init)
    positional = tuple(f.name for f in args if not f.kw_only)
    names = frozenset(f.name for f in args)
    later: tuple[tuple[str, Any, Any, bool], ...]
    later = tuple((f.name, f.default, f.default_factory, f.init) for f in fields)
    count = len(positional)
    simple = len(args) == len(fields) == count
    setter = object.__setattr__

    def __init__(self: Any, *values: Any, **kwargs: Any) -> None:
        if simple and not kwargs and len(values) == count:
            for name, value in zip(positional, values, strict=False):
                setter(self, name, value)
        else:
            _bind(self, values, kwargs)
        post = getattr(self, "__post_init__", None)
        if post is not None:
            post()

    def _bind(self: Any, values: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if len(values) > count:
            raise TypeError(
                f"__init__() takes {count + 1} positional arguments but {len(values) + 1} were given"
            )
        given = dict(zip(positional, values, strict=False))
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"__init__() got an unexpected keyword argument '{name}'")
            if name in given:
                raise TypeError(f"__init__() got multiple values for argument '{name}'")
            given[name] = value
        for name, default, factory, init in later:
            if init and name in given:
                value = given[name]
            elif default is not _MISSING:
                value = default
            elif factory is not _MISSING:
                value = factory()
            elif not init:
                continue
            else:
                raise TypeError(f"__init__() missing 1 required argument: '{name}'")
            setter(self, name, value)

    return __init__


def _doc(name: str, fields: tuple[dataclasses.Field[Any], ...]) -> str:
    """The `__doc__` dataclass derives from the generated `__init__` signature."""
    parts: list[str] = []
    star = False
    for f in fields:
        if not f.init:
            continue
        if f.kw_only and not star:
            parts.append("*")
            star = True
        text = f"{f.name}: {f.type!r}"
        if f.default is not _MISSING:
            text += f" = {f.default!r}"
        elif f.default_factory is not _MISSING:
            text += " = <factory>"
        parts.append(text)
    return f"{name}({', '.join(parts)})"


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    @recursive_repr()
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{self.__class__.__qualname__}({inner})"

    return __repr__


def _eq(names: tuple[str, ...]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            mine = tuple([getattr(self, n) for n in names])
            return mine == tuple([getattr(other, n) for n in names])
        return NotImplemented

    return __eq__


def _hash(names: tuple[str, ...]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(tuple(getattr(self, n) for n in names))

    return __hash__


def _freeze(cls: Any, order: tuple[str, ...]) -> None:
    """Assignment raises FrozenInstanceError as on a frozen dataclass; pickling still works."""

    names = frozenset(order)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, n) for n in order]

    def __setstate__(self: Any, state: list[Any]) -> None:
        for n, value in zip(order, state, strict=True):
            object.__setattr__(self, n, value)

    cls.__setattr__, cls.__delattr__ = __setattr__, __delattr__
    cls.__getstate__, cls.__setstate__ = __getstate__, __setstate__
