"""Kubernetes loader: multi-document files, List kinds, named ports, probes, locations,
kustomize facts (namespace, patches, images), Helm templates and bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import write_tree

from infradoctor.loaders import load_stack
from infradoctor.model.k8s import K8sObject
from infradoctor.model.source import FileKind

FIXTURES = Path(__file__).parent / "fixtures" / "k8s"

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    tier: frontend
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
        version: v2
    spec:
      initContainers:
        - name: migrate
          image: ghcr.io/acme/web:2.0.0
          command: ["./manage.py", "migrate"]
      containers:
        - name: web
          image: ghcr.io/acme/web:2.0.0
          args: ["--port", "8000"]
          ports:
            - name: http
              containerPort: 8000
            - containerPort: 9090
              protocol: UDP
          env:
            - name: JAVA_OPTS
              value: "-Xmx512m"
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: db, key: password}
          readinessProbe:
            httpGet:
              path: /ready
              port: http
          livenessProbe:
            tcpSocket:
              port: 8000
          startupProbe:
            exec:
              command: ["true"]
          resources:
            requests:
              cpu: 100m
              memory: 256Mi
            limits:
              memory: 1Gi
          securityContext:
            runAsNonRoot: true
---
# a comment-only document follows
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: http
    - port: 9090
      protocol: UDP
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
spec:
  defaultBackend:
    service:
      name: web
      port:
        name: http
  rules:
    - http:
        paths:
          - path: /api
            pathType: Prefix
            backend:
              service:
                name: api
                port:
                  number: 8080
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 6
  metrics:
    - type: Resource
      resource:
        name: memory
        target: {type: Utilization, averageUtilization: 80}
    - type: Resource
      resource:
        name: cpu
        target: {type: AverageValue, averageValue: 500m}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: shop
spec:
  maxUnavailable: 25%
  selector:
    matchExpressions:
      - {key: app, operator: In, values: [web, web-canary]}
"""


def _by(objects: list[K8sObject], kind: str, name: str) -> K8sObject:
    return next(o for o in objects if o.kind == kind and o.name == name)


def test_multi_document_file_loads_every_object(tmp_path: Path) -> None:
    stack = load_stack(write_tree(tmp_path, {"k8s/app.yaml": APP}))
    assert not stack.errors, stack.errors
    assert [o.kind for o in stack.k8s] == [
        "Deployment",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    ]
    assert stack.files["k8s/app.yaml"].kind is FileKind.K8S
    assert stack.files["k8s/app.yaml"].text.startswith("apiVersion")
    assert all(o.namespace == "shop" for o in stack.k8s)


def test_workload_facts_and_locations(tmp_path: Path) -> None:
    stack = load_stack(write_tree(tmp_path, {"k8s/app.yaml": APP}))
    dep = _by(stack.k8s, "Deployment", "web")
    assert dep.file == "k8s/app.yaml" and dep.location.line == 1
    assert dep.name_location is not None and dep.name_location.line == 4
    assert dep.labels == {"tier": "frontend"}
    w = dep.workload
    assert w is not None
    assert w.replicas == 3 and w.replicas_location is not None and w.replicas_location.line == 9
    assert w.selector is not None and w.selector.match_labels == {"app": "web"}
    assert w.pod.labels == {"app": "web", "version": "v2"}
    assert w.pod.labels_location is not None and w.pod.labels_location.line == 16
    (init,) = w.pod.init_containers
    assert init.init and init.command == ["./manage.py", "migrate"]
    (c,) = w.pod.containers
    assert c.name == "web" and c.location.line == 24
    assert c.image == "ghcr.io/acme/web:2.0.0"
    assert c.image_location is not None and c.image_location.line == 25
    assert c.args == ["--port", "8000"]
    http, udp = c.ports
    assert (http.name, http.number, http.protocol, http.location.line) == ("http", 8000, "TCP", 28)
    assert (udp.name, udp.number, udp.protocol) == (None, 9090, "UDP")
    assert c.port_named("http") is http and w.pod.exposes(9090) and not w.pod.exposes(80)
    ready, live, start = c.probes["readiness"], c.probes["liveness"], c.probes["startup"]
    assert (ready.handler, ready.port, ready.location.line) == ("httpGet", "http", 38)
    assert ready.port_location is not None and ready.port_location.line == 41
    assert (live.handler, live.port) == ("tcpSocket", 8000)
    assert (start.handler, start.port) == ("exec", None)
    assert c.requests == {"cpu": "100m", "memory": "256Mi"} and c.limits == {"memory": "1Gi"}
    assert c.resource_locations["limits.memory"].line == 53
    assert [(e.name, e.value, e.value_from) for e in c.env] == [
        ("JAVA_OPTS", "-Xmx512m", False),
        ("DB_PASSWORD", None, True),
    ]
    assert c.security_context == {"runAsNonRoot": True}


