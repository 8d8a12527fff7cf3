"""K8S004's fix: a readinessProbe built from a known health endpoint only (the container's
liveness/startup probe, the image table's documented endpoint), else an unsafe TCP check
of the Service's port; written where the user edits it (manifest, kustomize file used by
one render, Helm values.yaml when the template reads the probe from values), shown only
for a shared kustomize base and for Terraform."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import LintResult, lint
from infradoctor.findings import Applicability, Finding
from infradoctor.fixes.apply import run_fixes
from infradoctor.fixes.yaml_edit import TextEdit, apply_text_edits
from infradoctor.loaders import helm as helm_loader
from tests.conftest import write_tree
from tests.helmbin import require_helm

REPO = Path(__file__).resolve().parents[2]


def _config(helm: str | None = "off") -> LintConfig:
    config = LintConfig(select=["K8S004"], report_unused_suppressions=False)
    config.helm = helm
    return config


def _k8s004(root: Path, helm: str | None = "off") -> list[Finding]:
    result: LintResult = lint(root, _config(helm))
    return [f for f in result.findings if f.rule == "K8S004"]


def _fix_twice(root: Path, rel: str, unsafe: bool = False, helm: str | None = "off") -> str:
    """Fix, check the finding is gone and a second run changes nothing; the new text."""
    run = run_fixes(root, _config(helm), unsafe=unsafe)
    assert run.applied and not run.refused, run.refused
    text = (root / rel).read_text()
    assert _k8s004(root, helm) == []
    again = run_fixes(root, _config(helm), unsafe=unsafe)
    assert not again.applied and not again.refused
    assert (root / rel).read_text() == text
    return text


def _suggested(root: Path, finding: Finding, rel: str) -> str:
    """The file as the (display-only) fix would leave it."""
    fix = finding.fix
    assert fix is not None
    text = (root / rel).read_text()
    edits = [TextEdit(e.start, e.end, e.replacement) for e in fix.edits if e.file == rel]
    assert edits
    return apply_text_edits(text, edits)


SERVICE = """\
---
apiVersion: v1
kind: Service
metadata:
  name: orders   # public
spec:
  selector:
    app: orders
  ports:
    - port: 80
      targetPort: http
"""


def _deployment(container: str) -> str:
    return (
        "# orders backend\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n"
        "  replicas: 2\n  selector:\n    matchLabels:\n      app: orders\n  template:\n"
        "    metadata:\n      labels:\n        app: orders\n    spec:\n      containers:\n"
        + container
    )


LIVENESS = """\
        - name: orders   # the app
          image: ghcr.io/acme/orders:3.2.0
          ports:
            - name: http
              containerPort: 8080
          livenessProbe:
            httpGet:
              path: /livez
              port: http
              scheme: HTTPS
            initialDelaySeconds: 40
            timeoutSeconds: 3
          # limits come from the LimitRange
