"""Terraform `count`, `for_each`, `dynamic` blocks and local module calls: literal
iterations are expanded (each.key / each.value / count.index / the iterator filled in),
anything not literal is listed in `stats.skipped` and never guessed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conftest import write_tree

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders import load_stack
from infradoctor.model.k8s import K8sObject
from infradoctor.model.stack import Stack

DEPLOYMENT = """\
resource "kubernetes_deployment_v1" "web" {
  %(meta)s
  metadata {
    name = %(name)s
  }
  spec {
    replicas = 2
    selector {
      match_labels = { app = %(name)s }
    }
    template {
      metadata {
        labels = { app = %(name)s }
      }
      spec {
        container {
          name  = "web"
          image = %(image)s
          resources {
            limits   = { memory = "256Mi" }
            requests = { memory = "256Mi", cpu = "100m" }
          }
        }
      }
    }
  }
}
"""


def _deployment(meta: str, name: str, image: str = '"nginx:1.27"') -> str:
    return DEPLOYMENT % {"meta": meta, "name": name, "image": image}


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _objects(stack: Stack, kind: str) -> dict[str, K8sObject]:
    return {o.name: o for o in stack.k8s if o.kind == kind}


def _reasons(stack: Stack) -> str:
    return " | ".join(s.reason for s in stack.skipped)


def test_count_with_index_is_one_object_per_instance(tmp_path: Path) -> None:
    tf = _deployment("count = 3", '"web-${count.index}"')
    stack = load_stack(write_tree(tmp_path / "m", {"main.tf": tf}))
    objs = _objects(stack, "Deployment")
    assert sorted(objs) == ["web-0", "web-1", "web-2"]
    assert not any(o.partial for o in objs.values())
    assert objs["web-1"].labels == {} and objs["web-1"].workload is not None
    assert objs["web-1"].workload.pod.labels == {"app": "web-1"}
    assert "count" not in _reasons(stack)


def test_count_without_index_is_one_object(tmp_path: Path) -> None:
    tf = _deployment("count = 2", '"web"')
    stack = load_stack(write_tree(tmp_path / "m", {"main.tf": tf}))
    objs = _objects(stack, "Deployment")
    assert list(objs) == ["web"] and not objs["web"].partial


def test_unknown_count_is_partial_and_listed(tmp_path: Path) -> None:
    tf = _deployment("count = var.enabled ? 1 : 0", '"web"') + 'variable "enabled" {}\n'
    stack = load_stack(write_tree(tmp_path / "m", {"main.tf": tf}))
    assert _objects(stack, "Deployment")["web"].partial
    assert "kubernetes_deployment_v1.web: count is not a literal value" in _reasons(stack)
    entry = next(s for s in stack.skipped if "count is not" in s.reason)
    assert (entry.path, entry.line) == ("main.tf", 1)


def test_for_each_map_fills_each_key_and_value(tmp_path: Path) -> None:
    tf = """\
locals {
  apps = {
    api   = { port = 8080, image = "ghcr.io/acme/api:latest" }
    admin = { port = 9090, image = "ghcr.io/acme/admin:2.1" }
  }
}

