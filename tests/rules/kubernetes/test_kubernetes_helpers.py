"""Kubernetes rules beyond their examples: a real recorded Deployment+Service pair, the
precision guards (undeclared ports, kustomize patches, managed images, Jobs) and helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
from infradoctor.rules.kubernetes._k8s import is_jvm, parse_memory

RECORDED = Path(__file__).parents[2] / "loaders" / "fixtures" / "k8s" / "kube-system-recorded.yaml"


# opt-in securityContext advice fires on nearly every workload: its own tests select it
HARDENING = ["K8S034", "K8S035", "K8S037", "K8S038", "K8S039"]


def _k8s(root: Path, select: str = "K8S") -> list[Finding]:
    ignore = HARDENING if select == "K8S" else []
    config = LintConfig(select=[select], ignore=ignore, report_unused_suppressions=False)
    result = lint(root, config, with_fixes=False)
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return result.findings


def _codes(findings: list[Finding]) -> list[tuple[str, str | None]]:
    return sorted((f.rule, f.subject) for f in findings)


def deployment(
    name: str, labels: str, ports: str = "", extra: str = "", namespace: str = ""
) -> str:
    ns = f"  namespace: {namespace}\n" if namespace else ""
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n{ns}spec:\n"
        f"  selector:\n    matchLabels: {{{labels}}}\n  template:\n    metadata:\n"
        f"      labels: {{{labels}}}\n    spec:\n      containers:\n"
        f"        - name: {name}\n          image: ghcr.io/acme/{name}:1.0.0\n"
        f"          readinessProbe: {{tcpSocket: {{port: 1}}}}\n"
        f"          resources: {{limits: {{memory: 128Mi}}}}\n{ports}{extra}"
    )


def service(name: str, selector: str, ports: str, namespace: str = "") -> str:
    ns = f"  namespace: {namespace}\n" if namespace else ""
    return (
        f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n{ns}spec:\n"
        f"  selector: {{{selector}}}\n  ports:\n{ports}"
    )


# ------------------------------------------------------------------ recorded cluster


# ------------------------------------------------------------------ K8S001 / K8S002


# ------------------------------------------------------------------ K8S003


# ------------------------------------------------------------------ K8S004 / K8S005


# ------------------------------------------------------------------ K8S006-K8S011


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("512Mi", 512 * 2**20),
        ("1Gi", 2**30),
        ("1G", 10**9),
        ("1.5Gi", 3 * 2**29),
        ("134217728", 134217728),
        ("129e6", 129 * 10**6),
        ("500M", 500 * 10**6),
        ("", None),
        ("lots", None),
        ("1Gb", None),
    ],
)
def test_parse_memory(text: str, expected: int | None) -> None:
    assert parse_memory(text) == expected


def test_is_jvm_negative() -> None:
    from infradoctor.model.k8s import Container
    from infradoctor.model.source import Location

    loc = Location("f", 1)
    assert not is_jvm(Container("web", loc, image="nginx:1.27"))
    assert not is_jvm(Container("web", loc, image="ghcr.io/acme/javascript-app:1.0"))
    assert is_jvm(Container("api", loc, image="eclipse-temurin:21-jre"))
    assert is_jvm(Container("api", loc, image="x:1", command=["/usr/bin/java", "-jar", "a"]))