"""


def test_liveness_copy_in_a_multi_document_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"k8s/orders.yaml": _deployment(LIVENESS) + SERVICE})
    [finding] = _k8s004(root)
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    text = _fix_twice(root, "k8s/orders.yaml")
    assert (
        text
        == _deployment(
            LIVENESS.replace(
                "            timeoutSeconds: 3\n",
                "            timeoutSeconds: 3\n"
                "          readinessProbe:\n"
                "            httpGet:\n"
                "              path: /livez\n"
                "              port: http\n"
                "              scheme: HTTPS\n"
                "            periodSeconds: 5\n"
                "            timeoutSeconds: 3\n"
                "            failureThreshold: 3\n",
            )
        )
        + SERVICE
    )
    assert text.count("#") == 4  # every comment kept


def test_spring_boot_liveness_group_gives_the_readiness_group(tmp_path: Path) -> None:
    container = LIVENESS.replace("/livez", "/actuator/health/liveness")
    root = write_tree(tmp_path, {"orders.yaml": _deployment(container) + SERVICE})
    text = _fix_twice(root, "orders.yaml")
    assert "          readinessProbe:\n            httpGet:\n" in text
    assert "              path: /actuator/health/readiness\n" in text
    assert text.count("/actuator/health/liveness") == 1


def test_other_liveness_paths_are_copied_as_they_are(tmp_path: Path) -> None:
    container = LIVENESS.replace("/livez", "/api/health/liveness")
    root = write_tree(tmp_path, {"orders.yaml": _deployment(container) + SERVICE})
    text = _fix_twice(root, "orders.yaml")
    assert text.count("path: /api/health/liveness") == 2 and "readiness\n" not in text


def test_startup_probe_is_copied_when_there_is_no_liveness(tmp_path: Path) -> None:
    container = LIVENESS.replace("livenessProbe:", "startupProbe:")
    root = write_tree(tmp_path, {"orders.yaml": _deployment(container) + SERVICE})
    text = _fix_twice(root, "orders.yaml")
    assert "startupProbe:" in text and "readinessProbe:\n            httpGet:" in text


FLOW = (
    "        - {name: orders, image: 'ghcr.io/acme/orders:3.2.0', "
    "ports: [{name: http, containerPort: 8080}], "
    "livenessProbe: {httpGet: {path: /livez, port: http}}}  # flow\n"
)


def test_flow_style_container_gets_a_flow_entry(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"orders.yaml": _deployment(FLOW) + SERVICE})
    text = _fix_twice(root, "orders.yaml")
    assert (
        text
        == _deployment(
            FLOW.replace(
                "port: http}}}",
                "port: http}}, readinessProbe: {httpGet: {path: /livez, port: http}, "
                "periodSeconds: 5, failureThreshold: 3}}",
            )
        )
        + SERVICE
    )


def test_flow_style_with_a_comment_inside_is_refused_untouched(tmp_path: Path) -> None:
    container = (
        "        - {name: orders, image: 'ghcr.io/acme/orders:3.2.0',\n"
        "           ports: [{name: http, containerPort: 8080}],\n"
        "           livenessProbe: {httpGet: {path: /livez, port: http}}  # inside\n"
        "          }\n"
    )
    original = _deployment(container) + SERVICE
    root = write_tree(tmp_path, {"orders.yaml": original})
    [finding] = _k8s004(root)
    assert finding.fix is None
    run = run_fixes(root, _config(), unsafe=True)
    assert not run.applied and not run.refused
    assert (root / "orders.yaml").read_text() == original


def _prometheus(port: int) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: prom}\nspec:\n"
        "  selector: {matchLabels: {app: prom}}\n  template:\n"
        "    metadata: {labels: {app: prom}}\n    spec:\n      containers:\n"
        "        - name: prometheus\n          image: prom/prometheus:v2.53.0\n"
        f"          args: ['--web.listen-address=:{port}']\n"
        f"          ports:\n            - containerPort: {port}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: prom}\n"
        f"spec:\n  selector: {{app: prom}}\n  ports: [{{port: {port}}}]\n"
    )


def test_image_table_endpoint_on_the_port_the_container_serves(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"prom.yaml": _prometheus(9090)})
    [finding] = _k8s004(root)
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    text = _fix_twice(root, "prom.yaml")
    assert text == _prometheus(9090).replace(
        "            - containerPort: 9090\n",
        "            - containerPort: 9090\n"
        "          readinessProbe:\n"
        "            httpGet:\n"
        "              path: /-/ready\n"
        "              port: 9090\n"
        "            periodSeconds: 5\n"
        "            failureThreshold: 3\n",
    )


def test_image_moved_to_another_port_gets_only_the_unsafe_tcp_probe(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"prom.yaml": _prometheus(9091)})
    [finding] = _k8s004(root)
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert "/-/ready" not in str(finding.fix.edits)
    run = run_fixes(root, _config())
    assert not run.applied and (root / "prom.yaml").read_text() == _prometheus(9091)
    text = _fix_twice(root, "prom.yaml", unsafe=True)
    assert "          readinessProbe:\n            tcpSocket:\n              port: 9091\n" in text


@pytest.mark.parametrize(
    "change",
    [
        (
            "          args:",
            "          command: ['/bin/sh', '/etc/prom/start.sh']\n          args:",
        ),
        ("listen-address=:9090'", "listen-address=:9090', '--web.route-prefix=/prometheus'"),
    ],
    ids=["own-command", "route-prefix"],
)
def test_image_endpoint_not_trusted_when_the_image_is_reconfigured(
    tmp_path: Path, change: tuple[str, str]
) -> None:
    root = write_tree(tmp_path, {"prom.yaml": _prometheus(9090).replace(*change)})
    [finding] = _k8s004(root)
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert "/-/ready" not in str(finding.fix.edits) and "tcpSocket" in str(finding.fix.edits)


NO_PROBE = """\
        - name: orders
          image: ghcr.io/acme/orders:3.2.0
          ports:
            - name: http
              containerPort: 8080