resource "kubernetes_service_v1" "svc" {
  for_each = local.apps
  metadata {
    name = each.key
  }
  spec {
    selector = { app = each.key }
    port {
      port        = each.value.port
      target_port = each.value["port"]
    }
  }
}
""" + _deployment("for_each = local.apps", "each.key", "each.value.image")
    root = write_tree(tmp_path / "m", {"main.tf": tf})
    stack = load_stack(root)
    services = _objects(stack, "Service")
    assert sorted(services) == ["admin", "api"]
    ports = {n: [(p.port, p.target_port) for p in s.service.ports] for n, s in services.items()}  # type: ignore[union-attr]
    assert ports == {"api": [(8080, 8080)], "admin": [(9090, 9090)]}
    deployments = _objects(stack, "Deployment")
    images = {n: [c.image for c in d.workload.pod.containers] for n, d in deployments.items()}  # type: ignore[union-attr]
    assert images == {"api": ["ghcr.io/acme/api:latest"], "admin": ["ghcr.io/acme/admin:2.1"]}
    assert not any(o.partial for o in stack.k8s)
    # the latest tag is reported once, for the instance that has it, at the .tf line
    result = lint(root, LintConfig())
    k008 = [f for f in result.findings if f.rule == "K8S008"]
    assert [(f.location.file, f.location.line) for f in k008] == [
        ("main.tf", _line(tf, "image = each.value.image"))
    ]
    assert "'api'" in k008[0].message


def test_for_each_set_and_empty_and_unknown(tmp_path: Path) -> None:
    tf = (
        _deployment('for_each = toset(["a", "b", "a"])', '"web-${each.value}"')
        .replace('"web"', '"w"')
        .replace('"web" {', '"set" {')
    )
    tf += _deployment("for_each = {}", '"never"').replace('"web" {', '"empty" {')
    tf += _deployment("for_each = var.apps", "each.key").replace('"web" {', '"unknown" {')
    tf += 'variable "apps" {}\n'
    stack = load_stack(write_tree(tmp_path / "m", {"main.tf": tf}))
    named = sorted(o.name for o in stack.k8s if not o.partial)
    assert named == ["web-a", "web-b"]
    # the unknown one: modelled once with its name unknown, partial (no cross-object match)
    assert [o.name for o in stack.k8s if o.partial] == [""]
    reasons = _reasons(stack)
    assert "kubernetes_deployment_v1.empty: for_each is empty, never created" in reasons
    assert "kubernetes_deployment_v1.unknown: for_each is not a literal value" in reasons


def test_too_many_instances_are_modelled_once(tmp_path: Path) -> None:
    tf = _deployment("count = 1000", '"web-${count.index}"')
    stack = load_stack(write_tree(tmp_path / "m", {"main.tf": tf}))
    assert len(stack.k8s) <= 1
    assert "count is not a literal value (at most 64 instances" in _reasons(stack)


DYNAMIC = """\
variable "ports" {
  default = [
    { name = "http", number = 8080 },
    { name = "metrics", number = 9100 },
  ]
}

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
        dynamic "container" {
          for_each = ["api", "worker"]
          content {
            name  = container.value
            image = "ghcr.io/acme/${container.value}:1.0"
            dynamic "port" {
              for_each = var.ports
              iterator = p
              content {
                name           = p.value.name
                container_port = p.value.number
              }
            }
            dynamic "env" {
              for_each = { LOG_LEVEL = "info", ROLE = container.value }
              content {
                name  = env.key
                value = env.value
              }
            }
            resources {
              limits   = { memory = "256Mi" }
              requests = { memory = "256Mi", cpu = "100m" }
            }
          }
        }
      }
    }
  }
}
"""


def test_dynamic_blocks_over_literals_are_expanded(tmp_path: Path) -> None:
    stack = load_stack(write_tree(tmp_path / "m", {"main.tf": DYNAMIC}))
    assert not _reasons(stack)
    api = _objects(stack, "Deployment")["api"]
    assert not api.partial and api.workload is not None
    containers = api.workload.pod.containers
    assert [(c.name, c.image) for c in containers] == [
        ("api", "ghcr.io/acme/api:1.0"),
        ("worker", "ghcr.io/acme/worker:1.0"),
    ]
    for c in containers:
        assert [(p.name, p.number) for p in c.ports] == [("http", 8080), ("metrics", 9100)]
        assert [(e.name, e.value) for e in c.env] == [("LOG_LEVEL", "info"), ("ROLE", c.name)]
        # positions stay in the .tf: the container at its `content {`, ports at theirs
        assert c.location.file == "main.tf"
        assert c.location.line == _line(DYNAMIC, "content {")
        port_content = _line(DYNAMIC, "iterator = p") + 1
        assert "content {" in DYNAMIC.splitlines()[port_content - 1]
        assert c.ports[0].location.line == port_content


def test_dynamic_block_over_unknown_is_listed(tmp_path: Path) -> None:
    tf = DYNAMIC.replace("for_each = var.ports", "for_each = data.x.ports")
    stack = load_stack(write_tree(tmp_path / "m", {"main.tf": tf}))
    # a port list we cannot read may hold the probe's port: the workload is not analysed
    assert "kubernetes_deployment_v1.api: not analysed" in _reasons(stack)
    assert "dynamic:port" in _reasons(stack)
    assert not _objects(stack, "Deployment")


MODULE_MAIN = """\
module "shop" {
  source   = "./modules/app"
  app_name = "shop"
  image    = "ghcr.io/acme/shop:latest"
}
"""

MODULE_APP = """\
variable "app_name" {}
variable "image" {
  default = "ghcr.io/acme/placeholder:1.0"
}

