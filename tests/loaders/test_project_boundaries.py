"""In a tree holding several compose projects, nginx of one project is linked only to
services of its own project, or of a project sharing its directory subtree or a named
network, never to an unrelated sibling's services."""

from __future__ import annotations

from pathlib import Path

from infradoctor.engine import lint
from infradoctor.loaders import load_stack

NGINX_COMPOSE = """services:
  proxy:
    image: nginx:1.27
    volumes:
      - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro
{networks}"""
NGINX_CONF = "server {\n    listen 80;\n    location / { proxy_pass http://api:8000; }\n}\n"
API_COMPOSE = """services:
  api:
    image: example/api:1.0
    command: gunicorn --bind 0.0.0.0:9000 app:app
{networks}"""
SHARED = """    networks: [shared]
networks:
  shared:
    external: true
"""


def tree(root: Path, shared: bool) -> Path:
    (root / "site").mkdir(parents=True)
    (root / "api").mkdir()
    nets = SHARED if shared else ""
    (root / "site" / "compose.yaml").write_text(NGINX_COMPOSE.format(networks=nets))
    (root / "site" / "nginx.conf").write_text(NGINX_CONF)
    (root / "api" / "compose.yaml").write_text(API_COMPOSE.format(networks=nets))
    return root


def targets(root: Path) -> list[tuple[str, str | None]]:
    stack = load_stack(root)
    return [
        (t.target.host or "", t.service.name if t.service else None)
        for p in stack.projects
        for t in p.targets
    ]


def test_sibling_project_service_not_linked(tmp_path: Path) -> None:
    root = tree(tmp_path, shared=False)
    assert targets(root) == [("api", None)]
    assert not [f for f in lint(root).findings if f.rule == "XF002"]


def test_shared_named_network_links(tmp_path: Path) -> None:
    root = tree(tmp_path, shared=True)
    assert targets(root) == [("api", "api")]
    assert [f.rule for f in lint(root).findings if f.rule == "XF002"] == ["XF002"]


def test_absolute_include_never_splices_a_sibling_projects_conf_d(tmp_path: Path) -> None:
    (tmp_path / "shop" / "proxy").mkdir(parents=True)
    (tmp_path / "shop" / "compose.yaml").write_text(
        "services:\n  proxy:\n    build: ./proxy\n  appserver:\n    image: example/app:1\n"
    )
    (tmp_path / "shop" / "proxy" / "Dockerfile").write_text(
        "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\n"
    )
    (tmp_path / "shop" / "proxy" / "nginx.conf").write_text(
        "events {}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n"
        "    server { listen 80; location / { proxy_pass http://appserver:8080; } }\n}\n"
    )
    (tmp_path / "other" / "conf.d").mkdir(parents=True)
    (tmp_path / "other" / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27\n")
    (tmp_path / "other" / "conf.d" / "default.conf").write_text(SIBLING_CONF)
    stack = load_stack(tmp_path)
    shop = next(c for c in stack.nginx if c.root_file == "shop/proxy/nginx.conf")
    assert shop.files == ["shop/proxy/nginx.conf"]


SIBLING_CONF = "server {\n    listen 81;\n    location / { proxy_pass http://web:80; }\n}\n"
