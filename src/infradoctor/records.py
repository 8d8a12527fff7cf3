"""`record`: a slotted dataclass whose methods are shared closures, not exec'd source.

`dataclasses.dataclass` compiles fresh source for `__init__`, `__repr__`, `__eq__`,
`__hash__`, `__setattr__` and `__delattr__` of every class: about 0.5 ms per frozen class
at import, most of a lint process's import cost. `record` lets `dataclass` collect the
fields (so `fields()`, `replace()`, `asdict()` and `__match_args__` work as before) and
installs generic methods that behave like the generated ones. The generic `__init__` is
slower per instance, so classes built per YAML node, directive or finding use
`record(hot=True)`: their `__init__` alone is compiled (one exec, as fast per instance as
dataclass's), the rest shared (tests/test_records*.py hold the budget).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")
_MISSING: Any = dataclasses.MISSING


@overload
def record(cls: type[_T], /) -> type[_T]: ...


@overload
def record(
    *,
    frozen: bool = False,
    kw_only: bool = False,
    eq: bool = True,
    unsafe_hash: bool = False,
    hot: bool = False,
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
    hot: bool = False,
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """`@dataclass(slots=True, ...)` with the same behaviour and no exec per class
    (`hot`: one, a compiled `__init__`, for classes built thousands of times)."""

    def wrap(c: type[_T]) -> type[_T]:
        options = {"frozen": frozen, "kw_only": kw_only, "eq": eq, "unsafe_hash": unsafe_hash}
        return _build(c, hot=hot, **options)

    return wrap if cls is None else wrap(cls)


def _build(
    cls: type[_T], *, frozen: bool, kw_only: bool, eq: bool, unsafe_hash: bool, hot: bool
) -> type[_T]:
    """Collect fields with `dataclass` (no generated methods), then add the shared ones."""
    own = cls.__dict__
    annotations = own.get("__annotations__", {})
    typed = all(isinstance(t, str) for t in annotations.values())
    odd = "self" in annotations or any("InitVar" in t for t in annotations.values() if typed)
    if not typed or odd or any(k in own for k in ("__eq__", "__hash__", "__init__")):
        # dataclass honours an explicit method and derives __doc__ from annotations
        # (`_doc` copies that for string annotations only).
        return dataclasses.dataclass(
            cls, slots=True, frozen=frozen, kw_only=kw_only, eq=eq, unsafe_hash=unsafe_hash
        )
    documented = bool(own.get("__doc__"))
    if not documented:
        cls.__doc__ = "-"  # spares dataclass an inspect.signature() replaced below
    with _BUILD_LOCK, _bases_unfrozen(cls, frozen):
        new: Any = dataclasses.dataclass(
            cls, init=False, repr=False, eq=False, slots=True, kw_only=kw_only
        )
    fields = dataclasses.fields(new)
    new.__init__ = _compiled_init(new, fields, frozen) if hot else _init(fields, frozen)
    if not documented:
        new.__doc__ = _doc(new.__name__, fields)
    if "__repr__" not in own:
        new.__repr__ = _repr(tuple(f.name for f in fields if f.repr))
    if eq:
        compared = tuple(f.name for f in fields if f.compare)
        new.__eq__ = _eq(compared)
        hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
        new.__hash__ = _hash(hashed) if frozen or unsafe_hash else None
    if frozen:
        _freeze(new, tuple(f.name for f in fields))
    params = new.__dataclass_params__
    params.init, params.repr, params.eq = True, True, eq
    params.frozen, params.unsafe_hash = frozen, unsafe_hash
    result: type[_T] = new
    return result


# `_bases_unfrozen` lowers a shared base's flag for a moment: two threads building
# records over one base (a lazy import in a diagnose collector) must not interleave.
_BUILD_LOCK = threading.RLock()


@contextmanager
def _bases_unfrozen(cls: type, frozen: bool) -> Iterator[None]:
    """Let `dataclass` collect a frozen class's fields without generating its
    __setattr__/__delattr__ (two execs; `_freeze` installs shared ones): it refuses a
    non-frozen class over frozen dataclass bases, so their flag is lowered meanwhile.
    Its two TypeErrors (frozen over non-frozen bases and the reverse) still happen."""
    params = [getattr(b, "__dataclass_params__", None) for b in cls.__mro__[1:]]
    lowered = [p for p in params if frozen and p is not None and p.frozen]
    if frozen and not lowered and any(p is not None for p in params):
        raise TypeError("cannot inherit frozen dataclass from a non-frozen one")
    for p in lowered:
        p.frozen = False
    try:
        yield
    finally:
        for p in lowered:
            p.frozen = True


_FACTORY = object()  # the default of an argument whose field has a default_factory


def _compiled_init(
    cls: type, fields: tuple[dataclasses.Field[Any], ...], frozen: bool
) -> Callable[..., None]:
    """The `__init__` dataclass would generate, compiled in one exec (a hot class's
    instances are built per node or directive: a generic one is too slow there)."""
    names: dict[str, Any] = {"__setter": object.__setattr__, "__FACTORY": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in fields:
        default = f"__dflt_{f.name}"
        if f.default_factory is not _MISSING:
            names[default] = f.default_factory
            value = f"{default}() if {f.name} is __FACTORY else {f.name}"
            arg = f"{f.name}=__FACTORY"
        elif f.default is not _MISSING:
            names[default] = f.default
            value, arg = f.name, f"{f.name}={default}"
        else:
            value, arg = f.name, f.name
        if f.init:
            (keyword if f.kw_only else positional).append(arg)
        elif f.default_factory is not _MISSING:
            value = f"{default}()"
        elif f.default is not _MISSING:
            value = default
        else:
            continue
        body.append(
            f"__setter(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}"
        )
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    args = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    exec(f"def __init__({args}):\n " + "\n ".join(body or ["pass"]), names)
    init: Callable[..., None] = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {f.name: f.type for f in fields if f.init} | {"return": None}
    return init


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


def _values(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of an instance's field values (attrgetter: C speed, hot __eq__/__hash__)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        single = attrgetter(names[0])
        return lambda obj: (single(obj),)
    return lambda obj: ()


def _eq(names: tuple[str, ...]) -> Callable[[Any, Any], Any]:
    values = _values(names)

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(names: tuple[str, ...]) -> Callable[[Any], int]:
    values = _values(names)

    def __hash__(self: Any) -> int:
        return hash(values(self))

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
