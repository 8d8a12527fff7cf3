"""Listing a build context (XF004's search for entrypoint scripts) on odd contexts. Fuzz
round 6 (seed 2036, input #105436): a 100 KB build context raised ENAMETOOLONG and crashed
the rule. Listing never raises and never leaves the scanned tree."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders.disk_facts import subdirs as _subdirs
from tests.conftest import write_tree


def _internal(result: object) -> list[object]:
    return [e for e in result.errors if e.kind == "internal"]  # type: ignore[attr-defined]


def test_odd_build_contexts_are_listed_without_raising(tmp_path: Path) -> None:
    """A name too long for the OS and a NUL byte in a context: no internal error."""
    long = ".x" + ",x" * 200
    write_tree(
        tmp_path,
        {
            "docker-compose.test.yml": (
                "services:\n  tests:\n    build:\n"
                f"      context: {long}\n    command: ./entry.sh\n"
                "    depends_on: [db]\n  db:\n    image: postgres:16\n"
                '  other:\n    build: {context: "a\\0b"}\n    depends_on: [db]\n'
            )
        },
    )
    assert _internal(lint(tmp_path, LintConfig())) == []


def test_subdirs_stay_in_the_tree(tmp_path: Path) -> None:
    """`..` out of the project and over-long names list nothing, never raise."""
    (tmp_path / "root" / "ctx" / "scripts").mkdir(parents=True)
    (tmp_path / "outside" / "secret").mkdir(parents=True)
    root = tmp_path / "root"
    assert _subdirs(root / "ctx", root) == [root / "ctx" / "scripts"]
    assert _subdirs(root / ".." / "outside", root) == []
    assert _subdirs(root / ("x" * 300), root) == []
