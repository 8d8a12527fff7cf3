"""The hardening rules (K8S034-K8S039) point at the line a user edits: values.yaml for a
Helm chart (rendered by a real helm binary from scripts/install-helm.sh), the overlay's
patch for kustomize, the .tf block for Terraform."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
from infradoctor.loaders import helm as helm_loader
from tests.conftest import write_tree

REPO = Path(__file__).resolve().parents[3]

VALUES = """\
image:
  repository: ghcr.io/acme/api
  tag: "1.0.0"

podSecurityContext:
  fsGroup: 1000

securityContext:
  allowPrivilegeEscalation: true
  readOnlyRootFilesystem: false
  runAsUser: 0
"""
TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      containers:
        - name: api
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
"""


@pytest.fixture
def helm_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(helm_loader, "_memory_cache", {})
    for candidate in (os.environ.get("INFRADOCTOR_HELM"), str(REPO / ".ci-bin" / "helm")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("helm")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("no helm binary under CI: scripts/install-helm.sh must run first")
        pytest.skip("no helm binary (run scripts/install-helm.sh)")
    return found


def _hardening(root: Path, helm: str | None = None) -> list[tuple[str, str, int]]:
    config = LintConfig(select=["hardening"], report_unused_suppressions=False)
    if helm is not None:
        config.helm = helm
    found: list[Finding] = lint(root, config, with_fixes=False).findings
    return sorted(
        (f.rule, f.location.file, f.location.line) for f in found if f.rule.startswith("K8S03")
    )


def test_helm_findings_land_in_values_yaml(tmp_path: Path, helm_bin: str) -> None:
    root = write_tree(
        tmp_path / "stack",
        {
            "api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
            "api/values.yaml": VALUES,
            "api/templates/deployment.yaml": TEMPLATE,
        },
    )
    assert _hardening(root, helm_bin) == [
        ("K8S034", "api/values.yaml", 11),  # runAsUser: 0
        ("K8S035", "api/values.yaml", 9),  # allowPrivilegeEscalation: true
        ("K8S037", "api/values.yaml", 10),  # readOnlyRootFilesystem: false
        ("K8S038", "api/values.yaml", 8),  # securityContext: (add capabilities there)
    ]


BASE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
"""
PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      hostPID: true
      containers:
        - name: api
          securityContext:
            privileged: true
"""


def test_kustomize_findings_land_in_the_overlay_patch(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [deployment.yaml]\n",
            "base/deployment.yaml": BASE,
            "overlays/debug/kustomization.yaml": (
                "resources: [../../base]\npatches:\n  - path: debug.yaml\n"
            ),
            "overlays/debug/debug.yaml": PATCH,
        },
    )
    assert _hardening(root) == [
        ("K8S036", "overlays/debug/debug.yaml", 12),
        ("K8S039", "overlays/debug/debug.yaml", 8),
    ]


TF = """\
resource "kubernetes_deployment_v1" "api" {
  metadata {
    name = "api"
  }
  spec {
    selector {
      match_labels = { app = "api" }
    }
    template {
      metadata {
        labels = { app = "api" }
      }
      spec {
        host_network = true
        container {
          name  = "api"
          image = "ghcr.io/acme/api:1.0.0"
          security_context {
            run_as_non_root            = true
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            privileged                 = true
          }
        }
      }
    }
  }
}
"""


def test_terraform_findings_land_in_the_tf_block(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"infra/main.tf": TF})
    assert _hardening(root) == [
        ("K8S036", "infra/main.tf", 22),
        ("K8S039", "infra/main.tf", 14),
    ]
