"""Judgement of the single-file Compose rules (CMP001-CMP009) on small stacks: what is a
one-shot job, which log settings are bounded, how JVM heaps compare to limits, ..."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
from infradoctor.rules.compose._util import parse_size
from infradoctor.syntax.numbers import go_duration as parse_duration

Tree = Callable[..., Path]


def findings(tree: Tree, files: Mapping[str, str], code: str) -> list[Finding]:
    result = lint(
        tree(files), LintConfig(select=[code], report_unused_suppressions=False), with_fixes=False
    )
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return [f for f in result.findings if f.rule == code]


def compose(body: str) -> dict[str, str]:
    return {"docker-compose.yml": "services:\n" + body}


# ---------------------------------------------------------------- CMP001


# ---------------------------------------------------------------- CMP002


# ---------------------------------------------------------------- CMP003 / CMP004


# ---------------------------------------------------------------- CMP005 / CMP006


def test_size_parsing() -> None:
    assert parse_size("512m") == 512 * 1024**2
    assert parse_size("1.5GB") == int(1.5 * 1024**3)
    assert parse_size("1g") == 1024**3
    assert parse_size(268435456) == 268435456
    assert parse_size("lots") is None


# ---------------------------------------------------------------- CMP007


# ---------------------------------------------------------------- CMP008


def test_duration_parsing() -> None:
    assert parse_duration("1m30s") == 90
    assert parse_duration("500ms") == 0.5
    assert parse_duration("0") == 0
    assert parse_duration("30") is None
    assert parse_duration("10sec") is None
    assert parse_duration("") is None


# ---------------------------------------------------------------- CMP009
