"""Kubernetes rules beyond their examples: a real recorded Deployment+Service pair, the
precision guards (undeclared ports, kustomize patches, managed images, Jobs) and helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding, Severity
from infradoctor.rules.kubernetes._k8s import is_jvm, parse_memory
from tests.conftest import write_tree

RECORDED = Path(__file__).parents[1] / "loaders" / "fixtures" / "k8s" / "kube-system-recorded.yaml"


def _k8s(root: Path, select: str = "K8S") -> list[Finding]:
    result = lint(
        root, LintConfig(select=[select], report_unused_suppressions=False), with_fixes=False
    )
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


def test_recorded_metrics_server_and_coredns_are_clean_except_memory_limit(tmp_path: Path) -> None:
    """metrics-server (named targetPort/probe ports `https`) and coredns (probes on 8080/8181,
    which it doesn't declare) from a real k3s cluster: correct wiring, nothing to report but
    the metrics-server container's missing memory limit (K8S007, opt-in)."""
    (tmp_path / "kube-system.yaml").write_text(RECORDED.read_text())
    findings = _k8s(tmp_path)
    assert _codes(findings) == [("K8S007", "Deployment/kube-system/metrics-server:metrics-server")]
    assert findings[0].severity is Severity.INFO
    assert not [f for f in _k8s(tmp_path, "all") if f.rule.startswith("K8S")]


def test_recorded_pair_with_renamed_container_port(tmp_path: Path) -> None:
    """Changed from the recording: the metrics-server container port `https` renamed to
    `tls` (a typical refactor) while the Service and the probes still say `https`."""
    text = RECORDED.read_text()
    renamed = text.replace(
        "        - name: https\n          containerPort: 4443",
        "        - name: tls\n          containerPort: 4443",
    )
    assert renamed != text
    (tmp_path / "kube-system.yaml").write_text(renamed)
    findings = [f for f in _k8s(tmp_path) if f.rule != "K8S007"]
    assert _codes(findings) == [
        ("K8S002", "Service/kube-system/metrics-server:443"),
        ("K8S005", "Deployment/kube-system/metrics-server:metrics-server:liveness"),
        ("K8S005", "Deployment/kube-system/metrics-server:metrics-server:readiness"),
    ]
    k8s002 = next(f for f in findings if f.rule == "K8S002")
    assert k8s002.severity is Severity.ERROR and "'https'" in k8s002.message
    line = renamed.splitlines()[k8s002.location.line - 1]
    assert line.strip() == "targetPort: https"


# ------------------------------------------------------------------ K8S001 / K8S002


def test_selector_mismatch_hint_and_no_workloads_nearby(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "a",
        {
            "k8s/app.yaml": deployment(
                "web", "app: web-v2", "          ports: [{containerPort: 80}]\n"
            )
            + service("web", "app: web", "    - port: 80\n"),
            "other/svc.yaml": service("db", "app: postgres", "    - port: 5432\n")[4:],
        },
    )
    findings = _k8s(root, "K8S001")
    assert len(findings) == 1  # other/ has no workloads: the db pods are deployed elsewhere
    assert "Deployment 'web' has pod labels app=web-v2" in findings[0].message
    assert findings[0].related and findings[0].related[0].line == 10  # the pod labels


def test_numeric_target_port_only_when_nothing_agrees(tmp_path: Path) -> None:
    ports = "          ports: [{containerPort: 9411}, {containerPort: 16686}]\n"
    svc_ports = "    - {port: 14268, targetPort: 14268}\n    - {port: 9411}\n"
    root = write_tree(
        tmp_path / "a",
        {
            "j.yaml": deployment("jaeger", "app: j", ports)
            + service("collector", "app: j", svc_ports)
        },
    )
    assert _k8s(root, "K8S002") == []  # 9411 matches: 14268 is merely undeclared
    root = write_tree(
        tmp_path / "b",
        {
            "j.yaml": deployment("jaeger", "app: j", ports)
            + service("c", "app: j", "    - {port: 80}\n")
        },
    )
    (f,) = _k8s(root, "K8S002")
    assert "targetPort 80" in f.message and "9411, 16686" in f.message
    root = write_tree(
        tmp_path / "c",
        {"j.yaml": deployment("jaeger", "app: j") + service("c", "app: j", "    - {port: 80}\n")},
    )
    assert _k8s(root, "K8S002") == []  # the pods declare no ports at all


def test_nearest_copy_decides(tmp_path: Path) -> None:
    """A release bundle and a base directory hold two copies of the app; the Service is
    checked against the copy applied with it."""
    good = deployment("api", "app: api", "          ports: [{name: http, containerPort: 8000}]\n")
    stale = deployment("api", "app: api", "          ports: [{name: web, containerPort: 8000}]\n")
    root = write_tree(
        tmp_path,
        {
            "release/all.yaml": good
            + service("api", "app: api", "    - {port: 80, targetPort: http}\n"),
            "base/api.yaml": stale,
        },
    )
    assert _k8s(root, "K8S002") == []


def test_namespaces_keep_objects_apart(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "k8s/app.yaml": deployment(
                "web",
                "app: web",
                namespace="prod",
                ports="          ports: [{containerPort: 80}]\n",
            )
            + service("web", "app: web", "    - port: 80\n", namespace="staging")
            + "\n"
            + deployment("other", "app: other", namespace="staging").replace(
                "apiVersion", "---\napiVersion", 1
            ),
        },
    )
    (f,) = _k8s(root, "K8S001")
    assert "Service 'web'" in f.message


