"""Fuzz round 6 (seed 2035, input #83596): a kustomization naming a 300-byte resource
crashed lint with OSError ENAMETOOLONG from `Path.is_dir()` (which, unlike
`os.path.isdir`, raises for any errno but "not found"). Every path a config file names
is checked without raising; the name is reported as unreadable, the run goes on."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from tests.conftest import write_tree

LONG = "d" * 300


def test_kustomize_resource_with_a_name_too_long(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "k/kustomization.yaml": f"resources:\n- {LONG}\n- ../{LONG}/x\n- deploy.yaml\n",
            "k/deploy.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
                "  selector: {matchLabels: {app: web}}\n  template:\n"
                "    metadata: {labels: {app: web}}\n"
                "    spec: {containers: [{name: web, image: 'web:latest'}]}\n"
            ),
        },
    )
    result = lint(tmp_path, LintConfig())
    assert not [e for e in result.errors if e.kind == "internal"]
    assert any("File name too long" in e.message for e in result.errors)
    assert any(f.rule == "K8S008" for f in result.findings)  # the rest is still checked


def test_every_kind_of_named_path_may_be_too_long(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "c/compose.yaml": (
                f"services:\n  web:\n    build: ./{LONG}\n    image: a:1\n  api:\n"
                f"    build:\n      context: .\n      dockerfile: {LONG}\n"
                f"    env_file: {LONG}.env\n    volumes: ['./{LONG}:/etc/nginx/conf.d']\n"
            ),
            "c/nginx.conf": f"server {{ include /etc/nginx/{LONG}/*.conf; include {LONG}; }}\n",
            "h/Chart.yaml": (
                "apiVersion: v2\nname: h\nversion: 1.0.0\ndependencies:\n- name: x\n"
                f"  version: 1.0.0\n  repository: file://../{LONG}\n"
            ),
            "h/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: h}\n",
            "tf/main.tf": (
                f'resource "helm_release" "x" {{\n  name = "x"\n  chart = "./{LONG}"\n}}\n'
                'resource "kubernetes_config_map" "n" {\n  metadata { name = "n" }\n'
                f'  data = {{ "nginx.conf" = file("{LONG}.conf") }}\n}}\n'
            ),
        },
    )
    result = lint(tmp_path, LintConfig())
    assert not [e for e in result.errors if e.kind == "internal"]
    assert {f.rule for f in result.findings} >= {"CMP001", "CMP002"}


def test_chart_dependency_with_a_nul_byte_or_a_long_name(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "h/Chart.yaml": (
                f"apiVersion: v2\nname: h\nversion: 1.0.0\ndependencies:\n- name: {LONG}\n"
                f"  version: 1.0.0\n  repository: file://./{LONG}\n"
                '- name: "a\\0b"\n  version: 1.0.0\n  repository: "file://a\\0b"\n'
            ),
            "h/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: h}\n",
            "k/kustomization.yaml": 'resources:\n- "a\\0b"\npatches:\n- path: "p\\0"\n',
        },
    )
    result = lint(tmp_path, LintConfig())
    assert not [e for e in result.errors if e.kind == "internal"]
    assert any(e.file == "k/kustomization.yaml" for e in result.errors)
