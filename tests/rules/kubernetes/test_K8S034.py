"""K8S034 container-may-run-as-root: opt-in, says "may" unless the user is known."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.conftest import write_tree
from tests.rules.kubernetes._hardening_helpers import deployment
from tests.rules.kubernetes._new_rules_helpers import run


@pytest.mark.parametrize(
    ("container_sc", "pod_sc"),
    [
        ("{runAsNonRoot: true}", ""),
        ("", "{runAsNonRoot: true}"),
        ("{runAsUser: 10001}", ""),
        ("", "{runAsUser: 10001, fsGroup: 2000}"),
        ("{runAsUser: 10001}", "{runAsNonRoot: false}"),
    ],
)
def test_non_root_known_is_quiet(tmp_path: Path, container_sc: str, pod_sc: str) -> None:
    assert run(tmp_path, "K8S034", {"k8s/api.yaml": deployment(container_sc, pod_sc)}) == []


def test_unknown_image_may_run_as_root(tmp_path: Path) -> None:
    (f,) = run(tmp_path, "K8S034", {"k8s/api.yaml": deployment("{readOnlyRootFilesystem: true}")})
    assert "may run as root" in f.message and "is unknown here" in f.message
    assert f.location.line == 15  # the container's securityContext: where to add the key
    assert f.severity.name == "INFO" and f.subject == "Deployment/api:api"


def test_run_as_user_zero_is_root_at_its_line(tmp_path: Path) -> None:
    (f,) = run(tmp_path, "K8S034", {"k8s/api.yaml": deployment(pod_sc="{runAsUser: 0}")})
    assert "runAsUser: 0" in f.message and "may" not in f.message
    assert f.location.line == 12


def test_container_overrides_pod(tmp_path: Path) -> None:
    tree = {"k8s/api.yaml": deployment("{runAsUser: 0}", "{runAsNonRoot: true}")}
    (f,) = run(tmp_path, "K8S034", tree)
    assert f.location.line == 16


def test_image_table_facts(tmp_path: Path) -> None:
    root_image = deployment(image="nginx:1.27")
    (f,) = run(tmp_path / "a", "K8S034", {"k8s/api.yaml": root_image})
    assert "image 'nginx:1.27' runs as root (" in f.message  # the table's fact, with source
    # postgres switches to its service user itself: not reported
    assert run(tmp_path / "b", "K8S034", {"k8s/db.yaml": deployment(image="postgres:16")}) == []


def test_init_containers_are_not_judged(tmp_path: Path) -> None:
    tree = {"k8s/api.yaml": deployment("{runAsNonRoot: true}", init="{runAsUser: 0}")}
    assert run(tmp_path, "K8S034", tree) == []


def test_opt_in(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"k8s/api.yaml": deployment()})
    default = lint(root, LintConfig(report_unused_suppressions=False), with_fixes=False)
    assert not [f for f in default.findings if f.rule == "K8S034"]
    config = LintConfig(extend_select=["hardening"], report_unused_suppressions=False)
    chosen = lint(root, config, with_fixes=False)
    assert [f.rule for f in chosen.findings if f.rule == "K8S034"] == ["K8S034"]


def test_image_built_in_the_tree(tmp_path: Path) -> None:
    image = "ghcr.io/acme/cart:1.2.0"
    non_root = "FROM python:3.12-slim\nRUN useradd -u 10001 app\nUSER app\n"
    tree = {"k8s/cart.yaml": deployment(image=image), "src/cart/Dockerfile": non_root}
    assert run(tmp_path / "a", "K8S034", tree) == []
    tree["src/cart/Dockerfile"] = 'FROM python:3.12-slim\nCMD ["python", "app.py"]\n'
    (f,) = run(tmp_path / "b", "K8S034", tree)
    assert "built from src/cart/Dockerfile, which sets no USER" in f.message