def test_kustomize_patched_directory_is_checked_as_rendered(tmp_path: Path) -> None:
    fix = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
        "  selector: {matchLabels: {app: web}}\n"
        "  template: {metadata: {labels: {app: web}}}\n"
    )
    files = {
        "overlay/kustomization.yaml": "resources: [app.yaml]\npatches:\n  - path: fix.yaml\n",
        "overlay/app.yaml": deployment("web", "app: web-v2")
        + service("web", "app: web", "    - {port: 80, targetPort: http}\n"),
        "overlay/fix.yaml": fix,
    }
    root = write_tree(tmp_path, files)
    assert [f for f in _k8s(root) if f.rule == "K8S001"] == []  # the patch fixes the labels
    (tmp_path / "overlay" / "kustomization.yaml").write_text("resources: [app.yaml]\n")
    (tmp_path / "overlay" / "fix.yaml").unlink()
    assert {f.rule for f in _k8s(root)} >= {"K8S001"}


# ------------------------------------------------------------------ K8S003


def test_ingress_backend_to_service_elsewhere_is_not_flagged(tmp_path: Path) -> None:
    ingress = (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n"
        "  rules:\n    - http:\n        paths:\n          - path: /\n"
        "            pathType: Prefix\n            backend:\n"
        "              service: {name: grafana, port: {number: 3000}}\n"
    )
    root = write_tree(tmp_path, {"ingress/i.yaml": ingress})
    assert _k8s(root, "K8S003") == []
    legacy = (
        "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: old}\nspec:\n"
        "  backend: {serviceName: web, servicePort: 8080}\n"
    )
    root = write_tree(
        tmp_path / "b",
        {"k8s/i.yaml": legacy, "k8s/s.yaml": service("web", "app: web", "    - port: 80\n")[4:]},
    )
    (f,) = _k8s(root, "K8S003")
    assert "port number 8080" in f.message and "80" in f.message


# ------------------------------------------------------------------ K8S004 / K8S005


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


def test_numeric_probe_port_is_not_reported(tmp_path: Path) -> None:
    extra = "          livenessProbe: {httpGet: {path: /, port: 8080}}\n"
    root = write_tree(
        tmp_path,
        {
            "d.yaml": deployment(
                "x", "app: x", "          ports: [{name: http, containerPort: 80}]\n", extra
            )
        },
    )
    assert _k8s(root, "K8S005") == []


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


def test_jvm_percentage_warning_and_detection(tmp_path: Path) -> None:
    env = (
        "          env:\n            - name: JAVA_TOOL_OPTIONS\n"
        "              value: -XX:MaxRAMPercentage=90\n"
    )
    root = write_tree(
        tmp_path,
        {"d.yaml": deployment("svc", "app: svc", "", env).replace("memory: 128Mi", "memory: 2Gi")},
    )
    (f,) = _k8s(root, "K8S006")
    assert f.severity is Severity.WARNING and "MaxRAMPercentage=90" in f.message
    root = write_tree(
        tmp_path / "b",
        {
            "d.yaml": deployment("es", "app: es")
            .replace("ghcr.io/acme/es:1.0.0", "elasticsearch:8.15.0")
            .replace("          resources: {limits: {memory: 128Mi}}\n", "")
        },
    )
    (f,) = _k8s(root, "K8S006")
    assert f.severity is Severity.WARNING and "without a memory limit" in f.message
    assert [x.rule for x in _k8s(root, "K8S007")] == []  # reported once, by K8S006


def test_is_jvm_negative() -> None:
    from infradoctor.model.k8s import Container
    from infradoctor.model.source import Location

    loc = Location("f", 1)
    assert not is_jvm(Container("web", loc, image="nginx:1.27"))
    assert not is_jvm(Container("web", loc, image="ghcr.io/acme/javascript-app:1.0"))
    assert is_jvm(Container("api", loc, image="eclipse-temurin:21-jre"))
    assert is_jvm(Container("api", loc, image="x:1", command=["/usr/bin/java", "-jar", "a"]))


