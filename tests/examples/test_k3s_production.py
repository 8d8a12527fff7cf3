"""examples/k3s-production gives exactly its expected findings, with helm and without.

The expected (rule, file, line) sets live in `k3s_production_expected.json`, one set for
a rendered chart (helm from scripts/install-helm.sh, `$INFRADOCTOR_HELM` or PATH) and one
for values-only mode (`--helm off`). When rules change, review the diff and regenerate:

    REGEN=1 INFRADOCTOR_HELM=$PWD/.ci-bin/helm .venv/bin/pytest -q tests/examples/test_k3s_production.py

Every (rule, file:line) row of the stack's README table must stay among the findings."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders import helm as helm_loader
from tests.helmbin import require_helm

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
STACK = REPO / "examples" / "k3s-production"
EXPECTED = HERE / "k3s_production_expected.json"
MODES = ("with_helm", "without_helm")


@pytest.fixture(autouse=True)
def _cold_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A private helm cache, so the run renders for real."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(helm_loader, "_memory_cache", {})


def _helm(mode: str) -> str:
    if mode == "without_helm":
        return "off"
    return require_helm(skip_outside_ci=True)


def _run(mode: str) -> dict[str, list[list[object]]]:
    result = lint(STACK, LintConfig(helm=_helm(mode)))
    findings = {(f.rule, f.location.file, f.location.line) for f in result.findings}
    errors = {(e.kind, e.file, e.line or 0) for e in result.errors}
    return {
        "findings": [list(t) for t in sorted(findings)],
        "load_errors": [list(t) for t in sorted(errors)],
    }


def _expected() -> dict[str, dict[str, list[list[object]]]]:
    data: dict[str, dict[str, list[list[object]]]] = json.loads(EXPECTED.read_text())
    return data


def _dump(data: dict[str, dict[str, list[list[object]]]]) -> str:
    """One finding per line, so a regenerated file diffs line by line."""
    out = ["{"]
    for i, mode in enumerate(sorted(data)):
        out.append(f'  "{mode}": {{')
        for j, key in enumerate(("findings", "load_errors")):
            rows = [f"    {json.dumps(r)}" for r in data[mode][key]]
            out.append(f'   "{key}": [' + ("\n" + ",\n".join(rows) + "\n   ]" if rows else "]"))
            out[-1] += "," if j == 0 else ""
        out.append("  }" + ("," if i < len(data) - 1 else ""))
    return "\n".join(out) + "\n}\n"


@pytest.mark.parametrize("mode", MODES)
def test_exact_findings(mode: str) -> None:
    got = _run(mode)
    if os.environ.get("REGEN"):
        data = _expected() if EXPECTED.exists() else {}
        data[mode] = got
        EXPECTED.write_text(_dump(data))
    assert got == _expected()[mode]


def _readme_rows() -> set[tuple[str, str, int]]:
    rows: set[tuple[str, str, int]] = set()
    for line in (STACK / "README.md").read_text().splitlines():
        m = re.match(
            r"\|\s*\d+\s*\|\s*`([^`:]+):(\d+)`.*\|\s*([A-Z][A-Z0-9]{1,2}\d{3})\s*\|$", line
        )
        if m:
            rows.add((m.group(3), m.group(1), int(m.group(2))))
    return rows


def test_readme_table_matches_the_findings() -> None:
    rows = _readme_rows()
    assert len(rows) == 9
    found = {(str(r), str(f), int(str(n))) for r, f, n in _expected()["with_helm"]["findings"]}
    assert rows <= found, rows - found


def test_overlay_that_fixes_the_base_gives_nothing() -> None:
    """prod adds the readiness probe: K8S004 only for dev's render of the base; the base's
    PDB is right for dev, only prod's patch blocks eviction."""
    result = lint(STACK, LintConfig(helm="off"))
    k004 = [
        f.subject for f in result.findings if f.rule == "K8S004" and "kustomize" in f.location.file
    ]
    assert k004 == ["Deployment/infidraw-dev/admin-service"]
    k010 = [(f.subject or "", f.location.file) for f in result.findings if f.rule == "K8S010"]
    assert [file for _, file in k010] == ["kustomize/overlays/prod/pdb.yaml"]
    assert k010[0][0].startswith("PodDisruptionBudget/infidraw/admin-service")


def test_whole_examples_directory_lints_without_internal_errors() -> None:
    """The README's first command: `infradoctor lint examples/` (exit 1, notes only)."""
    result = lint(REPO / "examples", LintConfig(helm=_helm("with_helm")))
    assert result.findings
    assert not [e for e in result.errors if e.kind in ("internal", "parse-error")], result.errors
    mine = {(f.rule, f.location.file) for f in result.findings}
    assert ("K8S020", "k3s-production/terraform/nginx.tf") in mine