"""


def test_no_known_path_tcp_socket_on_the_service_target_is_unsafe(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"orders.yaml": _deployment(NO_PROBE) + SERVICE})
    assert run_fixes(root, _config()).applied == []
    text = _fix_twice(root, "orders.yaml", unsafe=True)
    assert (
        text
        == _deployment(
            NO_PROBE + "          readinessProbe:\n"
            "            tcpSocket:\n"
            "              port: http\n"
            "            periodSeconds: 5\n"
            "            failureThreshold: 3\n"
        )
        + SERVICE
    )


def test_commented_out_lines_of_the_last_entry_stay_with_it(tmp_path: Path) -> None:
    container = NO_PROBE + (
        "          resources:\n            limits:\n              cpu: 1\n"
        "              # memory: 2Gi\n"
    )
    root = write_tree(tmp_path, {"orders.yaml": _deployment(container) + SERVICE})
    text = _fix_twice(root, "orders.yaml", unsafe=True)
    assert "              # memory: 2Gi\n          readinessProbe:\n" in text


@pytest.mark.parametrize(
    ("container", "target"),
    [
        (NO_PROBE, "9999"),
        (NO_PROBE.split("          ports:")[0], "0"),
        (NO_PROBE.split("          ports:")[0], "55555\n  clusterIP: None"),
    ],
    ids=["undeclared-port", "port-zero", "headless-placeholder"],
)
def test_no_port_known_means_no_fix(tmp_path: Path, container: str, target: str) -> None:
    service = SERVICE.replace("targetPort: http", f"targetPort: {target}")
    root = write_tree(tmp_path, {"orders.yaml": _deployment(container) + service})
    [finding] = _k8s004(root)
    assert finding.fix is None


# ------------------------------------------------------------------ kustomize

BASE = {
    "base/kustomization.yaml": "resources:\n  - app.yaml\n",
    "base/app.yaml": _deployment(LIVENESS) + SERVICE,
}


def test_kustomize_base_of_one_overlay_is_edited(tmp_path: Path) -> None:
    files = {**BASE, "prod/kustomization.yaml": "resources:\n  - ../base\nnamespace: shop\n"}
    root = write_tree(tmp_path, files)
    [finding] = _k8s004(root)
    assert finding.location.file == "base/app.yaml"
    text = _fix_twice(root, "base/app.yaml")
    assert "          readinessProbe:\n            httpGet:\n              path: /livez\n" in text
    assert (root / "prod/kustomization.yaml").read_text() == files["prod/kustomization.yaml"]


PATCH = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n"
    "  template:\n    spec:\n      containers:\n        - name: orders\n"
    "          readinessProbe:\n            httpGet: {path: /ready, port: http}\n"
)
INLINE = """\
  - patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: orders
      spec:
        template:
          spec:
            containers:
              - name: orders
                readinessProbe:
                  httpGet:
                    path: /livez
                    port: http
                    scheme: HTTPS
                  periodSeconds: 5
                  timeoutSeconds: 3
                  failureThreshold: 3
