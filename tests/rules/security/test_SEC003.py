"""SEC003 no-new-privileges-missing: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from tests.rules.security.test_security_helpers import Tree, compose, findings


@pytest.mark.parametrize(
    "opt", ["no-new-privileges:true", "no-new-privileges", "no-new-privileges=true"]
)
def test_sec003_spellings(tree: Tree, opt: str) -> None:
    files = compose(f"  api:\n    image: acme/api:1\n    security_opt:\n      - {opt}\n")
    assert findings(tree, files, "SEC003") == []


def test_sec003_other_security_opts_point_at_the_key(tree: Tree) -> None:
    files = compose(
        "  api:\n    image: acme/api:1\n    security_opt:\n      - seccomp:unconfined\n"
    )
    hits = findings(tree, files, "SEC003")
    assert len(hits) == 1 and hits[0].location.line == 4
