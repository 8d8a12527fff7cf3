"""The fix loop builds no fix it would not apply: a rule tells its fix's applicability
without building it (`fix_applicability`, or `fix_applicability_of` when it depends on the
finding), display-only fixes wait for the report of the last lint, unsafe ones for
--unsafe. Counted in fixer calls, and the tellers checked against the fixers."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from infradoctor.catalogue import catalogue
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability, Finding, Fix
from infradoctor.fixes import compose_edit as ce
from infradoctor.fixes import fixers
from infradoctor.fixes.apply import preview_fixes
from infradoctor.fixes.attach import applicable_fixes, resolve_fixes
from infradoctor.fixes.context import FixContext, FixUnavailable
from tests.conftest import REPO, write_tree

DRAWING = REPO / "examples" / "drawing-app"
DISPLAY = Applicability.DISPLAY_ONLY


def _count_fixers(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str]]:
    """(rule, applicability or "none") of every fix a fixer builds from now on."""
    built: Counter[tuple[str, str]] = Counter()
    for code, fixer in list(fixers.FIXERS.items()):

        def counted(ctx: FixContext, f: Finding, fixer=fixer) -> Fix | None:  # noqa: ANN001
            fix = fixer(ctx, f)
            built[(f.rule, fix.applicability.value if fix else "none")] += 1
            return fix

        monkeypatch.setitem(fixers.FIXERS, code, counted)
    return built


def test_the_fix_loop_builds_no_display_only_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    built = _count_fixers(monkeypatch)
    run = preview_fixes(DRAWING, LintConfig())
    assert run.applied and sum(built.values()) > 0
    assert not [k for k in built if k[1] == DISPLAY.value], built
    # the report builds the display-only fixes of the last lint, each once
    built.clear()
    resolve_fixes(run.remaining)
    shown = Counter(f.rule for f in run.remaining if f.fix and f.fix.applicability is DISPLAY)
    assert {"XF004", "XF011", "DKR007"} <= set(shown)
    assert Counter({r: n for (r, a), n in built.items() if a == DISPLAY.value}) == shown


def test_unsafe_fixes_are_built_only_with_unsafe(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = write_tree(
        tmp_path / "s",
        {"Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "http.server"]\n'},
    )
    built = _count_fixers(monkeypatch)
    result = lint(root, LintConfig())
    assert any(f.rule == "DKR001" for f in result.findings)
    assert applicable_fixes(result.findings, {Applicability.SAFE}) == []
    assert built["DKR001", "unsafe"] == 0
    chosen = applicable_fixes(result.findings, {Applicability.SAFE, Applicability.UNSAFE})
    assert [f.rule for f in chosen] == ["DKR001"] and built["DKR001", "unsafe"] == 1


def test_healthcheck_probe_is_worked_out_once_per_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: Counter[tuple[int, int | None]] = Counter()
    real = ce.healthcheck_for

    def counted(ctx: FixContext, svc: object, known_port: int | None = None) -> object:
        calls[(id(svc), known_port)] += 1
        return real(ctx, svc, known_port)  # type: ignore[arg-type]

    monkeypatch.setattr(ce, "healthcheck_for", counted)
    result = lint(DRAWING, LintConfig())
    told = applicable_fixes(result.findings, {Applicability.SAFE})  # tells, then builds
    resolve_fixes(result.findings)
    assert calls and told is not None
    assert set(calls.values()) == {1}, calls


def _roots(tmp_path: Path) -> list[Path]:
    roots = sorted(p for p in (REPO / "examples").iterdir() if p.is_dir())
    for rule in catalogue():
        if rule.fixer is None:
            continue
        for i, example in enumerate(rule.examples):
            roots.append(write_tree(tmp_path / f"{rule.code}-{i}", example.bad))
    return roots


def test_tellers_agree_with_the_fixers(tmp_path: Path) -> None:
    """What a rule tells is what its fixer builds (or no fix, or a display-only one: an
    nginx config inside YAML makes every fix display-only)."""
    seen: Counter[tuple[str, str]] = Counter()
    for root in _roots(tmp_path):
        for f in lint(root, LintConfig()).findings:
            deferred = f.pending_fix
            if deferred is None or deferred.tell is None or f.rule not in fixers.APPLICABILITY:
                continue
            try:
                told: Applicability | str | None = deferred.tell(f)
            except FixUnavailable:
                told = "none"
            fix = f.fix
            if told is None:
                continue
            actual = fix.applicability if fix is not None else "none"
            assert actual in (told, "none", DISPLAY), (root.name, f.rule, f.location, told)
            if told == "none":
                assert fix is None
            seen[(f.rule, str(told))] += 1
    assert seen[("XF004", DISPLAY.value)] and seen[("XF004", "safe")], seen
    assert seen[("XF011", DISPLAY.value)] and seen[("DKR001", "unsafe")], seen
    assert seen[("K8S004", "unsafe")], seen


def test_a_copied_tree_previews_the_same_suggestions(tmp_path: Path) -> None:
    """The suggestions the report shows come from the last lint, as before."""
    root = tmp_path / "d"
    shutil.copytree(DRAWING, root)
    run = preview_fixes(root, LintConfig())
    resolve_fixes(run.remaining)
    titles = sorted(
        f"{f.rule} {f.fix.title}" for f in run.remaining if f.fix and f.fix.applicability is DISPLAY
    )
    assert "XF011 Add a healthcheck for event-store (template: no health path known: set it)" in (
        titles
    )


def test_a_dependency_healthcheck_is_built_once_for_all_its_dependents(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    services = "".join(
        f"  app{i}:\n    image: example/app{i}:1\n    depends_on: [db]\n" for i in range(4)
    )
    root = write_tree(
        tmp_path / "s",
        {"compose.yaml": f"services:\n{services}  db:\n    image: postgres:16\n"},
    )
    builds: Counter[str] = Counter()
    real = ce._healthcheck_fix

    def counted(ctx: FixContext, svc: Any, known_port: int | None) -> Fix | None:
        builds[svc.name] += 1
        return real(ctx, svc, known_port)

    monkeypatch.setattr(ce, "_healthcheck_fix", counted)
    findings = [f for f in lint(root, LintConfig()).findings if f.rule == "XF004"]
    assert len(findings) == 4
    fixes = [f.fix for f in findings]
    assert builds == Counter({"db": 1})
    assert all(fix is fixes[0] for fix in fixes) and fixes[0] is not None
    assert fixes[0].applicability is Applicability.SAFE  # pg_isready: no doubts


def test_a_tcp_readiness_probe_is_built_only_with_unsafe(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.fixes.test_fix_manifest_composed_once import DEPLOYMENT

    root = write_tree(tmp_path / "k", {"k8s/api.yaml": DEPLOYMENT.format(name="api")})
    built = _count_fixers(monkeypatch)
    run = preview_fixes(root, LintConfig())
    assert run.initial is not None and any(f.rule == "K8S004" for f in run.initial.findings)
    assert built["K8S004", "unsafe"] == 0 and not run.applied
    run = preview_fixes(root, LintConfig(), unsafe=True)
    assert built["K8S004", "unsafe"] >= 1 and [a.rule for a in run.applied] == ["K8S004"]
