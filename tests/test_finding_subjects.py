"""Findings carry a typed subject (`Finding.detail`, issue 8) instead of a free dict:
frozen, slotted dataclasses per shape; `Finding.data` is their dict view. Every rule
group is converted: `Rule.finding` takes no untyped mapping any more."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Annotated, Finding, Severity, subject_dict
from infradoctor.model.source import Location
from infradoctor.rules.registry import all_rules
from infradoctor.subjects import DockerfileSubject, ServiceSubject
from tests.conftest import write_tree

TYPED = list(all_rules())


def _bad_findings(rule: type, tmp_path: Path) -> list[Finding]:
    out: list[Finding] = []
    for i, ex in enumerate(rule.examples):
        cfg = LintConfig(select=[rule.code], report_unused_suppressions=False)
        result = lint(write_tree(tmp_path / f"bad{i}", ex.bad), cfg, with_fixes=False)
        out += [f for f in result.findings if f.rule == rule.code]
    return out


@pytest.mark.parametrize("rule", TYPED, ids=lambda r: r.code)
def test_converted_rules_give_typed_subjects(rule: type, tmp_path: Path) -> None:
    found = _bad_findings(rule, tmp_path)
    assert found, f"{rule.code}'s examples give no finding: nothing checked"
    for f in found:
        detail = f.detail
        if detail is None:  # a rule with nothing for fixers to read
            continue
        assert dataclasses.is_dataclass(detail) and hasattr(type(detail), "__slots__")
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(detail, dataclasses.fields(detail)[0].name, "x")
        assert f.data == detail.to_dict()


def test_the_dict_view_keeps_the_old_keys(tmp_path: Path) -> None:
    files = {
        "compose.yaml": "services:\n  web:\n    image: nginx:1\n    restart: always\n"
        "    depends_on: [db]\n"
    }
    cfg = LintConfig(select=["CMP003"], report_unused_suppressions=False)
    result = lint(write_tree(tmp_path, files), cfg, with_fixes=False)
    (f,) = result.findings
    assert f.data == {"service": "web", "project": f.data["project"], "dependency": "db"}
    assert isinstance(f.detail, ServiceSubject)


def test_the_dict_view_and_extras_merge() -> None:
    assert subject_dict(DockerfileSubject("app/Dockerfile")) == {"dockerfile": "app/Dockerfile"}

    @dataclasses.dataclass(frozen=True, slots=True)
    class Optional(ServiceSubject):
        volume: str | None = None

    # None fields stay (the dict literals they replace had them) unless left out on purpose
    assert Optional("a", "p").to_dict() == {"service": "a", "project": "p", "volume": None}
    assert subject_dict(Optional("a", "p"), keep_none=False) == {"service": "a", "project": "p"}
    merged = Annotated(ServiceSubject("a", "p"), {"purpose": "dev"})
    assert merged.to_dict() == {"service": "a", "project": "p", "purpose": "dev"}
    assert Annotated(None, {"x": 1}).to_dict() == {"x": 1}


def test_the_subject_does_not_change_identity() -> None:
    loc = Location("compose.yaml", 1, 1)
    a = Finding("CMP001", "n", Severity.WARNING, "availability", "m", loc)
    b = dataclasses.replace(a, detail=ServiceSubject("web", "p"))
    assert a == b and hash(a) == hash(b)
    assert a.data == {} and b.data == {"service": "web", "project": "p"}
    assert b.with_fix(None).detail is b.detail  # copies keep it
