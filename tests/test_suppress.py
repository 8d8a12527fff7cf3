"""Inline suppressions: per line, the line before, file-wide, and unused-suppression
reporting (IDX001) in YAML, nginx and Dockerfile comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.model.source import FileKind, SourceFile
from infradoctor.rules.meta import UnusedSuppression
from infradoctor.suppress import parse_suppressions
from tests.report import fakes

COMPOSE = """\
services:
  web:
    image: BAD  # infradoctor: ignore[TST001]
    # infradoctor: ignore[TST002]
    command: WARN
    environment:
      A: BAD
"""

NGINX = """\
events {}
http {
    server {
        # infradoctor: ignore[marker-error]

        server_name BAD;
        listen 80;  #infradoctor:ignore
        root /srv/NOTE;
    }
}
"""

DOCKERFILE = """\
FROM python:3.12
# infradoctor: ignore-file[TST003]
RUN echo NOTE
RUN echo BAD
CMD ["echo", "NOTE"]  # infradoctor: ignore[TST001,TST002]
"""


@pytest.fixture(autouse=True)
def _fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.install(monkeypatch)


def _src(text: str, path: str = "compose.yaml") -> SourceFile:
    return SourceFile(path, Path(path), FileKind.COMPOSE, text)


def _keys(findings) -> list[tuple[str, str, int]]:
    return sorted((f.rule, f.location.file, f.location.line) for f in findings)


def test_parse_trailing_preceding_and_file_wide() -> None:
    sups = parse_suppressions(_src(COMPOSE))
    assert [(s.line, s.codes, s.target_line, s.file_wide) for s in sups] == [
        (3, ("TST001",), 3, False),
        (4, ("TST002",), 5, False),
    ]
    sups = parse_suppressions(_src(NGINX, "nginx.conf"))
    # alone on line 4: skips the blank line and targets line 6
    assert [(s.line, s.codes, s.target_line) for s in sups] == [
        (4, ("marker-error",), 6),
        (7, (), 7),
    ]
    sups = parse_suppressions(_src(DOCKERFILE, "Dockerfile"))
    assert [(s.codes, s.file_wide, s.target_line) for s in sups] == [
        (("TST003",), True, None),
        (("TST001", "TST002"), False, 5),
    ]


def test_hash_inside_word_is_not_a_comment() -> None:
    assert parse_suppressions(_src("image: a#infradoctor: ignore\n")) == []
    assert parse_suppressions(_src("a: 1;# infradoctor: ignore[X]\n"))[0].codes == ("X",)


def test_suppressions_across_file_kinds(tree) -> None:
    root = tree({"compose.yaml": COMPOSE, "nginx/nginx.conf": NGINX, "Dockerfile": DOCKERFILE})
    result = lint(root, LintConfig(), with_fixes=False)
    assert {"compose.yaml", "nginx/nginx.conf", "Dockerfile"} <= set(result.stack.files)
    assert _keys(result.suppressed) == [
        ("TST001", "compose.yaml", 3),
        ("TST001", "nginx/nginx.conf", 6),
        ("TST002", "compose.yaml", 5),
        ("TST003", "Dockerfile", 3),
        ("TST003", "Dockerfile", 5),
    ]
    kept = [(f.rule, f.location.file, f.location.line) for f in result.findings]
    assert ("TST001", "compose.yaml", 7) in kept  # no suppression there
    assert ("TST001", "Dockerfile", 4) in kept
    assert ("TST003", "nginx/nginx.conf", 8) in kept
    unused = [f for f in result.findings if f.rule == "IDX001"]
    # nginx line 7: bare ignore with nothing on it; Dockerfile line 5: TST001/TST002 unused
    assert sorted((f.location.file, f.location.line) for f in unused) == [
        ("Dockerfile", 5),
        ("nginx/nginx.conf", 7),
    ]
    docker_unused = next(f for f in unused if f.location.file == "Dockerfile")
    assert "TST001, TST002" in docker_unused.message
    assert docker_unused.severity.label == "info"
    assert docker_unused.location.column == 23
    assert result.stats()["suppressed"] == 5


def test_unused_not_reported_when_rule_not_selected(tree) -> None:
    root = tree(
        {
            "compose.yaml": "services:\n  a:\n    image: x  # infradoctor: ignore[TST001]\n"
            "    command: y  # infradoctor: ignore\n"
        }
    )
    only_info = lint(root, LintConfig(select=["TST003", "IDX001"]), with_fixes=False)
    assert only_info.findings == []  # TST001 didn't run; bare ignore: not every rule ran
    everything = lint(root, LintConfig(), with_fixes=False)
    assert [(f.rule, f.location.line) for f in everything.findings] == [
        ("IDX001", 3),
        ("IDX001", 4),
    ]
    switched_off = lint(root, LintConfig(report_unused_suppressions=False), with_fixes=False)
    assert switched_off.findings == []
    idx_ignored = lint(root, LintConfig(ignore=["IDX001"]), with_fixes=False)
    assert idx_ignored.findings == []


def test_idx001_in_code_list_keeps_suppression_quiet(tree) -> None:
    root = tree(
        {"compose.yaml": "services:\n  a:\n    image: x  # infradoctor: ignore[TST001, IDX001]\n"}
    )
    result = lint(root, LintConfig(), with_fixes=False)
    assert result.findings == []
    assert [f.rule for f in result.suppressed] == ["IDX001"]


def test_unknown_code_reported_once(tree, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree({"compose.yaml": "services:\n  a:\n    image: x  # infradoctor: ignore[TST999]\n"})
    result = lint(root, LintConfig(), with_fixes=False)
    assert [(f.rule, f.message) for f in result.findings] == [
        ("IDX001", "suppression names unknown rule code TST999")
    ]
    # when the registry lists IDX001 the rule's own check reports it, not apply_suppressions
    fakes.install(monkeypatch, (*fakes.FAKE_RULES, UnusedSuppression))
    result = lint(root, LintConfig(), with_fixes=False)
    assert [(f.rule, f.message) for f in result.findings] == [
        ("IDX001", "suppression names unknown rule code TST999")
    ]


def test_prefix_and_name_tokens(tree) -> None:
    root = tree(
        {
            "compose.yaml": "services:\n  a:\n    image: BAD WARN # infradoctor: ignore[TST]\n"
            "    command: BAD # infradoctor: ignore[marker-error]\n"
        }
    )
    result = lint(root, LintConfig(), with_fixes=False)
    assert result.findings == []
    assert len(result.suppressed) == 3


def test_severity_override_applies_to_idx001(tree) -> None:
    root = tree({"compose.yaml": "services:\n  a:\n    image: x  # infradoctor: ignore[TST001]\n"})
    from infradoctor.findings import Severity

    cfg = LintConfig(severity_overrides={"IDX001": Severity.WARNING})
    result = lint(root, cfg, with_fixes=False)
    assert [f.severity for f in result.findings] == [Severity.WARNING]


def test_idx001_examples_hold_when_registered(tree, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the registry lists the meta rule, the generic example harness (select only the
    rule, unused-suppression reporting off) still sees the bad example fire."""
    fakes.install(monkeypatch, (*fakes.FAKE_RULES, UnusedSuppression))
    cfg = LintConfig(select=["IDX001"], report_unused_suppressions=False)
    for example in UnusedSuppression.examples:
        bad = lint(tree(example.bad, name="bad"), cfg, with_fixes=False)
        assert [f.rule for f in bad.findings] == ["IDX001"]
        good = lint(tree(example.good, name="good"), cfg, with_fixes=False)
        assert good.findings == [] and good.errors == []
