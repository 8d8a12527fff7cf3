"""Values-only mode (no helm) models no container ports, so a probe naming a port
(`port: http`, as `helm create` writes it) cannot be checked: no K8S005 guess."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_tree

from infradoctor.config import LintConfig
from infradoctor.engine import lint

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\nappVersion: '1.0.0'\n",
    "values.yaml": (
        "image:\n  repository: ghcr.io/acme/api\n  tag: '1.0.0'\n"
        "resources:\n  limits:\n    memory: 256Mi\n"
        "livenessProbe:\n  httpGet:\n    path: /\n    port: http\n"
        "readinessProbe:\n  httpGet:\n    path: /ready\n    port: 8080\n"
    ),
    "templates/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n"
        "  template:\n    spec:\n      containers:\n        - name: api\n"
        '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
        "          ports:\n            - name: http\n              containerPort: 8080\n"
        "          livenessProbe:\n            {{- toYaml .Values.livenessProbe | nindent 12 }}\n"
        "          readinessProbe:\n            {{- toYaml .Values.readinessProbe | nindent 12 }}\n"
        "          resources:\n            {{- toYaml .Values.resources | nindent 12 }}\n"
    ),
}


def test_named_probe_port_is_not_guessed_without_helm(tmp_path: Path) -> None:
    result = lint(write_tree(tmp_path / "api", CHART), LintConfig(helm="off"))
    assert [e.kind for e in result.errors] == ["not-rendered"]
    assert not [f for f in result.findings if f.rule == "K8S005"]
    [dep] = [o for o in result.stack.k8s if o.kind == "Deployment"]
    assert dep.workload is not None
    [c] = dep.workload.pod.containers
    assert c.probes["liveness"].port is None  # a name: unknown without the ports
    assert c.probes["readiness"].port == 8080  # a number is kept