def test_service_ingress_hpa_pdb(tmp_path: Path) -> None:
    stack = load_stack(write_tree(tmp_path, {"k8s/app.yaml": APP}))
    svc = _by(stack.k8s, "Service", "web").service
    assert svc is not None and svc.type == "NodePort"
    assert svc.selector is not None and svc.selector.match_labels == {"app": "web"}
    named, udp = svc.ports
    assert (named.port, named.target_port, named.name) == (80, "http", "http")
    assert named.target_location is not None and named.target_location.line == 71
    assert (udp.port, udp.target_port, udp.effective_target, udp.protocol) == (
        9090,
        None,
        9090,
        "UDP",
    )
    backends = _by(stack.k8s, "Ingress", "web").ingress_backends
    assert backends is not None
    assert [(b.service, b.port, b.path) for b in backends] == [
        ("web", "http", None),
        ("api", 8080, "/api"),
    ]
    assert backends[1].port_location is not None and backends[1].port_location.line == 95
    hpa = _by(stack.k8s, "HorizontalPodAutoscaler", "web").hpa
    assert hpa is not None
    assert (hpa.target_kind, hpa.target_name, hpa.min_replicas, hpa.max_replicas) == (
        "Deployment",
        "web",
        2,
        6,
    )
    assert hpa.resource_metrics == ["memory"]  # cpu is an AverageValue target: no request needed
    pdb = _by(stack.k8s, "PodDisruptionBudget", "web").pdb
    assert pdb is not None and pdb.max_unavailable == "25%" and pdb.min_available is None
    assert pdb.selector is not None
    assert pdb.selector.matches({"app": "web-canary"}) and not pdb.selector.matches({"app": "x"})


def test_list_kind_items_and_cronjob(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: debug
      labels: {app: debug}
    spec:
      containers:
        - name: sh
          image: busybox:1.37.0
  - apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: nightly
    spec:
      schedule: "0 3 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              containers:
                - name: backup
                  image: ghcr.io/acme/backup:1.0.0
  - apiVersion: apps/v1
    kind: DeploymentList
    items:
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: nested}
        spec:
          template:
            metadata: {labels: {app: nested}}
            spec:
              containers: [{name: n, image: "nginx:1.27"}]