"""


def _overlays(dev: str) -> dict[str, str]:
    return {
        **BASE,
        "dev/kustomization.yaml": dev,
        "prod/kustomization.yaml": (
            "resources:\n  - ../base\nnamespace: prod\npatches:\n  - path: ready.yaml\n"
        ),
        "prod/ready.yaml": PATCH,
    }


@pytest.mark.parametrize(
    ("dev", "fixed"),
    [
        (
            "resources:\n  - ../base\nnamespace: dev   # dev cluster\n",
            "resources:\n  - ../base\nnamespace: dev   # dev cluster\npatches:\n" + INLINE,
        ),
        (
            "resources:\n- ../base\nnamespace: dev\npatches:\n- path: replicas.yaml  # one\n",
            "resources:\n- ../base\nnamespace: dev\npatches:\n- path: replicas.yaml  # one\n"
            + "\n".join(line[2:] for line in INLINE.split("\n")),
        ),
    ],
    ids=["new-patches-key", "appended-indentless"],
)
def test_shared_base_gets_an_inline_patch_in_the_overlay(
    tmp_path: Path, dev: str, fixed: str
) -> None:
    files = _overlays(dev)
    if "replicas.yaml" in dev:
        files["dev/replicas.yaml"] = (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\n"
            "spec:\n  replicas: 1\n"
        )
    root = write_tree(tmp_path, files)
    [finding] = _k8s004(root)
    assert finding.data["namespace"] == "dev"
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert "as a patch in the dev overlay" in finding.fix.title
    assert _fix_twice(root, "dev/kustomization.yaml") == fixed
    for rel in ("base/app.yaml", "prod/kustomization.yaml", "prod/ready.yaml"):
        assert (root / rel).read_text() == files[rel]


def test_every_overlay_lacking_the_probe_is_patched_by_one_fix(tmp_path: Path) -> None:
    dev = "resources:\n  - ../base\n"  # same namespace: one finding for both renders
    files = {**_overlays(dev), "staging/kustomization.yaml": dev}
    root = write_tree(tmp_path, files)
    [finding] = _k8s004(root)
    assert finding.fix is not None
    assert {e.file for e in finding.fix.edits} == {
        "dev/kustomization.yaml",
        "staging/kustomization.yaml",
    }
    assert "dev, staging overlays" in finding.fix.title
    assert _fix_twice(root, "staging/kustomization.yaml") == dev + "patches:\n" + INLINE
    assert (root / "dev/kustomization.yaml").read_text() == dev + "patches:\n" + INLINE
    assert (root / "prod/kustomization.yaml").read_text() == files["prod/kustomization.yaml"]


def test_shared_base_renamed_by_the_overlay_is_display_only(tmp_path: Path) -> None:
    files = _overlays("resources:\n  - ../base\nnamespace: dev\nnamePrefix: dev-\n")
    root = write_tree(tmp_path, files)
    [finding] = _k8s004(root)
    fix = finding.fix
    assert fix is not None and fix.applicability is Applicability.DISPLAY_ONLY
    assert "shared by other overlays" in fix.title
    assert "readinessProbe:\n            httpGet:\n              path: /livez\n" in _suggested(
        root, finding, "base/app.yaml"
    )
    run = run_fixes(root, _config(), unsafe=True)
    assert not run.applied and (root / "base/app.yaml").read_text() == BASE["base/app.yaml"]


# ------------------------------------------------------------------ Terraform

TF = """\
locals {
  health_path = "/health"
}

resource "kubernetes_deployment" "tiles" {
  metadata {
    name = "tiles"
  }
  spec {
    selector {
      match_labels = {
        app = "tiles"
      }
    }
    template {
      metadata {
        labels = {
          app = "tiles"
        }
      }
      spec {
        container {
          name  = "tiles"
          image = "ghcr.io/acme/tiles:1.0.0"
          port {
            container_port = 8081
          }
          liveness_probe {
            http_get {
              path = local.health_path # shared
              port = 8081
            }
            initial_delay_seconds = 30
          }
        }
      }
    }
  }
}

