"""K8S029's fix: `imagePullPolicy: IfNotPresent`, always display-only (with a moving tag
it only trades "each start pulls a new build" for "each node keeps its cached build"),
with a Helm chart's values.yaml tag pinned to a release appVersion. K8S008 gets no pull
policy edit: the policy does not make a `latest` tag stay put."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability, Finding
from infradoctor.fixes.apply import run_fixes
from infradoctor.fixes.yaml_edit import TextEdit, apply_text_edits
from infradoctor.loaders import helm as helm_loader
from tests.conftest import write_tree
from tests.helmbin import require_helm

REPO = Path(__file__).resolve().parents[2]


def _config(helm: str | None = "off", rule: str = "K8S029") -> LintConfig:
    config = LintConfig(select=[rule], report_unused_suppressions=False)
    config.helm = helm
    return config


def _findings(root: Path, helm: str | None = "off", rule: str = "K8S029") -> list[Finding]:
    return [f for f in lint(root, _config(helm, rule)).findings if f.rule == rule]


def _suggested(root: Path, finding: Finding, rel: str) -> str:
    fix = finding.fix
    assert fix is not None and fix.applicability is Applicability.DISPLAY_ONLY
    text = (root / rel).read_text()
    edits = [TextEdit(e.start, e.end, e.replacement) for e in fix.edits if e.file == rel]
    return apply_text_edits(text, edits)


def _never_written(root: Path, helm: str | None = "off") -> None:
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    run = run_fixes(root, _config(helm), unsafe=True)
    assert not run.applied and not run.refused
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def _manifest(container: str) -> str:
    return (
        "# api\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: api}\ndata: {a: b}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n"
        "  selector:\n    matchLabels: {app: api}\n  template:\n"
        "    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n" + container
    )


BLOCK = """\
        - name: api
          image: ghcr.io/acme/api:main
          imagePullPolicy: 'Always'   # preview environment
"""


def test_block_manifest_suggests_if_not_present_and_names_the_pin(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"api.yaml": _manifest(BLOCK)})
    [finding] = _findings(root)
    assert finding.fix is not None
    assert "immutable tag" in finding.fix.title and "ghcr.io/acme/api:main" in finding.fix.title
    assert _suggested(root, finding, "api.yaml") == _manifest(
        BLOCK.replace("'Always'", "'IfNotPresent'")
    )
    _never_written(root)


FLOW = "        - {name: api, image: 'ghcr.io/acme/api:7', imagePullPolicy: Always}\n"


def test_flow_style_and_a_version_line_tag(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"api.yaml": _manifest(FLOW)})
    [finding] = _findings(root)
    assert _suggested(root, finding, "api.yaml") == _manifest(
        FLOW.replace("Always}", "IfNotPresent}")
    )
    _never_written(root)


TF = """\
resource "kubernetes_deployment" "api" {
  metadata {
    name = "api"
  }
  spec {
    selector {
      match_labels = {
        app = "api"
      }
    }
    template {
      metadata {
        labels = {
          app = "api"
        }
      }
      spec {
        container {
          name              = "api"
          image             = "ghcr.io/acme/api:main"
          image_pull_policy = "Always" # preview env
        }
      }
    }
  }
}
"""


def test_terraform_is_display_only(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"main.tf": TF})
    [finding] = _findings(root)
    assert _suggested(root, finding, "main.tf") == TF.replace('"Always"', '"IfNotPresent"')
    _never_written(root)


def test_k8s008_latest_gets_no_pull_policy_edit(tmp_path: Path) -> None:
    container = "        - name: api\n          image: redis\n          imagePullPolicy: Always\n"
    root = write_tree(tmp_path, {"api.yaml": _manifest(container)})
    [finding] = _findings(root, rule="K8S008")
    assert finding.fix is None  # outside a chart: no appVersion, and no policy edit
    assert _findings(root) == []  # latest/untagged is K8S008's, not K8S029's


# ------------------------------------------------------------------ Helm (real helm)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(helm_loader, "_memory_cache", {})


TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
"""
VALUES = """\
image:
  repository: ghcr.io/acme/web
  tag: "main"   # CI pushes here
  pullPolicy: Always
resources: {}
"""


def _chart(tmp_path: Path, app_version: str) -> Path:
    chart = f"apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: {app_version}\n"
    return write_tree(
        tmp_path / "stack",
        {
            "chart/Chart.yaml": chart,
            "chart/values.yaml": VALUES,
            "chart/templates/deployment.yaml": TEMPLATE,
        },
    )


def test_helm_values_pin_a_release_app_version(tmp_path: Path) -> None:
    helm = require_helm()
    root = _chart(tmp_path, '"2.14.1"')
    [finding] = _findings(root, helm)
    assert finding.location.file == "chart/values.yaml" and finding.location.line == 4
    assert finding.fix is not None and "appVersion 2.14.1" in finding.fix.title
    assert _suggested(root, finding, "chart/values.yaml") == (
        VALUES.replace('"main"', '"2.14.1"').replace("Always", "IfNotPresent")
    )
    _never_written(root, helm)


def test_helm_moving_app_version_is_not_a_pin(tmp_path: Path) -> None:
    helm = require_helm()
    root = _chart(tmp_path, '"2"')
    [finding] = _findings(root, helm)
    assert finding.fix is not None and "immutable tag" in finding.fix.title
    assert _suggested(root, finding, "chart/values.yaml") == VALUES.replace(
        "Always", "IfNotPresent"
    )
    _never_written(root, helm)


def test_helm_without_a_renderer_reads_the_policy_from_values(tmp_path: Path) -> None:
    root = _chart(tmp_path, '"2.14.1"')
    [finding] = _findings(root, "off")
    assert finding.location.line == 4
    assert _suggested(root, finding, "chart/values.yaml") == (
        VALUES.replace('"main"', '"2.14.1"').replace("Always", "IfNotPresent")
    )
