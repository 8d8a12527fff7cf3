"""A test that needs the shared corpus fails when it is missing (it is part of CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CORPUS, require_corpus


def test_missing_corpus_fails_instead_of_skipping(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="part of CI"):
        require_corpus(tmp_path / "no-corpus")


def test_the_corpus_is_here() -> None:
    assert require_corpus() == CORPUS
    assert (CORPUS / "MANIFEST.tsv").is_file()
