"""Files a Terraform module reads with file() / templatefile() are analysed through it:
a `*.conf.tpl` template it renders is listed as read (kind terraform), not as a skipped
template, and an nginx `.conf` it puts in a ConfigMap is parsed once, there (no
duplicate load error, no finding reported twice)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.conftest import write_tree

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders import load_stack
from infradoctor.model.source import FileKind

MAIN_TF = """\
resource "kubernetes_config_map" "nginx" {
  metadata {
    name = "nginx"
  }
  data = {
    "default.conf" = templatefile("${path.module}/templates/default.conf.tpl", { port = 8080 })
    "raw.conf"     = file("${path.module}/templates/raw.conf")
  }
}
"""
TEMPLATE = "server {\n  listen ${port};\n  location / {\n    proxy_pass http://api:8080;\n  }\n}\n"
RAW = "server {\n  listen 80;\n  location / {\n    proxy_pass http://web:80;\n  }\n}\n"


def _tree(tmp_path: Path, main: str = MAIN_TF) -> Path:
    return write_tree(
        tmp_path / "s",
        {
            "mod/main.tf": main,
            "mod/templates/default.conf.tpl": TEMPLATE,
            "mod/templates/raw.conf": RAW,
        },
    )


def test_rendered_template_is_read_not_skipped(tmp_path: Path) -> None:
    stack = load_stack(_tree(tmp_path))
    assert not stack.errors
    assert not stack.skipped
    assert stack.files["mod/templates/default.conf.tpl"].kind is FileKind.TERRAFORM
    (cm,) = stack.k8s
    assert cm.config_data is not None and "listen 8080;" in cm.config_data["default.conf"][0]


def test_nginx_file_read_by_terraform_is_loaded_once(tmp_path: Path) -> None:
    stack = load_stack(_tree(tmp_path))
    assert not [e for e in stack.errors if e.kind == "duplicate"]
    assert stack.files["mod/templates/raw.conf"].kind is FileKind.TERRAFORM
    roots = sorted(c.root_file for c in stack.nginx)
    assert roots == [
        "mod/templates/default.conf.tpl::ConfigMap/nginx/default.conf",
        "mod/templates/raw.conf::ConfigMap/nginx/raw.conf",
    ]
    result = lint(tmp_path / "s", LintConfig())
    spots = Counter((f.rule, f.location.file, f.location.line) for f in result.findings)
    assert spots[("NGX002", "mod/templates/raw.conf", 4)] == 1
    assert all(n == 1 for n in spots.values()), spots


def test_template_not_rendered_stays_listed(tmp_path: Path) -> None:
    # `%{ if }` directives make the rendering unknown: the template is not analysed
    main = MAIN_TF.replace('file("${path.module}/templates/raw.conf")', '"x"')
    root = _tree(tmp_path, main)
    (root / "mod/templates/default.conf.tpl").write_text("%{ if true }server {}%{ endif }\n")
    stack = load_stack(root)
    assert [s.path for s in stack.skipped if s.kind == "template"] == [
        "mod/templates/default.conf.tpl"
    ]
    # raw.conf is no longer used by Terraform: it is a standalone nginx config again
    assert [c.root_file for c in stack.nginx] == ["mod/templates/raw.conf"]
    assert stack.files["mod/templates/raw.conf"].kind is FileKind.NGINX


def test_file_outside_a_config_map_keeps_its_own_nginx_load(tmp_path: Path) -> None:
    # a Secret's data never enters the model: raw.conf is not read through Terraform
    main = MAIN_TF.replace("kubernetes_config_map", "kubernetes_secret")
    stack = load_stack(_tree(tmp_path, main))
    assert [c.root_file for c in stack.nginx] == ["mod/templates/raw.conf"]
