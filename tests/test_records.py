"""records.record behaves like @dataclass(slots=True, ...) and keeps exec'd classes few.

The budget test counts, instead of timing, the classes whose `__init__` was compiled
from generated source (`<string>`) when a lint process imports its modules: each costs
about 0.5 ms of start-up. Hot classes (built per YAML node, directive or finding) use
`record(hot=True)` (only their `__init__` compiled), the rest plain `record`.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from infradoctor.records import record

ROOT = Path(__file__).resolve().parents[1]

# Classes with an exec'd __init__ a lint of examples/ may import, and exec'd methods in
# all: 56 and 264 when records.py landed (were 188 classes and about 870 methods); 56
# and 73 once the hot classes became record(hot=True) (17 plain dataclasses left); 54
# and 55 once those (but redact._CommandState) became record(hot=True) too.
EXEC_BUDGET = 57
FUNCTION_BUDGET = 60

VARIANTS: list[dict[str, bool]] = [
    {},
    {"frozen": True},
    {"frozen": True, "kw_only": True},
    {"frozen": True, "eq": False},
    {"eq": False},
    {"unsafe_hash": True},
]


def _make(decorator: Any) -> Any:
    @decorator
    class Sample:
        """A sample."""

        a: int
        b: str = "x"
        c: list[int] = field(default_factory=list)
        d: int = field(init=False, default=7)
        e: int = field(default=3, repr=False, compare=False)

    return Sample


def _make_undocumented(decorator: Any) -> Any:
    @decorator
    class Bare:
        a: int
        b: str = "x"
        c: list[int] = field(default_factory=list)
        d: int = field(init=False, default=7)

    return Bare


@pytest.mark.parametrize("options", VARIANTS, ids=lambda o: ",".join(o) or "plain")
def test_record_matches_dataclass(options: dict[str, bool]) -> None:
    plain = _make(dataclass(slots=True, **options))
    fast = _make(record(**options))
    p, f = plain(a=1, b="y"), fast(a=1, b="y")
    assert repr(p) == repr(f)
    assert (p == plain(a=1, b="y")) == (f == fast(a=1, b="y"))
    assert (p == plain(a=2)) == (f == fast(a=2))
    assert (plain.__hash__ is None) == (fast.__hash__ is None)
    if plain.__hash__ is not None and options.get("eq", True):
        assert hash(plain(a=1, c=(1,))) == hash(fast(a=1, c=(1,)))
    assert [x.name for x in dataclasses.fields(plain)] == [x.name for x in dataclasses.fields(fast)]
    assert plain.__match_args__ == fast.__match_args__
    assert plain.__doc__ == fast.__doc__
    assert repr(plain.__dataclass_params__) == repr(fast.__dataclass_params__)
    assert repr(dataclasses.replace(p, a=5)) == repr(dataclasses.replace(f, a=5))
    assert dataclasses.asdict(p) == dataclasses.asdict(f)
    assert repr(copy.deepcopy(f)) == repr(f)
    assert not hasattr(f, "__dict__")
    bare = _make_undocumented(dataclass(slots=True, **options)).__doc__
    assert _make_undocumented(record(**options)).__doc__ == bare
    if not options.get("kw_only"):
        assert repr(plain(1, "z", [2], 4)) == repr(fast(1, "z", [2], 4))


@pytest.mark.parametrize("options", VARIANTS[1:3])
def test_frozen_record_refuses_assignment(options: dict[str, bool]) -> None:
    item = _make(record(**options))(a=1)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'a'"):
        item.a = 2
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'a'"):
        del item.a


def test_record_argument_errors() -> None:
    sample = _make(record(frozen=True))
    with pytest.raises(TypeError, match="missing 1 required argument: 'a'"):
        sample()
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        sample(a=1, z=2)
    with pytest.raises(TypeError, match="multiple values for argument 'a'"):
        sample(1, a=2)
    with pytest.raises(TypeError, match="positional arguments"):
        sample(1, "b", [], 3, 9)
    with pytest.raises(TypeError):
        _make(record(frozen=True, kw_only=True))(1)


def test_record_post_init_runs() -> None:
    @record
    class Counted:
        """Doubles on creation."""

        n: int

        def __post_init__(self) -> None:
            self.n *= 2

    assert Counted(3).n == 6


def test_record_subclasses_like_dataclass() -> None:
    @record(frozen=True)
    class Base:
        """Base."""

        a: int

    @record(frozen=True)
    class Child(Base):
        """Child."""

        b: int = 2

    @dataclass(frozen=True, slots=True)
    class PlainChild(Base):
        """Plain child."""

        c: int = 3

    @dataclass(frozen=True, slots=True)
    class PlainBase:
        """Plain base."""

        a: int

    @record(frozen=True)
    class RecordChild(PlainBase):
        """Record child."""

        b: int = 2

    assert repr(Child(1)) == "test_record_subclasses_like_dataclass.<locals>.Child(a=1, b=2)"
    assert Child(1) == Child(1, 2) and Child(1) != Child(1, 3) and Child(1) != Base(1)
    assert hash(Child(1)) == hash((1, 2))
    assert repr(PlainChild(1)).endswith("PlainChild(a=1, c=3)")
    assert RecordChild(1, 5).b == 5 and hash(RecordChild(1)) == hash((1, 2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        Child(1).b = 3  # type: ignore[misc]
    with pytest.raises(TypeError, match="non-frozen dataclass from a frozen one"):
        record(_unfrozen_child(Base))


def _unfrozen_child(base: Any) -> Any:
    class Loose(base):  # type: ignore[misc]
        """Not frozen."""

        z: int = 0

    return Loose


def test_model_record_pickles() -> None:
    from infradoctor.subjects import DockerfileSubject

    subject = DockerfileSubject(dockerfile="Dockerfile")
    assert pickle.loads(pickle.dumps(subject)) == subject


_COUNT_EXECED = """
import contextlib, dataclasses, io, json, sys
from infradoctor.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["lint", sys.argv[1], "--format", "json"])
generated = {}
for name, m in list(sys.modules.items()):
    if name.split(".")[0] != "infradoctor":
        continue
    for v in vars(m).values():
        if isinstance(v, type) and v.__module__ == name and dataclasses.is_dataclass(v):
            code = lambda f: getattr(getattr(f, "__code__", None), "co_filename", "")
            methods = [k for k, f in v.__dict__.items() if code(f) == "<string>"]
            generated[f"{name}.{v.__qualname__}"] = methods
print(json.dumps(generated))
"""


def test_lint_imports_few_execed_dataclasses() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _COUNT_EXECED, str(ROOT / "examples")],
        capture_output=True,
        text=True,
        check=True,
    )
    generated: dict[str, list[str]] = json.loads(out.stdout)
    # the count sees exec'd methods: Location is hot and stays a plain dataclass
    assert "__init__" in generated["infradoctor.model.source.Location"]
    execed = sorted(k for k, methods in generated.items() if "__init__" in methods)
    assert len(execed) <= EXEC_BUDGET, execed
    assert sum(map(len, generated.values())) <= FUNCTION_BUDGET