resource "kubernetes_service" "tiles" {
  metadata {
    name = "tiles"
  }
  spec {
    selector = {
      app = "tiles"
    }
    port {
      port        = 80
      target_port = 8081
    }
  }
}
"""


def test_terraform_gets_a_display_only_block(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"main.tf": TF})
    [finding] = _k8s004(root)
    fix = finding.fix
    assert fix is not None and fix.applicability is Applicability.DISPLAY_ONLY
    assert _suggested(root, finding, "main.tf") == TF.replace(
        "            initial_delay_seconds = 30\n          }\n",
        "            initial_delay_seconds = 30\n          }\n"
        "          readiness_probe {\n"
        "            http_get {\n"
        "              path = local.health_path # shared\n"
        "              port = 8081\n"
        "            }\n"
        "            period_seconds = 5\n"
        "            failure_threshold = 3\n"
        "          }\n",
    )
    run = run_fixes(root, _config(), unsafe=True)
    assert not run.applied and (root / "main.tf").read_text() == TF


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
  replicas: {{ .Values.replicaCount }}
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
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            - name: http
              containerPort: 8080
          {{- with .Values.livenessProbe }}
          livenessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          READINESS
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
"""
FROM_VALUES = """{{- with .Values.readinessProbe }}
          readinessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}"""
VALUES = """\
replicaCount: 2
image:
  repository: ghcr.io/acme/web
  tag: 1.4.2
# probes
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  initialDelaySeconds: 20
READINESS
resources: {}   # set per environment
"""
CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: 1.4.2\n"


def _chart(tmp_path: Path, template: str, values: str) -> Path:
    return write_tree(
        tmp_path / "stack",
        {
            "chart/Chart.yaml": CHART,
            "chart/values.yaml": values,
            "chart/templates/deployment.yaml": TEMPLATE.replace("READINESS", template),
        },
    )


READY_VALUES = (
    "readinessProbe:\n  httpGet:\n    path: /healthz\n    port: http\n"
    "  periodSeconds: 5\n  failureThreshold: 3\n"
)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", READY_VALUES),  # no key: added after the last entry
        ("readinessProbe:\n", READY_VALUES),  # null
        ("readinessProbe: {}  # off\n", READY_VALUES.replace(":\n", ": # off\n", 1)),
    ],
    ids=["missing", "null", "empty-flow"],
)
def test_helm_values_get_the_probe_the_template_renders(
    tmp_path: Path, before: str, after: str
) -> None:
    helm = require_helm()
    root = _chart(tmp_path, FROM_VALUES, VALUES.replace("READINESS\n", before))
    [finding] = _k8s004(root, helm)
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert {e.file for e in finding.fix.edits} == {"chart/values.yaml"}
    text = _fix_twice(root, "chart/values.yaml", helm=helm)
    if before:
        assert text == VALUES.replace("READINESS\n", after)
    else:  # appended at the end of the top-level mapping, after `resources:`
        assert text == VALUES.replace("READINESS\n", "") + READY_VALUES
    template = (root / "chart/templates/deployment.yaml").read_text()
    assert template == TEMPLATE.replace("READINESS", FROM_VALUES)


def test_helm_template_without_values_probe_is_shown_in_the_template(tmp_path: Path) -> None:
    helm = require_helm()
    root = _chart(tmp_path, "# no readiness probe here", VALUES.replace("READINESS\n", ""))
    [finding] = _k8s004(root, helm)
    fix = finding.fix
    assert fix is not None and fix.applicability is Applicability.DISPLAY_ONLY
    assert "in the template" in fix.title
    rel = "chart/templates/deployment.yaml"
    assert _suggested(root, finding, rel) == TEMPLATE.replace(
        "READINESS", "# no readiness probe here"
    ).replace(
        "        - name: web\n",
        "        - name: web\n"
        "          readinessProbe:\n"
        "            httpGet:\n"
        "              path: /healthz\n"
        "              port: http\n"
        "            periodSeconds: 5\n"
        "            failureThreshold: 3\n",
    )
    before = (root / rel).read_text()
    assert not run_fixes(root, _config(helm), unsafe=True).applied
    assert (root / rel).read_text() == before
