"""nginx inside ConfigMap values: parsed as nginx, every directive at the line and column
of the manifest, every nginx rule run on it, fixes display-only."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import write_tree

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability
from infradoctor.loaders import load_stack
from infradoctor.loaders.embedded import looks_like_nginx, parse_embedded
from infradoctor.model.embedded import EmbeddedText

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: nginx-conf
data:
  default.conf: |
    upstream api {
        server api:80;
    }
    server {
        listen 80;
        server_tokens on;
        location / {
            proxy_pass http://api;
        }
    }
  fluent-bit.conf: |
    [SERVICE]
        Flush 1
"""


def _stack(tmp_path: Path, text: str = CONFIGMAP):
    return load_stack(write_tree(tmp_path, {"k8s/nginx.yaml": text}))


def test_block_scalar_parsed_at_manifest_lines(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    [cfg] = stack.nginx
    assert cfg.embedded is not None and cfg.embedded.exact
    assert cfg.root_file == "k8s/nginx.yaml::ConfigMap/nginx-conf/default.conf"
    tokens = cfg.find("server_tokens")[0]
    assert (tokens.location.file, tokens.location.line, tokens.location.column) == (
        "k8s/nginx.yaml",
        12,
        9,
    )
    # offsets are the manifest's own
    src = stack.files["k8s/nginx.yaml"].text
    assert tokens.location.offset is not None
    assert src[tokens.location.offset :].startswith("server_tokens on;")
    [route] = cfg.routes
    assert route.upstream is not None and route.targets[0].host == "api"
    assert route.targets[0].location is not None and route.targets[0].location.line == 8


def test_non_nginx_conf_key_is_not_nginx() -> None:
    assert not looks_like_nginx("fluent-bit.conf", "[SERVICE]\n    Flush 1\n")
    assert not looks_like_nginx("redis.conf", "bind 0.0.0.0\nport 6379\n")
    assert looks_like_nginx("x", "server {\n listen 80;\n}\n")


def test_block_with_strip_indicator_and_blank_lines(tmp_path: Path) -> None:
    text = CONFIGMAP.replace("default.conf: |", "default.conf: |-").replace(
        "    server {\n", "\n    server {\n"
    )
    [cfg] = _stack(tmp_path, text).nginx
    assert cfg.embedded is not None and cfg.embedded.exact
    assert cfg.find("server_tokens")[0].location.line == 13


def test_quoted_value_points_at_value_start(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: n\ndata:\n"
        '  site.conf: "server {\\n  listen 80;\\n  server_tokens on;\\n}\\n"\n'
    )
    [cfg] = _stack(tmp_path, text).nginx
    assert cfg.embedded is not None and not cfg.embedded.exact
    loc = cfg.find("server_tokens")[0].location
    assert (loc.line, loc.column, loc.offset) == (6, 14, None)


def test_parse_error_names_manifest_line_and_key(tmp_path: Path) -> None:
    text = CONFIGMAP.replace("server_tokens on;", "server_tokens on")
    stack = _stack(tmp_path, text)
    errors = [
        e for e in stack.errors if "nginx in ConfigMap/nginx-conf key default.conf" in e.message
    ]
    assert errors and errors[0].file == "k8s/nginx.yaml"
    assert errors[0].line is not None and 12 <= errors[0].line <= 14


def test_nginx_rules_run_and_fixes_are_display_only(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"k8s/nginx.yaml": CONFIGMAP})
    result = lint(root, LintConfig(select=["NGX001"]))
    [f] = result.findings
    assert (f.location.file, f.location.line) == ("k8s/nginx.yaml", 12)
    assert f.fix is not None and f.fix.applicability is Applicability.DISPLAY_ONLY


def test_embedded_text_abstraction_for_other_loaders(tmp_path: Path) -> None:
    """A Terraform heredoc or kustomize file: text, start line, column, exact."""
    tf = 'resource "x" "y" {\n  data = {\n    "nginx.conf" = <<EOF\nserver {\n  listen 80;\n}\nEOF\n  }\n}\n'
    write_tree(tmp_path, {"main.tf": tf})
    from infradoctor.model.source import FileKind, SourceFile

    src = SourceFile("main.tf", tmp_path / "main.tf", FileKind.TERRAFORM, tf)
    item = EmbeddedText("main.tf", "server {\n  listen 80;\n}\n", 4, 1, "heredoc nginx.conf")
    cfg, errors = parse_embedded(item, src)
    assert not errors
    listen = cfg.find("listen")[0]
    assert (listen.location.file, listen.location.line, listen.location.column) == ("main.tf", 5, 3)


def test_not_attached_to_compose_project(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    image: nginx:1.27\n"
    root = write_tree(tmp_path, {"k8s/nginx.yaml": CONFIGMAP, "compose.yaml": compose})
    stack = load_stack(root)
    assert all(not p.nginx for p in stack.projects)


HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: n\n"


@pytest.mark.parametrize(
    ("body", "line", "column", "exact"),
    [
        # an anchor before `|`: the text the user edits is the anchor's
        (
            "x: &conf |\n  server {\n    server_tokens on;\n  }\ndata:\n  n.conf: *conf\n",
            7,
            5,
            True,
        ),
        # an indentation indicator: content keeps its extra spaces
        ("data:\n  n.conf: |2\n      server {\n      server_tokens on;\n    }\n", 8, 7, True),
        # folded: not verbatim, so the value's start
        ("data:\n  n.conf: >\n    server {\n    server_tokens on; }\n", 6, 11, False),
    ],
)
def test_block_styles(tmp_path: Path, body: str, line: int, column: int, exact: bool) -> None:
    [cfg] = _stack(tmp_path, HEAD + body).nginx
    assert cfg.embedded is not None and cfg.embedded.exact is exact
    loc = cfg.find("server_tokens")[0].location
    assert (loc.line, loc.column) == (line, column)