resource "kubernetes_deployment_v1" "app" {
  metadata {
    name = var.app_name
  }
  spec {
    selector {
      match_labels = { app = var.app_name }
    }
    template {
      metadata {
        labels = { app = var.app_name }
      }
      spec {
        container {
          name  = var.app_name
          image = var.image
          resources {
            limits   = { memory = "256Mi" }
            requests = { memory = "256Mi", cpu = "100m" }
          }
        }
      }
    }
  }
}
"""


def test_local_module_call_passes_literal_variables(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "m", {"main.tf": MODULE_MAIN, "modules/app/main.tf": MODULE_APP})
    stack = load_stack(root)
    shop = _objects(stack, "Deployment")["shop"]
    assert shop.workload is not None
    assert shop.workload.pod.containers[0].image == "ghcr.io/acme/shop:latest"
    result = lint(root, LintConfig())
    k008 = [f for f in result.findings if f.rule == "K8S008"]
    # the value comes from the caller: the finding is where the module reads it
    assert [(f.location.file, f.location.line) for f in k008] == [("main.tf", 4)]


def test_module_called_twice_leaves_variables_unknown(tmp_path: Path) -> None:
    main = MODULE_MAIN + MODULE_MAIN.replace('"shop"', '"cart"').replace("shop:", "cart:")
    root = write_tree(tmp_path / "m", {"main.tf": main, "modules/app/main.tf": MODULE_APP})
    stack = load_stack(root)
    # name, labels and image unknown: never guessed, so partial and no image finding
    (app,) = _objects(stack, "Deployment").values()
    assert app.partial and app.name == ""
    assert app.workload is not None and app.workload.pod.containers[0].image is None
    assert not [f for f in lint(root, LintConfig()).findings if f.rule == "K8S008"]


def test_unknown_value_in_every_instance_is_listed_once(tmp_path: Path) -> None:
    tf = _deployment('for_each = toset(["a", "b"])', '"web-${each.key}"').replace(
        'limits   = { memory = "256Mi" }', "limits   = { memory = var.memory }"
    )
    stack = load_stack(write_tree(tmp_path / "m", {"main.tf": tf + 'variable "memory" {}\n'}))
    assert not stack.k8s  # a limit we cannot read would look missing: not analysed
    reasons = [s.reason for s in stack.skipped]
    assert reasons == [
        "kubernetes_deployment_v1.web: not analysed, "
        "spec.template.spec.containers.resources.limits.memory is not a literal value"
    ]


NESTED = """\
variable "items" {
  default = [%s]
}

resource "kubernetes_deployment_v1" "bomb" {
  metadata {
    name = "bomb"
  }
  spec {
    template {
      spec {
        dynamic "container" {
          for_each = var.items
          content {
            name = "c${container.key}"
            dynamic "port" {
              for_each = var.items
              content {
                dynamic "env" {
                  for_each = var.items
                  content {
                    dynamic "volume_mount" {
                      for_each = var.items
                      content {
                        name = "v"
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
"""


def test_nested_expansion_is_bounded_by_the_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infradoctor.loaders import terraform

    calls = {"body": 0}
    body = terraform._Eval.body

    def counted(self: Any, *args: Any) -> Any:
        calls["body"] += 1
        return body(self, *args)

    monkeypatch.setattr(terraform._Eval, "body", counted)
    tf = NESTED % ", ".join(str(i) for i in range(60))  # 60^4 blocks if unbounded
    stack = load_stack(write_tree(tmp_path / "m", {"main.tf": tf}))
    assert calls["body"] < 50_000
    assert not stack.k8s
    assert "kubernetes_deployment_v1.bomb: not analysed" in _reasons(stack)