def test_image_tag_managed_by_kustomize_or_skaffold(tmp_path: Path) -> None:
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - {name: a, image: frontend}\n    - {name: b, image: 'redis:latest'}\n"
        "    - {name: c, image: cartservice}\n"
    )
    root = write_tree(
        tmp_path,
        {
            "k8s/p.yaml": pod,
            "k8s/kustomization.yaml": "resources: [p.yaml]\nimages:\n  - name: cartservice\n"
            "    newTag: v1.2.3\n",
            "skaffold.yaml": "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n"
            "    - image: frontend\n      context: src/frontend\n",
        },
    )
    assert [f.data["container"] for f in _k8s(root, "K8S008")] == ["b"]


def test_hpa_and_pdb_use_each_other(tmp_path: Path) -> None:
    dep = deployment("web", "app: web").replace(
        "          resources: {limits: {memory: 128Mi}}\n",
        "          resources: {requests: {cpu: 100m}, limits: {memory: 128Mi}}\n",
    )
    hpa = (
        "---\napiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\n"
        "metadata: {name: web}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n"
        "  minReplicas: 3\n  maxReplicas: 9\n  targetCPUUtilizationPercentage: 60\n"
    )
    pdb = (
        "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n"
        "spec:\n  minAvailable: 2\n  selector: {matchLabels: {app: web}}\n"
    )
    root = write_tree(tmp_path, {"k8s/web.yaml": dep + hpa + pdb})
    # replicas unset would mean 1 (< minAvailable 2), but the HPA keeps at least 3
    assert _k8s(root) == []
    root = write_tree(
        tmp_path / "b",
        {"k8s/web.yaml": dep + hpa.replace("minReplicas: 3", "minReplicas: 2") + pdb},
    )
    assert [f.rule for f in _k8s(root)] == ["K8S010"]
    root = write_tree(tmp_path / "c", {"k8s/web.yaml": deployment("web", "app: web") + hpa})
    (f,) = _k8s(root)
    assert f.rule == "K8S009" and "cpu" in f.message


def test_service_for_operator_pods_is_not_flagged(tmp_path: Path) -> None:
    """The Elasticsearch operator creates the pods of `quickstart`; their labels are not in
    the manifests, so a selector naming the custom resource is not a mismatch."""
    es = (
        "---\napiVersion: elasticsearch.k8s.elastic.co/v1\nkind: Elasticsearch\n"
        "metadata: {name: quickstart}\nspec:\n  version: 8.15.0\n"
    )
    svc = service(
        "es", "elasticsearch.k8s.elastic.co/cluster-name: quickstart", "    - port: 9200\n"
    )
    root = write_tree(tmp_path, {"k8s/all.yaml": deployment("kibana", "app: kibana") + es + svc})
    assert _k8s(root, "K8S001") == []
    root = write_tree(tmp_path / "b", {"k8s/all.yaml": deployment("kibana", "app: kibana") + svc})
    assert [f.rule for f in _k8s(root, "K8S001")] == ["K8S001"]


def test_gateway_api_route_backend_refs(tmp_path: Path) -> None:
    route = (
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\n"
        "spec:\n  parentRefs: [{name: gw}]\n  rules:\n    - backendRefs:\n"
        "        - {name: web, port: 8080}\n        - {name: other-ns, namespace: x, port: 1}\n"
        "        - {name: bucket, group: storage.example.com, kind: Bucket}\n"
    )
    svc = service("web", "app: web", "    - {port: 80, targetPort: 8080}\n")[4:]
    root = write_tree(tmp_path, {"k8s/route.yaml": route, "k8s/svc.yaml": svc})
    (f,) = _k8s(root, "K8S003")
    assert f.message.startswith("HTTPRoute 'r' routes a rule to Service 'web' port number 8080")
    (tmp_path / "k8s" / "route.yaml").write_text(route.replace("port: 8080", "port: 80"))
    assert _k8s(root, "K8S003") == []


def test_jvm_options_from_a_config_map(tmp_path: Path) -> None:
    """JAVA_OPTS kept in a ConfigMap (configMapKeyRef, envFrom) count like literal env."""
    cm = (
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: jvm}\n"
        "data:\n  JAVA_OPTS: -Xms1g -Xmx1g\n  other: x\n"
    )
    key_ref = (
        "          env:\n            - name: JAVA_OPTS\n              valueFrom:\n"
        "                configMapKeyRef: {name: jvm, key: JAVA_OPTS}\n"
    )
    env_from = "          envFrom:\n            - configMapRef: {name: jvm}\n"
    for i, extra in enumerate((key_ref, env_from)):
        dep = deployment("api", "app: api", "", extra).replace("128Mi", "1Gi")
        root = write_tree(tmp_path / str(i), {"k8s/api.yaml": dep + cm})
        (f,) = _k8s(root, "K8S006")
        assert f.severity is Severity.ERROR and "-Xmx1g (JAVA_OPTS)" in f.message
        assert f.location.line == dep.count("\n") + 6  # the ConfigMap's JAVA_OPTS line
