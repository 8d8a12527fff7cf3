"""report/jsontext.dumps_indented writes exactly what json.dumps(indent=2,
ensure_ascii=False) writes: the JSON report's bytes are a contract."""

from __future__ import annotations

import enum
import io
import json
from typing import Any

import pytest

from infradoctor.report.jsontext import dump_indented, dumps_indented


class Word(enum.StrEnum):
    A = "a\u00e9"


class Small(enum.IntEnum):
    X = 3


SAMPLES: list[Any] = [
    {},
    [],
    (),
    "plain",
    3,
    None,
    True,
    {"a": [], "b": {}, "c": [1, 2.5, None, True, False]},
    {"text": 'quote " back \\ newline \n tab \t nul \x00 ls \u2028 é 😀 \x7f'},
    {7: "int", 2.5: "float", True: "bool", None: "null", False: "no", -7: "neg"},
    [float("nan"), float("inf"), -float("inf"), 1e300, -0.0, 0.1, 10**30, -(10**20)],
    [[[]], [{}], {"x": [[], {}]}, (1, (2, 3))],
    Word.A,
    Small.X,
    {Word.A: Small.X, "list": [Word.A, Small.X]},
    {"findings": [{"rule": "CMP001", "line": 3, "fix": None, "related": []}] * 3},
]


@pytest.mark.parametrize("obj", SAMPLES, ids=range(len(SAMPLES)))
def test_same_text_as_json_dumps(obj: Any) -> None:
    assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("obj", [{"a": {1, 2}}, [object()], {("tuple", "key"): 1}])
def test_unserialisable_values_raise_type_error(obj: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(obj, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError):
        dumps_indented(obj)


class _Chunks(io.StringIO):
    """A stream that records how many writes it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, s: str) -> int:
        self.writes += 1
        return super().write(s)


def test_big_documents_are_written_in_pieces() -> None:
    doc = {"findings": [{"rule": f"R{i}", "line": i, "related": []} for i in range(3000)]}
    stream = _Chunks()
    dump_indented(doc, stream)
    assert stream.getvalue() == json.dumps(doc, indent=2, ensure_ascii=False)
    assert stream.writes > 3  # never the whole text held as pieces at once
