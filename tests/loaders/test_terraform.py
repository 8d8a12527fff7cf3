"""Terraform loader: kubernetes_* resources become K8s objects whose findings point at
.tf lines; ConfigMap data from heredocs and templatefile() keeps its location;
helm_release values and set blocks are recorded; unknown values are never guessed;
malformed HCL is a load error naming file:line; what is not modelled is listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import write_tree

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders import load_stack
from infradoctor.model.k8s import K8sObject
from infradoctor.model.stack import Stack
from infradoctor.syntax.hcl import MAX_DEPTH, HclError, parse

MAIN_TF = """\
variable "image_tag" {
  default = "1.4.2"
}

locals {
  app = "catalog"
}

resource "kubernetes_deployment_v1" "catalog" {
  metadata {
    name = local.app
  }
  spec {
    replicas = 2
    selector {
      match_labels = {
        app = local.app
      }
    }
    template {
      metadata {
        labels = {
          app = local.app
        }
      }
      spec {
        container {
          name  = "catalog"
          image = "ghcr.io/acme/catalog:${var.image_tag}"
          env {
            name  = "JAVA_OPTS"
            value = "-Xmx2g"
          }
          port {
            container_port = 8080
            name           = "http"
          }
          resources {
            limits = {
              memory = "1Gi"
            }
            requests = {
              memory = "1Gi"
              cpu    = "250m"
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_service" "catalog" {
  metadata {
    name = "catalog"
  }
  spec {
    selector = {
      app = "catalgo"
    }
    port {
      port        = 80
      target_port = 8080
    }
  }
}

resource "kubernetes_service_v1" "catalog_admin" {
  metadata {
    name = "catalog-admin"
  }
  spec {
    selector = {
      app = "catalog"
    }
    port {
      port        = 8080
      target_port = "http"
    }
  }
}
"""

CONFIG_TF = """\
resource "kubernetes_config_map" "nginx" {
  metadata {
    name = "nginx"
  }
  data = {
    "nginx.conf" = <<-EOT
      events {}
      http {
        server {
          listen 80;
          location / { proxy_pass http://catalog:80; }
        }
      }
    EOT
    "default.conf" = templatefile("${path.module}/templates/default.conf.tpl", { port = 8080 })
    "raw.conf"     = file("${path.module}/templates/raw.conf")
    "plain"        = "a=1"
    "unknown"      = var.not_set
  }
}

variable "not_set" {}
"""

TEMPLATE = "server {\n  listen ${port};\n  return 200 '$${host}';\n}\n"


def _line(text: str, needle: str, nth: int = 0) -> int:
    """1-based line of the nth line containing `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth]


def _obj(stack: Stack, ref: str) -> K8sObject:
    found = [o for o in stack.k8s if o.ref == ref]
    assert len(found) == 1, [o.ref for o in stack.k8s]
    return found[0]


def test_deployment_findings_at_tf_lines(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "mod", {"main.tf": MAIN_TF})
    result = lint(root, LintConfig())
    assert not result.errors
    got = {(f.rule, f.location.file, f.location.line) for f in result.findings}
    assert ("K8S006", "main.tf", _line(MAIN_TF, "env {")) in got  # -Xmx2g under 1Gi
    assert ("K8S001", "main.tf", _line(MAIN_TF, "selector = {")) in got  # catalgo
    # served by catalog-admin, no readiness probe
    assert ("K8S004", "main.tf", _line(MAIN_TF, "container {")) in got
    assert all(f.location.file == "main.tf" for f in result.findings)
    k001 = next(f for f in result.findings if f.rule == "K8S001")
    assert "catalgo" in k001.message and "catalog" in k001.message


def test_deployment_model(tmp_path: Path) -> None:
    stack = load_stack(write_tree(tmp_path / "mod", {"main.tf": MAIN_TF}))
    dep = _obj(stack, "Deployment/catalog")
    assert dep.api_version == "apps/v1" and not dep.partial
    assert dep.location.line == _line(MAIN_TF, 'resource "kubernetes_deployment_v1"')
    assert dep.workload is not None and dep.workload.replicas == 2
    assert dep.workload.pod.labels == {"app": "catalog"}
    (c,) = dep.containers
    assert c.image == "ghcr.io/acme/catalog:1.4.2"  # var default resolved
    assert c.ports[0].number == 8080 and c.ports[0].name == "http"
    assert c.limits == {"memory": "1Gi"} and c.requests["cpu"] == "250m"
    assert c.resource_locations["limits.memory"].line == _line(MAIN_TF, 'memory = "1Gi"')
    assert c.env[0].name == "JAVA_OPTS" and c.env[0].value == "-Xmx2g"
    assert not c.probes
    svc = _obj(stack, "Service/catalog-admin")
    assert svc.service is not None and svc.service.ports[0].target_port == "http"


def test_probes_and_snake_case_fields(tmp_path: Path) -> None:
    tf = MAIN_TF.replace(
        "          resources {",
        """\
          readiness_probe {
            http_get {
              path = "/health"
              port = 8080
            }
            initial_delay_seconds = 5
          }
          liveness_probe {
            tcp_socket {
              port = "http"
            }
          }
          resources {""",
    )
    stack = load_stack(write_tree(tmp_path / "mod", {"main.tf": tf}))
    (c,) = _obj(stack, "Deployment/catalog").containers
    assert c.probes["readiness"].handler == "httpGet" and c.probes["readiness"].port == 8080
    assert c.probes["readiness"].location.line == _line(tf, "readiness_probe {")
    assert c.probes["liveness"].handler == "tcpSocket" and c.probes["liveness"].port == "http"
    result = lint(tmp_path / "mod", LintConfig())
    assert "K8S004" not in {f.rule for f in result.findings}


def test_config_map_heredoc_and_templatefile(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "mod",
        {
            "cm.tf": CONFIG_TF,
            "templates/default.conf.tpl": TEMPLATE,
            "templates/raw.conf": "worker_processes 1;\n",
        },
    )
    stack = load_stack(root)
    cm = _obj(stack, "ConfigMap/nginx")
    assert cm.config_data is not None
    text, loc = cm.config_data["nginx.conf"]
    assert text.startswith("events {}\nhttp {\n  server {\n")  # <<- strips the indent
    assert (loc.file, loc.line) == ("cm.tf", _line(CONFIG_TF, "events {}"))
    assert stack.files["cm.tf"].line_text(loc.line).strip() == "events {}"
    text, loc = cm.config_data["default.conf"]
    assert text == "server {\n  listen 8080;\n  return 200 '${host}';\n}\n"
    assert (loc.file, loc.line) == ("templates/default.conf.tpl", 1)
    assert "templates/default.conf.tpl" in stack.files
    text, loc = cm.config_data["raw.conf"]
    assert text == "worker_processes 1;\n" and loc.file == "templates/raw.conf"
    text, loc = cm.config_data["plain"]
    assert text == "a=1" and loc.line == _line(CONFIG_TF, '"plain"')
    assert "unknown" not in cm.config_data  # never guessed, but listed
    assert any("'unknown'" in s.reason and s.path == "cm.tf" for s in stack.skipped)


def test_unknown_limit_keeps_resource_out_and_listed(tmp_path: Path) -> None:
    tf = MAIN_TF.replace(
        'memory = "1Gi"\n            }\n            requests',
        "memory = var.mem\n            }\n            requests",
        1,
    )
    tf += 'variable "mem" {\n  type = string\n}\n'
    assert "var.mem" in tf
    stack = load_stack(write_tree(tmp_path / "mod", {"main.tf": tf}))
    assert not [o for o in stack.k8s if o.kind == "Deployment"]
    (skip,) = [s for s in stack.skipped if "kubernetes_deployment_v1.catalog" in s.reason]
    assert "memory" in skip.reason and skip.line == _line(tf, 'resource "kubernetes_deployment_v1"')
    result = lint(tmp_path / "mod", LintConfig())
    assert not [f for f in result.findings if f.rule in ("K8S006", "K8S007", "K8S004")]


def test_unknown_label_makes_object_partial(tmp_path: Path) -> None:
    tf = MAIN_TF.replace('app = "catalgo"', "app = var.app_label") + 'variable "app_label" {}\n'
    stack = load_stack(write_tree(tmp_path / "mod", {"main.tf": tf}))
    assert _obj(stack, "Service/catalog").partial
    result = lint(tmp_path / "mod", LintConfig())
    assert "K8S001" not in {f.rule for f in result.findings}


def test_tfvars_and_module_callers_override_defaults(tmp_path: Path) -> None:
    app = MAIN_TF
    root = write_tree(
        tmp_path / "infra",
        {
            "modules/app/main.tf": app,
            "modules/app/terraform.tfvars": 'image_tag = "2.0.0"\n',
            "prod/main.tf": 'module "app" {\n  source = "../modules/app"\n}\n',
        },
    )
    stack = load_stack(root)
    (c,) = _obj(stack, "Deployment/catalog").containers
    assert c.image == "ghcr.io/acme/catalog:2.0.0"  # terraform.tfvars wins over the default
    (tmp_path / "infra/modules/app/terraform.tfvars").unlink()
    write_tree(
        root,
        {"prod/main.tf": 'module "app" {\n  source = "../modules/app"\n  image_tag = "3.1.0"\n}\n'},
    )
    (c,) = _obj(load_stack(root), "Deployment/catalog").containers
    assert c.image == "ghcr.io/acme/catalog:3.1.0"  # the caller's value
    write_tree(
        root,
        {"dev/main.tf": 'module "app" {\n  source = "../modules/app"\n  image_tag = "latest"\n}\n'},
    )
    (c,) = _obj(load_stack(root), "Deployment/catalog").containers
    assert c.image is None  # two callers: unknown, never one of them


def test_count_zero_and_dynamic_blocks_are_listed(tmp_path: Path) -> None:
    tf = MAIN_TF.replace(
        "  metadata {\n    name = local.app", "  count = 0\n  metadata {\n    name = local.app", 1
    )
    tf = tf.replace(
        "    port {\n      port        = 8080",
        '    dynamic "port" {\n      for_each = var.ports\n      content {\n        port = port.value\n      }\n    }\n    port {\n      port        = 8080',
    )
    stack = load_stack(write_tree(tmp_path / "mod", {"main.tf": tf}))
    reasons = " | ".join(s.reason for s in stack.skipped)
    assert "kubernetes_deployment_v1.catalog: count = 0" in reasons
    assert (
        "kubernetes_service_v1.catalog_admin: not analysed" in reasons and "dynamic:port" in reasons
    )
    assert [o.ref for o in stack.k8s] == ["Service/catalog"]


def test_helm_release_values_and_sets(tmp_path: Path) -> None:
    tf = """\
resource "helm_release" "api" {
  name      = "api"
  chart     = "./charts/api"
  namespace = "shop"
  values = [
    file("${path.module}/values-prod.yaml"),
    <<-EOT
      replicaCount: 3
    EOT
    ,
    yamlencode({ image = { tag = "1.2.3" } }),
    var.extra,
  ]
  set {
    name  = "image.tag"
    value = "1.2.3"
  }
  set_list {
    name  = "args"
    value = ["--a", "--b"]
  }
  set_sensitive {
    name  = "db.password"
    value = "s3cr3t-value"
  }
}

variable "extra" {}
"""
    root = write_tree(
        tmp_path / "mod",
        {
            "helm.tf": tf,
            "values-prod.yaml": "replicaCount: 2\n",
            "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
        },
    )
    stack = load_stack(root)
    (rel,) = stack.helm_releases
    assert (rel.name, rel.chart, rel.namespace, rel.chart_path) == (
        "api",
        "./charts/api",
        "shop",
        "charts/api",
    )
    assert rel.location.line == 1
    assert [(v, loc.file, loc.line) for v, loc in rel.values[:2]] == [
        ("replicaCount: 2\n", "values-prod.yaml", 1),
        ("replicaCount: 3\n", "helm.tf", _line(tf, "replicaCount: 3")),
    ]
    assert rel.values[2][0] == "image:\n  tag: 1.2.3\n"
    assert rel.unresolved_values == 1
    sets = {s.name: s for s in rel.sets}
    assert sets["image.tag"].value == "1.2.3" and sets["image.tag"].location.line == _line(
        tf, "set {"
    )
    assert sets["args"].kind == "set_list" and sets["args"].value == '["--a", "--b"]'
    assert sets["db.password"].kind == "set_sensitive" and sets["db.password"].value is None
    assert any("local chart charts/api" in s.reason for s in stack.skipped)
    out = json.dumps([s.to_dict() for s in stack.skipped]) + repr(stack.helm_releases)
    assert "s3cr3t-value" not in out


def test_secret_data_never_enters_the_model(tmp_path: Path) -> None:
    tf = 'resource "kubernetes_secret" "db" {\n  metadata {\n    name = "db"\n  }\n  data = {\n    password = "hunter2-very-secret"\n  }\n}\n'
    root = write_tree(tmp_path / "mod", {"s.tf": tf})
    stack = load_stack(root)
    sec = _obj(stack, "Secret/db")
    assert sec.config_data is None and "hunter2" not in repr(sec)


def test_kubernetes_manifest_object_literal(tmp_path: Path) -> None:
    tf = """\
resource "kubernetes_manifest" "web" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata = {
      name = "web"
    }
    spec = {
      selector = { matchLabels = { app = "web" } }
      template = {
        metadata = { labels = { app = "web" } }
        spec = {
          containers = [{
            name  = "web"
            image = "nginx:latest"
          }]
        }
      }
    }
  }
}
"""
    root = write_tree(tmp_path / "mod", {"m.tf": tf})
    result = lint(root, LintConfig())
    dep = _obj(result.stack, "Deployment/web")
    assert dep.containers[0].image == "nginx:latest"
    k8 = [f for f in result.findings if f.rule == "K8S008"]
    assert k8 and k8[0].location.line == _line(tf, "image = ")


def test_not_modelled_resources_in_json_stats(tmp_path: Path) -> None:
    tf = 'resource "kubernetes_namespace" "ns" {\n  metadata {\n    name = "shop"\n  }\n}\n\nresource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n'
    root = write_tree(tmp_path / "mod", {"ns.tf": tf, "other.tf.json": "{}"})
    result = lint(root, LintConfig())
    skipped = result.stats()["skipped"]
    assert {
        "path": "ns.tf",
        "kind": "terraform",
        "line": 1,
        "reason": "kubernetes_namespace.ns: resource type not modelled",
    } in skipped
    assert {
        "path": "ns.tf",
        "kind": "terraform",
        "line": None,
        "reason": "1 resource(s) of other providers not analysed",
    } in skipped
    assert any(s["path"] == "other.tf.json" for s in skipped)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            'resource "kubernetes_service" "a" {\n  metadata {\n    name = "a"\n  }\n',
            1,
            "never closed",
        ),
        ('locals {\n  a = "unterminated\n}\n', 2, "unterminated string"),
        ("locals {\n  a = <<EOT\nno end\n}\n", 2, "heredoc <<EOT is never closed"),
        ("locals {\n  a = 1\n  b = = 2\n}\n", 3, "expected an expression"),
        ("locals {\n  a = [1, 2\n}\n", 3, "expected ',' or ']'"),
        ("}\n", 1, "unexpected '}'"),
    ],
)
def test_malformed_tf_is_a_load_error_at_file_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    root = write_tree(tmp_path / "mod", {"bad.tf": text, "good.tf": MAIN_TF})
    result = lint(root, LintConfig())
    (err,) = [e for e in result.errors if e.file == "bad.tf"]
    assert err.kind == "parse-error" and err.line == line, err
    assert words in err.message and "Traceback" not in err.message
    assert any(f.rule == "K8S006" for f in result.findings)  # the good file is still checked


def test_parser_depth_is_bounded_and_positions_kept() -> None:
    deep = "a = " + "[" * (MAX_DEPTH + 50) + "]" * (MAX_DEPTH + 50) + "\n"
    with pytest.raises(HclError, match="nested more than"):
        parse(deep)
    body = parse('x = 1\nblock "l1" l2 {\n  y = "z" # c\n  /* c */ w = -2.5e1\n}\n')
    assert [type(i).__name__ for i in body] == ["Attribute", "Block"]
    blk = body[1]
    assert blk.labels == ["l1", "l2"] and blk.start == 6  # type: ignore[union-attr]
    assert blk.attr("w").expr.value == -25.0  # type: ignore[union-attr]


def test_parser_reads_a_large_module_whole() -> None:
    """5,000 resources with heredocs (growth is timed in bench/, never in tests)."""
    one = 'resource "kubernetes_config_map" "c%d" {\n  data = {\n    k = <<EOT\nline $x\nEOT\n  }\n}\n'
    body = parse("".join(one % i for i in range(5000)))
    assert len(body) == 5000
    assert [b.labels for b in body[:2]] == [
        ["kubernetes_config_map", "c0"],
        ["kubernetes_config_map", "c1"],
    ]


def test_resource_references_and_legacy_rc_template(tmp_path: Path) -> None:
    tf = """\
resource "kubernetes_namespace" "shop" {
  metadata {
    name = "shop"
  }
}

resource "kubernetes_replication_controller" "web" {
  metadata {
    name      = "web"
    namespace = kubernetes_namespace.shop.metadata[0].name
  }
  spec {
    selector = {
      app = "web"
    }
    template {
      container {
        name  = "web"
        image = "nginx:1.27"
      }
    }
  }
}

resource "kubernetes_service" "web" {
  metadata {
    name      = "web"
    namespace = kubernetes_namespace.shop.metadata.0.name
  }
  spec {
    selector = {
      app = kubernetes_replication_controller.web.spec[0].selector.app
    }
    port {
      port = 80
    }
  }
}
"""
    result = lint(write_tree(tmp_path / "mod", {"rc.tf": tf}), LintConfig())
    rc = _obj(result.stack, "ReplicationController/shop/web")
    svc = _obj(result.stack, "Service/shop/web")
    assert not rc.partial and not svc.partial
    assert rc.pod is not None and rc.pod.labels == {"app": "web"}  # the selector's labels
    assert svc.service is not None and svc.service.selector is not None
    assert svc.service.selector.match_labels == {"app": "web"}
    rules = {f.rule for f in result.findings}
    assert "K8S001" not in rules and "K8S004" in rules


def test_pods_from_unread_resources_make_matches_uncertain(tmp_path: Path) -> None:
    helm = 'resource "helm_release" "catalgo" {\n  name  = "catalgo"\n  chart = "oci://ghcr.io/acme/charts/catalgo"\n}\n'
    root = write_tree(tmp_path / "mod", {"main.tf": MAIN_TF, "helm.tf": helm})
    result = lint(root, LintConfig())
    # the chart may run the pods `app=catalgo` selects: no K8S001, other findings stay
    assert _obj(result.stack, "Service/catalog").partial
    assert not _obj(result.stack, "Deployment/catalog").partial
    rules = {f.rule for f in result.findings}
    assert "K8S001" not in rules and "K8S006" in rules


def test_inline_suppression_in_tf(tmp_path: Path) -> None:
    tf = MAIN_TF.replace(
        "          env {", "          # infradoctor: ignore[K8S006]\n          env {", 1
    )
    result = lint(write_tree(tmp_path / "mod", {"main.tf": tf}), LintConfig())
    rules = {f.rule for f in result.findings}
    assert "K8S006" not in rules and "K8S001" in rules
    assert len(result.suppressed) == 1


OTHER_KINDS_TF = """\
resource "kubernetes_horizontal_pod_autoscaler_v2" "catalog" {
  metadata {
    name = "catalog"
  }
  spec {
    min_replicas = 1
    max_replicas = 4
    scale_target_ref {
      api_version = "apps/v1"
      kind        = "Deployment"
      name        = "catalog"
    }
    metric {
      type = "Resource"
      resource {
        name = "memory"
        target {
          type                = "Utilization"
          average_utilization = 80
        }
      }
    }
  }
}

resource "kubernetes_pod_disruption_budget_v1" "catalog" {
  metadata {
    name = "catalog"
  }
  spec {
    min_available = "100%"
    selector {
      match_labels = {
        app = "catalog"
      }
    }
  }
}

resource "kubernetes_ingress_v1" "web" {
  metadata {
    name = "web"
  }
  spec {
    rule {
      host = "shop.example.com"
      http {
        path {
          path = "/api"
          backend {
            service {
              name = "catalog"
              port {
                number = 8081
              }
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_cron_job_v1" "report" {
  metadata {
    name = "report"
  }
  spec {
    schedule = "0 * * * *"
    job_template {
      metadata {}
      spec {
        template {
          metadata {}
          spec {
            container {
              name  = "report"
              image = "ghcr.io/acme/report:1.0"
            }
          }
        }
      }
    }
  }
}
"""


def test_hpa_pdb_ingress_cronjob_shapes(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "mod", {"main.tf": MAIN_TF, "other.tf": OTHER_KINDS_TF})
    stack = load_stack(root)
    hpa = _obj(stack, "HorizontalPodAutoscaler/catalog").hpa
    assert hpa is not None and (hpa.target_kind, hpa.target_name) == ("Deployment", "catalog")
    assert (hpa.min_replicas, hpa.max_replicas, hpa.resource_metrics) == (1, 4, ["memory"])
    pdb = _obj(stack, "PodDisruptionBudget/catalog").pdb
    assert pdb is not None and pdb.min_available == "100%"
    assert pdb.location is not None and pdb.location.line == _line(OTHER_KINDS_TF, "min_available")
    (backend,) = _obj(stack, "Ingress/web").ingress_backends or []
    assert (backend.service, backend.port, backend.path) == ("catalog", 8081, "/api")
    cron = _obj(stack, "CronJob/report")
    assert [c.image for c in cron.containers] == ["ghcr.io/acme/report:1.0"]
    result = lint(root, LintConfig())
    got = {(f.rule, f.location.file) for f in result.findings}
    assert ("K8S010", "other.tf") in got  # minAvailable 100% blocks every eviction
    assert ("K8S003", "other.tf") in got  # the Service has no port 8081


def test_parser_bounds_unary_chains() -> None:
    with pytest.raises(HclError, match="nested more than"):
        parse("a = " + "-" * 50_000 + "1\n")
    assert parse("a = --1\n")[0].expr.value == 1  # type: ignore[union-attr]
