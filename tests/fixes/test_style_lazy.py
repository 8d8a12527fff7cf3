"""`Style.lazy` learns a file's sequence indentation and quote preference only when a fix
needs them: the same style as `Style.of`, and the same inserted text, either way."""

from __future__ import annotations

from typing import Any

import pytest

from infradoctor.fixes import yaml_edit as ye
from tests.conftest import require_corpus

SINGLE = "a:\n- x\nb: 'q'\nc: 'r'\nd: \"s\"\n"  # unindented sequences, single quotes


def _corpus_yaml() -> list[str]:
    texts = []
    for path in sorted(require_corpus().rglob("*.y*ml")):
        if path.is_file() and path.stat().st_size < 100_000:
            try:
                texts.append(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, OSError):
                continue
    return texts


def test_lazy_style_is_the_eager_one_on_the_corpus() -> None:
    checked = 0
    for text in _corpus_yaml():
        try:
            docs = ye.parse_documents(text)
        except ye.YamlEditError:
            continue
        assert ye.Style.lazy(text, docs) == ye.Style.of(text, docs)
        checked += 1
    assert checked > 500


def test_plain_inserts_never_learn_the_style() -> None:
    docs = ye.parse_documents(SINGLE)
    style = ye.Style.lazy(SINGLE, docs)
    mapping = docs[0]
    ye.insert_keys(SINGLE, mapping, {"restart": "unless-stopped", "n": 3}, style=style)
    assert style._source is not None  # nothing needed the walk
    assert style.unit == 2


@pytest.mark.parametrize(
    "entries",
    [
        {"e": {"k": "needs: quoting"}},
        {"e": ["CMD", "x"]},
        {"e": {"list": [{"a": "b # c"}]}},
        {"e": "plain", "f": ye.Raw('"10m"')},
    ],
)
def test_inserted_text_is_what_the_learnt_style_writes(entries: dict[str, Any]) -> None:
    docs = ye.parse_documents(SINGLE)
    lazy = ye.insert_keys(SINGLE, docs[0], entries, style=ye.Style.lazy(SINGLE, docs))
    eager_style = ye.Style.of(SINGLE, docs)
    assert eager_style == ye.Style(2, False, "'")
    eager = ye.insert_keys(SINGLE, docs[0], entries, style=eager_style)
    assert [(e.start, e.end, e.replacement) for e in lazy] == [
        (e.start, e.end, e.replacement) for e in eager
    ]
    assert lazy[0].replacement == "\n" + ye._render_block(entries, 0, eager_style)
