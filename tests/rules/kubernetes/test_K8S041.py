"""K8S041 ingress-replicas-default-next-upstream: ingress-nginx in front of several pods
with the default `proxy-next-upstream error timeout` (the XF012 check for Ingresses)."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Severity
from infradoctor.rules.kubernetes.K8S041_ingress_replicas_default_next_upstream import (
    BAD,
    DEPLOYMENT,
    INGRESS,
)
from tests.conftest import write_tree

HPA = (
    "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\n"
    "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}\n"
    "  minReplicas: 2\n  maxReplicas: 6\n"
)


def _run(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, Severity]]:
    root = write_tree(tmp_path, files)
    result = lint(root, LintConfig(select=["K8S041"]))
    return [(f.file, f.line, f.severity) for f in result.findings]


def test_replicated_backend_with_the_default_policy_is_info_at_the_ingress(
    tmp_path: Path,
) -> None:
    found = _run(tmp_path, {"k8s/api.yaml": BAD})
    ingress_name_line = BAD[: BAD.index("kind: Ingress")].count("\n") + 3  # metadata.name
    assert found == [("k8s/api.yaml", ingress_name_line, Severity.INFO)]


def test_single_pod_is_left_to_K8S026(tmp_path: Path) -> None:
    one = DEPLOYMENT.replace("  replicas: 3\n", "  replicas: 1\n") + INGRESS
    assert _run(tmp_path, {"k8s/api.yaml": one}) == []


def test_an_hpa_minimum_of_two_counts_as_replicated(tmp_path: Path) -> None:
    scaled = DEPLOYMENT.replace("  replicas: 3\n", "") + INGRESS + HPA
    assert len(_run(tmp_path, {"k8s/api.yaml": scaled})) == 1


def test_snippet_annotation_or_controller_default_is_a_decision(tmp_path: Path) -> None:
    snippet = BAD.replace(
        "    kubernetes.io/ingress.class: nginx\n",
        "    kubernetes.io/ingress.class: nginx\n"
        "    nginx.ingress.kubernetes.io/configuration-snippet: |\n"
        "      proxy_next_upstream error timeout http_503;\n",
    )
    assert _run(tmp_path / "a", {"k8s/api.yaml": snippet}) == []
    controller = (
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller}\n"
        "data:\n  proxy-next-upstream: error timeout http_502\n"
    )
    assert _run(tmp_path / "b", {"k8s/api.yaml": BAD + controller}) == []


def test_another_ingress_controller_is_not_judged(tmp_path: Path) -> None:
    traefik = BAD.replace(
        "kubernetes.io/ingress.class: nginx", "kubernetes.io/ingress.class: traefik"
    )
    assert _run(tmp_path, {"k8s/api.yaml": traefik}) == []
