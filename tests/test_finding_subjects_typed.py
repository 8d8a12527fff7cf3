"""Every finding subject is typed (issue 8): no rule hands `Rule.finding` an untyped
mapping, the K8S rules share `subjects.K8sSubject` shapes, and fixers read subject
attributes (`FixContext.subject`, `Finding.detail_as`), never `finding.data` keys, so a
renamed field is a mypy error instead of a KeyError at fix time."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import pytest

import infradoctor
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Annotated, Finding, Severity
from infradoctor.fixes.context import FixContext, FixUnavailable
from infradoctor.model.source import Location
from infradoctor.rules.base import Rule
from infradoctor.rules.registry import all_rules
from infradoctor.subjects import (
    BlockSubject,
    ContainerSubject,
    K8sSubject,
    ServiceSubject,
    SuppressionCodes,
)
from tests.conftest import write_tree

SRC = Path(infradoctor.__file__).parent
K8S = [r for r in all_rules() if r.code.startswith("K8S")]
# Readers that work across rules by key (file purpose, shared lines, diagnose's lint
# link) keep the dict view; fixers and the fix machinery never read it.
DICT_VIEW_READERS = {"purpose.py", "shared_lines.py", "diagnose/analyzers/static.py"}
DATA_READ = re.compile(r"\b(?:finding|f)\.data\b|\.data(?:\[|\.get\()")


def _bad_findings(rule: type[Rule], tmp_path: Path) -> list[Finding]:
    out: list[Finding] = []
    for i, ex in enumerate(rule.examples):
        cfg = LintConfig(select=[rule.code], report_unused_suppressions=False)
        result = lint(write_tree(tmp_path / f"bad{i}", ex.bad), cfg, with_fixes=False)
        out += [f for f in result.findings if f.rule == rule.code]
    return out


def test_rule_finding_takes_no_untyped_mapping() -> None:
    assert "data" not in inspect.signature(Rule.finding).parameters
    offenders = [
        f"{p.relative_to(SRC)}:{n}"
        for p in sorted(SRC.rglob("*.py"))
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"\bdata=(obj_data|\{)", line)
    ]
    assert offenders == []


def test_fixers_read_typed_attributes_not_the_dict_view() -> None:
    offenders = [
        f"{p.relative_to(SRC)}:{n}: {line.strip()}"
        for p in sorted(SRC.rglob("*.py"))
        if str(p.relative_to(SRC)) not in DICT_VIEW_READERS
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if DATA_READ.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize("rule", K8S, ids=lambda r: r.code)
def test_k8s_subjects_share_the_object_shape(rule: type[Rule], tmp_path: Path) -> None:
    found = _bad_findings(rule, tmp_path)
    assert found, f"{rule.code}'s examples give no finding: nothing checked"
    for f in found:
        assert isinstance(f.detail, K8sSubject), (rule.code, f.detail)
        # the keys the untyped dicts had, in their order: the object first
        assert list(f.data)[:3] == ["kind", "name", "namespace"]
        assert f.data["name"] in (f.subject or "")
        assert all(v is not None for k, v in f.data.items() if k == "hpa")


def test_k8s_subject_classes_are_distinct_shapes(tmp_path: Path) -> None:
    """Shared shapes, not one near-identical class per rule: no two subject classes have
    the same fields, and the shared ones serve several rules each."""
    used: dict[type, set[str]] = {}
    for rule in K8S:
        for f in _bad_findings(rule, tmp_path / rule.code):
            used.setdefault(type(f.detail), set()).add(rule.code)
    shapes = [tuple(fl.name for fl in dataclasses.fields(cls)) for cls in used]
    assert len(set(shapes)) == len(shapes), sorted(shapes)
    for base in used:
        if base.__module__ == "infradoctor.subjects":  # shared: several rules' shape
            rules = set().union(*(c for cls, c in used.items() if issubclass(cls, base)))
            assert len(rules) >= 2, (base.__name__, rules)
    assert len(used[ContainerSubject]) >= 8 and len(used[K8sSubject]) >= 3


def test_list_fields_keep_their_list_view(tmp_path: Path) -> None:
    by_code = {r.code: r for r in K8S}
    for f in _bad_findings(by_code["K8S040"], tmp_path):
        assert isinstance(f.data["hpas"], list) and len(f.data["hpas"]) == 2
    for f in _bad_findings(by_code["K8S032"], tmp_path / "cron"):
        assert isinstance(f.data["missing"], list) and f.data["missing"]
    assert SuppressionCodes(("CMP001",)).to_dict() == {"codes": ["CMP001"]}


def test_pdb_subject_names_the_hpa_only_when_one_scales(tmp_path: Path) -> None:
    by_code = {r.code: r for r in K8S}
    found = _bad_findings(by_code["K8S010"], tmp_path)
    assert {("hpa" in f.data) for f in found} == {True, False}, [f.data for f in found]


def _finding(detail: object) -> Finding:
    loc = Location("compose.yaml", 1, 1)
    f = Finding("CMP001", "n", Severity.WARNING, "availability", "m", loc)
    return dataclasses.replace(f, detail=detail)  # type: ignore[arg-type]


def test_detail_as_sees_through_annotations() -> None:
    svc = ServiceSubject("web", "p")
    wrapped = _finding(Annotated(svc, {"purpose": "test"}))
    assert wrapped.detail_as(ServiceSubject) is svc
    assert wrapped.detail_as(ContainerSubject) is None
    assert _finding(None).detail_as(ServiceSubject) is None
    assert _finding(Annotated(None, {"x": 1})).detail_as(ServiceSubject) is None


def test_a_fixer_given_another_subject_gets_no_fix_not_a_key_error(tmp_path: Path) -> None:
    files = {"compose.yaml": "services:\n  web:\n    image: nginx:1.27\n"}
    result = lint(write_tree(tmp_path, files), LintConfig(select=["CMP001"]))
    ctx = FixContext(result.stack)  # type: ignore[arg-type]
    (f,) = result.findings
    assert ctx.subject(f, ServiceSubject).service == "web"
    with pytest.raises(FixUnavailable, match="no ContainerSubject subject"):
        ctx.subject(f, ContainerSubject)
    assert ctx.data_block(f) is None  # no BlockSubject: no block
    assert ctx.service(f).name == "web"


def test_annotated_findings_still_get_their_fix(tmp_path: Path) -> None:
    """The purpose hook wraps a test file's subjects: fixers see through it."""
    files = {"tests/docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n"}
    result = lint(write_tree(tmp_path, files), LintConfig(select=["CMP001"]))
    (f,) = result.findings
    assert isinstance(f.detail, Annotated) and f.severity == Severity.INFO
    assert f.fix is not None and "restart" in f.fix.edits[0].replacement


def test_nginx_block_subject_is_shared_with_the_fix_machinery() -> None:
    from infradoctor.rules.nginx import _common

    assert _common.BlockSubject is BlockSubject
    assert BlockSubject(config="nginx.conf").to_dict() == {"config": "nginx.conf"}
