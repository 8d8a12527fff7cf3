"""Link step end to end: load_stack over small multi-file trees."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from infradoctor.facts.ports import container_port
from infradoctor.loaders import load_stack
from infradoctor.model.stack import Project, ResolvedTarget, Stack

Tree = Callable[[Mapping[str, str]], Path]

NGINX_SVC = """\
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/conf.d:/etc/nginx/conf.d:ro
"""


def conf(*locations: str) -> str:
    body = "\n".join(
        f"    location /{i} {{\n        proxy_pass {t};\n    }}" for i, t in enumerate(locations)
    )
    return f"server {{\n    listen 80;\n{body}\n}}\n"


def load(tree: Tree, files: Mapping[str, str]) -> Stack:
    stack = load_stack(tree(files))
    assert not [e for e in stack.errors if e.kind == "internal"], stack.errors
    return stack


def only_project(stack: Stack) -> Project:
    assert len(stack.projects) == 1, [p.name for p in stack.projects]
    return stack.projects[0]


def by_raw(project: Project) -> dict[str, ResolvedTarget]:
    return {f"{rt.route.raw}@{rt.target.host}:{rt.target.port}": rt for rt in project.targets}


def test_compose_dns_names(tree: Tree) -> None:
    compose = (
        "services:\n"
        + NGINX_SVC
        + """\
  api:
    image: example/api:1
    networks:
      default:
        aliases: [backend-alias]
  worker:
    image: example/worker:1
    container_name: my-worker
  web:
    image: example/web:1
    hostname: web-host
"""
    )
    stack = load(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/default.conf": conf(
                "http://api:8000",
                "http://backend-alias:8000",
                "http://my-worker:9000",
                "http://web-host:3000",
                "http://apii:8000",
                "https://example.com",
                "http://$backend",
                "http://unix:/run/app.sock",
                "http://10.0.0.5:8000",
                "http://127.0.0.1:8000",
            ),
        },
    )
    project = only_project(stack)
    assert project.nginx_service == {"nginx/conf.d/default.conf": "nginx"}
    rts = {rt.route.raw: rt for rt in project.targets}
    assert (rts["http://api:8000"].service.name, rts["http://api:8000"].via) == (
        "api",
        "service-name",
    )
    assert rts["http://backend-alias:8000"].via == "alias"
    assert rts["http://my-worker:9000"].via == "container_name"
    assert rts["http://my-worker:9000"].service.name == "worker"
    assert rts["http://web-host:3000"].via == "hostname"
    assert rts["http://apii:8000"].reason == "unknown-name"
    assert rts["https://example.com"].reason == "external"
    assert rts["http://$backend"].reason == "variable"
    assert rts["http://unix:/run/app.sock"].reason == "unix-socket"
    assert rts["http://10.0.0.5:8000"].reason == "ip-literal"
    assert rts["http://127.0.0.1:8000"].reason == "loopback-in-container"


def test_host_nginx_resolves_through_published_ports(tree: Tree) -> None:
    stack = load(
        tree,
        {
            "docker-compose.yml": """\
services:
  api:
    image: example/api:1
    command: uvicorn app:app --host 0.0.0.0 --port 8000
    ports: ["127.0.0.1:8081:8000"]
""",
            "deploy/nginx/site.conf": conf("http://127.0.0.1:8081", "http://localhost:9999"),
        },
    )
    project = only_project(stack)
    assert project.nginx_service == {}
    assert [c.root_file for c in project.nginx] == ["deploy/nginx/site.conf"]
    rts = {rt.route.raw: rt for rt in project.targets}
    rt = rts["http://127.0.0.1:8081"]
    assert (rt.service.name, rt.via, container_port(rt)) == ("api", "published-port", 8000)
    assert rts["http://localhost:9999"].reason == "not-published"


def test_nginx_with_host_network_uses_published_ports(tree: Tree) -> None:
    compose = """\
services:
  nginx:
    image: nginx:1.27
    network_mode: host
    volumes:
      - ./nginx/conf.d:/etc/nginx/conf.d:ro
  api:
    image: example/api:1
    ports: ["8000:8000"]
"""
    stack = load(
        tree,
        {"docker-compose.yml": compose, "nginx/conf.d/default.conf": conf("http://127.0.0.1:8000")},
    )
    [rt] = only_project(stack).targets
    assert (rt.service.name, rt.via) == ("api", "published-port")


def test_upstream_block_with_several_servers(tree: Tree) -> None:
    compose = (
        "services:\n"
        + NGINX_SVC
        + """\
  app1:
    image: example/api:1
  app2:
    image: example/api:1
"""
    )
    stack = load(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/default.conf": "upstream app {\n    server app1:8000;\n"
            "    server app2:8000 max_fails=3;\n"
            "    server app3:8000 backup;\n}\n" + conf("http://app"),
        },
    )
    rts = only_project(stack).targets
    assert [(rt.target.host, rt.service.name if rt.service else rt.reason) for rt in rts] == [
        ("app1", "app1"),
        ("app2", "app2"),
        ("app3", "unknown-name"),
    ]
    assert all(rt.route.upstream is not None and rt.route.upstream.name == "app" for rt in rts)
    assert rts[0].location.line == 2


def test_upstream_in_sibling_snippet(tree: Tree) -> None:
    """conf.d files are separate roots for us but one config for nginx."""
    compose = "services:\n" + NGINX_SVC + "  api:\n    image: example/api:1\n"
    stack = load(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/upstreams.conf": "upstream backend {\n    server api:8000;\n}\n"
            "server {\n    listen 8081;\n    return 204;\n}\n",
            "nginx/conf.d/site.conf": conf("http://backend"),
        },
    )
    rts = [rt for rt in only_project(stack).targets if rt.route.raw == "http://backend"]
    assert [(rt.service.name if rt.service else None, rt.target.port) for rt in rts] == [
        ("api", 8000)
    ]


def test_upstream_defined_outside_loaded_configs(tree: Tree) -> None:
    """An upstream written by a Dockerfile RUN is not an unknown host."""
    compose = """\
