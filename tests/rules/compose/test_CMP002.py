"""CMP002 json-log-unbounded: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.engine import lint
from tests.conftest import write_tree
from tests.fixes._fix_twice import FUZZ_CONFIG, edits_in_range, fix_twice
from tests.rules.compose.test_compose_helpers import Tree, compose, findings


@pytest.mark.parametrize(
    "logging",
    [
        "    logging:\n      driver: json-file\n      options:\n        max-size: 10m\n",
        "    logging:\n      driver: local\n",
        "    logging:\n      driver: syslog\n",
        '    logging:\n      options:\n        max-size: "50m"\n        max-file: "3"\n',
    ],
)
def test_cmp002_bounded_or_shipped_logs(tree: Tree, logging: str) -> None:
    assert findings(tree, compose("  api:\n    image: acme/api:1\n" + logging), "CMP002") == []


@pytest.mark.parametrize(
    "logging",
    [
        "",
        "    logging:\n      driver: json-file\n",
        '    logging:\n      driver: json-file\n      options:\n        max-file: "3"\n',
        '    logging:\n      driver: json-file\n      options:\n        max-size: "-1"\n',
        '    logging:\n      driver: local\n      options:\n        max-size: "-1"\n',
    ],
)
def test_cmp002_unbounded_logs(tree: Tree, logging: str) -> None:
    hits = findings(tree, compose("  api:\n    image: acme/api:1\n" + logging), "CMP002")
    assert len(hits) == 1
    assert hits[0].data["service"] == "api"


def test_cmp002_shared_anchor_with_merge_key(tree: Tree) -> None:
    files = {
        "docker-compose.yml": (
            "x-common: &common\n  restart: always\n  logging:\n    driver: json-file\n"
            "    options:\n      max-size: 20m\n"
            "services:\n  api:\n    <<: *common\n    image: acme/api:1\n"
            "  worker:\n    <<: *common\n    image: acme/worker:1\n"
        )
    }
    assert findings(tree, files, "CMP002") == []


# ---------------------------------------------------------------- fuzz: logging alias of a null

NULL_LOGGING_ALIAS = {
    "docker-compose.yml": (
        "g: &logging\ne: &base\n logging: *logging\nservices:\n i:\n    <<: *base\n    image:\n"
    )
}


def test_fuzz_fix_twice_is_noop_cmp002_null_logging_alias(tmp_path: Path) -> None:
    """Long mutation-fuzz round (bench/fuzz.py): `logging:` aliasing a null anchor gave
    CMP002 a backwards edit; now every edit is in range and a second fix is a no-op."""
    root = write_tree(tmp_path / "s", NULL_LOGGING_ALIAS)
    edits_in_range(lint(root, FUZZ_CONFIG).findings, root)
    fix_twice(root)


def test_cmp002_no_fix_for_logging_alias_of_null(tmp_path: Path) -> None:
    """The same fuzz input: CMP002 still reports, but offers no fix for a logging block
    that is an alias of a null (there is nothing to edit in place)."""
    root = write_tree(tmp_path / "s", NULL_LOGGING_ALIAS)
    cmp002 = [f for f in lint(root, FUZZ_CONFIG).findings if f.rule == "CMP002"]
    assert cmp002 and all(f.fix is None for f in cmp002)


# ---------------------------------------------------------------- fuzz: an overriding file

PROD_OVERRIDES_LOGGING = {
    "compose.yaml": "services:\n api:\n  image:",
    "compose.prod.yaml": "e: &base\n logging: t\nservices:\n api: *base",
}


def test_cmp002_no_fix_under_overriding_file(tmp_path: Path) -> None:
    """The merged reading takes `logging` from compose.prod.yaml (written through an
    alias there): a fix in compose.yaml cannot resolve it, so none is offered. Third long
    fuzz round: the fix was written and the re-lint still reported it."""
    root = write_tree(tmp_path / "s", PROD_OVERRIDES_LOGGING)
    findings = [f for f in lint(root, FUZZ_CONFIG).findings if f.rule == "CMP002"]
    prod = [f for f in findings if f.location.file == "compose.prod.yaml"]
    assert prod and all(f.fix is None for f in prod)
    base = [f for f in findings if f.location.file == "compose.yaml"]
    assert base and all(f.fix is not None for f in base)
    fix_twice(root)
