"""K8S004 served-workload-without-readiness-probe: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_tree
from tests.rules.kubernetes.test_kubernetes_helpers import _k8s, deployment, service


def test_readiness_rule_skips_jobs_and_publish_not_ready(tmp_path: Path) -> None:
    job = (
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: seed}\nspec:\n  template:\n"
        "    metadata: {labels: {app: seed}}\n    spec:\n      containers:\n"
        "        - {name: seed, image: 'ghcr.io/acme/seed:1.0'}\n"
    )
    sts = (
        deployment("db", "app: db")
        .replace("kind: Deployment", "kind: StatefulSet")
        .replace("          readinessProbe: {tcpSocket: {port: 1}}\n", "")
    )
    headless = service("db", "app: db", "    - port: 5432\n").replace(
        "  selector:", "  clusterIP: None\n  publishNotReadyAddresses: true\n  selector:"
    )
    root = write_tree(
        tmp_path,
        {
            "k8s/a.yaml": job + service("seed", "app: seed", "    - port: 80\n"),
            "k8s/db.yaml": sts + headless,
        },
    )
    assert _k8s(root, "K8S004") == []