services:
  nginx:
    build: ./nginx
    volumes:
      - ./nginx/sites:/etc/nginx/sites-available:ro
  php-fpm:
    image: php:8.3-fpm
"""
    stack = load(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/Dockerfile": 'FROM nginx:1.27\nRUN echo "upstream php-upstream { server '
            'php-fpm:9000; }" > /etc/nginx/conf.d/upstream.conf\n',
            "nginx/sites/default.conf": "server {\n    listen 80;\n    location ~ \\.php$ {\n"
            "        fastcgi_pass php-upstream;\n    }\n}\n",
        },
    )
    [rt] = only_project(stack).targets
    assert rt.reason == "upstream-outside-config"


def test_nginx_built_from_dockerfile_copy(tree: Tree) -> None:
    stack = load(
        tree,
        {
            "docker-compose.yml": """\
services:
  proxy:
    build: ./proxy
    ports: ["80:80"]
  api:
    build:
      context: ./api
""",
            "proxy/Dockerfile": "FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/nginx.conf\n",
            "proxy/nginx.conf": "events {}\nhttp {\n" + conf("http://api:8000") + "}\n",
            "api/Dockerfile": "FROM python:3.12-slim\nEXPOSE 8000\n"
            'CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n',
        },
    )
    project = only_project(stack)
    assert project.nginx_service == {"proxy/nginx.conf": "proxy"}
    api = project.services["api"]
    assert api.dockerfile is not None and api.dockerfile.path == "api/Dockerfile"
    assert {(la.port, la.host) for la in api.listens} >= {(8000, "0.0.0.0")}
    proxy = project.services["proxy"]
    assert [la.port for la in proxy.listens if la.source.startswith("nginx:")] == [80]


def test_config_mounted_by_a_non_nginx_service_is_not_carried(tree: Tree) -> None:
    stack = load(
        tree,
        {
            "docker-compose.yml": """\
services:
  app:
    image: example/app:1
    volumes:
      - ./:/srv/app
""",
            "nginx/site.conf": conf("http://127.0.0.1:8000"),
        },
    )
    project = only_project(stack)
    assert project.nginx_service == {}
    assert [c.root_file for c in project.nginx] == ["nginx/site.conf"]


def test_config_belongs_to_nearest_project(tree: Tree) -> None:
    stack = load(
        tree,
        {
            "docker-compose.yml": "services:\n  root:\n    image: example/a:1\n",
            "sub/docker-compose.yml": "services:\n  api:\n    image: example/b:1\n",
            "sub/nginx/site.conf": conf("http://api:8000"),
            "elsewhere/nginx/site.conf": conf("http://root:80"),
        },
    )
    owner = {c.root_file: stack.project_for_nginx(c) for c in stack.nginx}
    assert owner["sub/nginx/site.conf"].directory == "sub"
    assert owner["elsewhere/nginx/site.conf"].directory == "."


def test_config_outside_any_project_stays_unattached(tree: Tree) -> None:
    stack = load(
        tree,
        {
            "app/docker-compose.yml": "services:\n  api:\n    image: example/b:1\n",
            "ops/nginx/site.conf": conf("http://api:8000"),
        },
    )
    [cfg] = stack.nginx
    assert stack.project_for_nginx(cfg) is None
    assert only_project(stack).targets == []


def test_specific_mount_beats_whole_context_copy(tree: Tree) -> None:
    stack = load(
        tree,
        {
            "docker-compose.yml": """\
services:
  frontend:
    build: .
  nginx:
    image: nginx:1.27
    volumes:
      - ./nginx/conf.d:/etc/nginx/conf.d:ro
""",
            "Dockerfile": "FROM nginx:1.27-alpine\nCOPY . /usr/share/nginx/html\n",
            "nginx/conf.d/site.conf": "server {\n    listen 80;\n    location / {\n"
            "        proxy_pass http://frontend:80;\n    }\n}\n",
        },
    )
    assert only_project(stack).nginx_service == {"nginx/conf.d/site.conf": "nginx"}


def test_variables_filled_from_set_and_template_env(tree: Tree) -> None:
    compose = """\
services:
  web:
    image: nginx:1.27
    environment:
      CART_HOST: cart
    volumes:
      - ./web/default.conf.template:/etc/nginx/templates/default.conf.template:ro
  cart:
    image: example/cart:1
  api:
    image: example/api:1
"""
    conf = (
        "server {\n    listen 80;\n    resolver 127.0.0.11 valid=10s;\n"
        '    set $api_backend "http://api:8000";\n'
        "    location /cart/ {\n        proxy_pass http://${CART_HOST}:8080/;\n    }\n"
        "    location /api/ {\n        proxy_pass $api_backend;\n    }\n"
        "    location /x/ {\n        proxy_pass http://$host;\n    }\n}\n"
    )
    stack = load(tree, {"docker-compose.yml": compose, "web/default.conf.template": conf})
    rts = {rt.route.path: rt for rt in only_project(stack).targets}
    cart, api, other = rts["/cart/"], rts["/api/"], rts["/x/"]
    assert (cart.service.name, cart.target.port) == ("cart", 8080)
    assert (api.service.name, api.target.port, api.target.has_variables) == ("api", 8000, True)
    assert other.reason == "variable"
