"""K8S001 follow-through: a Service that selects no pods is still checked (K8S002 ports,
K8S004 readiness) against the workload it most likely meant, and the messages say the
workload is guessed, so one selector typo does not hide the next problem."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Finding, Severity
from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import _k8s


def _workload(name: str, labels: str, container: str = "") -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
        f"  selector:\n    matchLabels: {labels}\n  template:\n    metadata:\n"
        f"      labels: {labels}\n    spec:\n      containers:\n        - name: app\n"
        f"          image: ghcr.io/acme/{name}:1.0.0\n"
        f"          ports: [{{name: http, containerPort: 8080}}]\n{container}---\n"
    )


def _service(name: str, selector: str, target: str) -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n"
        f"  selector: {selector}\n  ports:\n    - port: 80\n      targetPort: {target}\n"
    )


CODES = ("K8S001", "K8S002", "K8S004")
READY = "          readinessProbe: {httpGet: {path: /ready, port: http}}\n"


def _run(tmp_path: Path, text: str) -> list[Finding]:
    found = _k8s(write_tree(tmp_path, {"k8s/app.yaml": text}), "K8S00")
    return sorted((f for f in found if f.rule in CODES), key=lambda f: f.rule)


def test_typo_in_selector_does_not_hide_port_and_readiness(tmp_path: Path) -> None:
    text = _workload("web", "{app: web-frontend}") + _service("web", "{app: web}", "htp")
    k001, k002, k004 = _run(tmp_path, text)
    assert (k001.rule, k002.rule, k004.rule) == ("K8S001", "K8S002", "K8S004")
    assert "Deployment 'web' has pod labels app=web-frontend" in k001.message
    assert "targetPort 'htp'" in k002.message and "'web' is guessed" in k002.message
    assert k002.severity is Severity.WARNING  # a guess: never an error of its own
    assert "would receive traffic" in k004.message and "is guessed" in k004.message


def test_guessed_workload_that_is_right_adds_nothing(tmp_path: Path) -> None:
    text = _workload("web", "{app: web-frontend}", READY) + _service("web", "{app: web}", "http")
    assert [f.rule for f in _run(tmp_path, text)] == ["K8S001"]


def test_guess_by_closest_labels(tmp_path: Path) -> None:
    text = (
        _workload("shop-web", "{app: shop, tier: web, track: stable}")
        + _workload("shop-db", "{app: shop, tier: db}", READY)
        + _service("storefront", "{app: shop, tier: web, track: canary}", "8081")
    )
    found = _run(tmp_path, text)
    assert [f.rule for f in found] == ["K8S001", "K8S002", "K8S004"]
    assert all("Deployment 'shop-web' is guessed" in f.message for f in found[1:])


def test_no_guess_on_a_tie(tmp_path: Path) -> None:
    text = (
        _workload("shop-web", "{app: shop, tier: web}")
        + _workload("shop-api", "{app: shop, tier: api}")
        + _service("storefront", "{app: shop, tier: frontend}", "8081")
    )
    assert [f.rule for f in _run(tmp_path, text)] == ["K8S001"]


def test_selected_pods_are_not_guessed(tmp_path: Path) -> None:
    text = _workload("web", "{app: web}") + _service("web", "{app: web}", "http")
    (f,) = _run(tmp_path, text)
    assert f.rule == "K8S004" and "guessed" not in f.message
