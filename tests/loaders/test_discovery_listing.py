"""Nothing that looks like infrastructure is left out without being listed: infra files
in build-output directories (dist/, build/), nginx snippets no config includes, env files
no compose project reads; a chart's `_helpers.tpl` is listed as read with its chart."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_tree

from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.model.source import FileKind

NGINX = "events {}\nhttp {\n  server {\n    listen 80;\n    %s\n  }\n}\n"
SNIPPET = "ssl_session_timeout 1d;\nssl_session_cache shared:SSL:10m;\n"


def _reasons(root: Path) -> dict[str, str]:
    stack = load_stack(root, LoadOptions(helm="off"))
    return {s.path: s.reason for s in stack.skipped}


def test_build_output_infra_files_are_listed_not_read(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "s",
        {
            "dist/nginx.conf": NGINX % "",
            "build/deploy/Dockerfile": "FROM alpine:3.20\n",
            "dist/app.js": "console.log(1)\n",
            "dist/node_modules/x/Dockerfile": "FROM alpine\n",
        },
    )
    stack = load_stack(root)
    assert not stack.nginx and not stack.dockerfiles
    listed = {s.path: s.reason for s in stack.skipped}
    assert sorted(listed) == ["build/deploy/Dockerfile", "dist/nginx.conf"]
    assert "build-output directory dist/" in listed["dist/nginx.conf"]


def test_gitignored_build_output_is_not_listed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", {".gitignore": "dist/\n", "dist/nginx.conf": NGINX % ""})
    stack = load_stack(root)
    assert not stack.skipped and stack.gitignored == 1


def test_snippet_not_included_is_listed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", {"nginx/ssl.conf": SNIPPET})
    reasons = _reasons(root)
    assert list(reasons) == ["nginx/ssl.conf"]
    assert "nginx snippet" in reasons["nginx/ssl.conf"]


def test_included_snippet_is_read_not_listed(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "s",
        {"nginx/nginx.conf": NGINX % "include ssl.conf;", "nginx/ssl.conf": SNIPPET},
    )
    stack = load_stack(root)
    assert not stack.skipped
    assert "nginx/ssl.conf" in stack.files


def test_one_directive_or_other_formats_are_not_snippets(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "s",
        {
            "conf/redis.conf": "bind 127.0.0.1\nport 6379\nmaxmemory 100mb\n",
            "nginx/one.conf": "client_max_body_size 10m;\n",
        },
    )
    assert _reasons(root) == {}


def test_env_file_no_project_reads_is_listed(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "s",
        {
            "app/compose.yaml": "services:\n  web:\n    image: nginx:1.27\n",
            "app/.env": "A=1\n",
            "elsewhere/prod.env": "B=2\n",
        },
    )
    reasons = _reasons(root)
    assert list(reasons) == ["elsewhere/prod.env"]


def test_chart_partials_are_read_with_the_chart(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "s",
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
            "chart/values.yaml": "a: 1\n",
            "chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
            "chart/templates/_helpers.tpl": '{{- define "c.name" -}}c{{- end }}\n',
        },
    )
    stack = load_stack(root, LoadOptions(helm="off"))
    assert stack.files["chart/templates/_helpers.tpl"].kind is FileKind.HELM
    assert not [s for s in stack.skipped if s.path.endswith(".tpl")]
