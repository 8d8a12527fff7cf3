"""`infradoctor docs`: the documentation ships inside the package, and what `--help`,
rule pages and errors point to exists there (not only in a repository checkout)."""

from __future__ import annotations

import re

import pytest

from infradoctor.catalogue import catalogue
from infradoctor.cli import docs
from infradoctor.cli.main import build_parser, main

POINTER = re.compile(r"`infradoctor docs ([a-z-]+)`")


def _help_texts() -> list[str]:
    parser = build_parser()
    texts = [parser.format_help()]
    for action in parser._actions:
        for sub in getattr(action, "choices", None) or {}:
            if isinstance(action.choices, dict):
                texts.append(action.choices[sub].format_help())
    texts += [f"{r.why}\n{r.how_to_fix}" for r in catalogue()]
    return texts


def test_every_page_of_the_repository_docs_is_bundled() -> None:
    names = set(docs.pages())
    assert {"output", "fix", "reading", "diagnose", "helm", "kustomize", "terraform"} <= names


def test_every_pointer_in_help_and_rule_pages_names_a_bundled_page() -> None:
    names = set(docs.pages())
    pointers = {m for text in _help_texts() for m in POINTER.findall(text)}
    assert pointers and pointers <= names, pointers - names


def test_help_never_points_to_a_repository_path() -> None:
    for text in _help_texts():
        assert not re.search(r"\bdocs/[\w-]+\.md\b", text), text[:200]


def test_a_page_prints_and_a_typo_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "output"]) == 0
    assert "SARIF" in capsys.readouterr().out
    assert main(["docs", "outptu"]) == 2
    assert "did you mean output?" in capsys.readouterr().err