"""
    stack = load_stack(write_tree(tmp_path, {"list.yaml": text}))
    assert not stack.errors, stack.errors
    assert [(o.kind, o.name) for o in stack.k8s] == [
        ("Pod", "debug"),
        ("CronJob", "nightly"),
        ("Deployment", "nested"),
    ]
    pod = stack.k8s[0]
    assert pod.pod is not None and pod.pod.labels == {"app": "debug"}
    assert pod.location.line == 4
    cron = stack.k8s[1]
    assert [c.name for c in cron.containers] == ["backup"]


def test_kustomize_patches_namespace_and_images(tmp_path: Path) -> None:
    base_dep = (
        APP.split("---")[0]
        .replace("  namespace: shop\n", "")
        .replace("ghcr.io/acme/web:2.0.0", "ghcr.io/acme/web")
    )
    files = {
        "base/kustomization.yaml": "resources:\n  - web.yaml\nnamespace: store\n",
        "base/web.yaml": base_dep,
        "overlays/prod/kustomization.yaml": (
            "resources:\n  - ../../base\n  - extra.yaml\npatches:\n  - path: replicas.yaml\n"
            "images:\n  - name: ghcr.io/acme/web\n    newTag: 2.1.0\n"
        ),
        "overlays/prod/replicas.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n"
        ),
        "overlays/prod/extra.yaml": (
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\nspec:\n"
            "  selector: {app: extra}\n  ports: [{port: 80}]\n"
        ),
    }
    stack = load_stack(write_tree(tmp_path, files))
    assert not stack.errors, stack.errors
    names = {(o.file, o.kind, o.name): o for o in stack.k8s}
    # the root overlay is rendered (tests/loaders/test_kustomize.py): the patch file is not
    # an object and the base is not loaded on its own
    root = "overlays/prod/kustomization.yaml"
    assert set(names) == {(root, "Deployment", "web"), (root, "Service", "extra")}
    assert not names[(root, "Service", "extra")].partial
    web = names[(root, "Deployment", "web")]
    assert not web.partial and web.namespace == "store"
    assert web.workload is not None and web.workload.replicas == 5
    # kustomize retagged the image: the overlay's newTag is its last word
    assert web.containers[0].image == "ghcr.io/acme/web:2.1.0"
    assert not web.containers[0].image_managed


def test_helm_templates_are_skipped_but_template_looking_data_is_not(tmp_path: Path) -> None:
    helm = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n"
        "spec:\n  ports: [{port: 80}]\n"
    )
    rules = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alerts\ndata:\n"
        '  rules.yml: |\n    summary: "{{ $labels.instance }} down"\n'
    )
    stack = load_stack(write_tree(tmp_path, {"deploy/svc.yaml": helm, "deploy/alerts.yaml": rules}))
    assert [o.name for o in stack.k8s] == ["alerts"]
    assert not stack.errors, stack.errors


def test_bad_input_becomes_errors_not_exceptions(tmp_path: Path) -> None:
    files = {
        "broken.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: [oops\n",
        "odd.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: 7\nspec:\n"
            "  template: [1, 2]\n  replicas: many\n"
        ),
        "wrong-types.yaml": (
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n"
            "  selector: [a, b]\n  ports: {port: 80}\n---\n"
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
            "  template:\n    metadata: {labels: x}\n    spec:\n"
            "      containers: [7, {name: c, ports: [8080, {containerPort: x}], "
            "readinessProbe: 3, resources: {limits: [1]}, env: [{value: 1}]}]\n"
        ),
        "bomb.yaml": "apiVersion: v1\nkind: ConfigMap\n"
        + "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, "
            f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
            f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
            f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
            for i in range(8)
        ),
    }
    stack = load_stack(write_tree(tmp_path, files))
    by_file = {e.file: e for e in stack.errors}
    assert by_file["broken.yaml"].line in (4, 5)  # libyaml: at the unclosed [ or EOF
    assert by_file["bomb.yaml"].kind == "alias-bomb"
    kinds = {(o.file, o.kind) for o in stack.k8s}
    assert ("odd.yaml", "Deployment") in kinds and ("wrong-types.yaml", "Service") in kinds
    d = next(o for o in stack.k8s if o.name == "d")
    assert d.workload is not None and [c.name for c in d.containers] == ["c"]


def test_recorded_cluster_objects_load(tmp_path: Path) -> None:
    """Real `kubectl get -o json` output (see the fixture's header) converted to YAML."""
    shutil.copy(FIXTURES / "kube-system-recorded.yaml", tmp_path / "kube-system.yaml")
    stack = load_stack(tmp_path)
    assert not stack.errors, stack.errors
    ms = _by(stack.k8s, "Deployment", "metrics-server")
    assert ms.namespace == "kube-system" and ms.workload is not None
    assert ms.workload.pod.labels == {"k8s-app": "metrics-server"}
    (c,) = ms.containers
    assert c.image == "rancher/mirrored-metrics-server:v0.5.2"
    assert [(p.name, p.number) for p in c.ports] == [("https", 4443)]
    assert c.probes["readiness"].port == "https" and c.probes["liveness"].port == "https"
    assert c.limits == {} and c.requests == {"cpu": "100m", "memory": "70Mi"}
    svc = _by(stack.k8s, "Service", "metrics-server").service
    assert svc is not None and [(p.port, p.target_port) for p in svc.ports] == [(443, "https")]
    dns = _by(stack.k8s, "Service", "kube-dns").service
    assert dns is not None and [p.protocol for p in dns.ports] == ["UDP", "TCP", "TCP"]
