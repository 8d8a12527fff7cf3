"""Cross-file rules on multi-file stacks where resolution is the tricky part."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding, Severity

Tree = Callable[[Mapping[str, str]], Path]

NGINX = """\
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/conf.d:/etc/nginx/conf.d:ro
"""


def run(tree: Tree, files: Mapping[str, str], select: str = "XF") -> list[Finding]:
    result = lint(
        tree(files), LintConfig(select=[select], report_unused_suppressions=False), with_fixes=False
    )
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return result.findings


def codes(findings: list[Finding]) -> list[str]:
    return sorted(f.rule for f in findings)


def site(*body: str) -> str:
    return "server {\n    listen 80;\n" + "\n".join(body) + "\n}\n"


def loc(path: str, target: str, *extra: str) -> str:
    lines = [f"        proxy_pass {target};", *[f"        {e}" for e in extra]]
    return f"    location {path} {{\n" + "\n".join(lines) + "\n    }"


def test_unknown_host_suggests_closest_name(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  backend:\n    image: example/api:1\n"
    [f] = run(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/site.conf": site(loc("/", "http://backnd:8000")),
        },
        "XF001",
    )
    assert f.data["suggestion"] == "backend"
    assert "did you mean 'backend'" in f.message
    assert (f.location.file, f.location.line) == ("nginx/conf.d/site.conf", 4)


def test_alias_and_container_name_are_known_hosts(tree: Tree) -> None:
    compose = (
        "services:\n"
        + NGINX
        + """\
  api:
    image: example/api:1
    container_name: api-container
    command: uvicorn app:app --host 0.0.0.0 --port 8000
    networks:
      default:
        aliases: [api.internal]
"""
    )
    found = run(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/site.conf": site(
                loc("/a", "http://api-container:8000"), loc("/b", "http://api.internal:8000")
            ),
        },
    )
    assert not [f for f in found if f.rule in ("XF001", "XF002", "XF003")]


def test_port_mismatch_names_the_listened_port_and_its_source(tree: Tree) -> None:
    compose = (
        "services:\n"
        + NGINX
        + """\
  api:
    image: example/api:1
    command: ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
"""
    )
    [f] = run(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/site.conf": site(loc("/", "http://api:5000")),
        },
        "XF002",
    )
    assert f.data["suggested_port"] == 8000
    assert "gunicorn --bind 0.0.0.0:8000" in f.message
    assert "docker-compose.yml:" in f.message


def test_no_listen_facts_no_port_finding(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  api:\n    image: example/api:1\n"
    assert (
        run(
            tree,
            {
                "docker-compose.yml": compose,
                "nginx/conf.d/site.conf": site(loc("/", "http://api:5000")),
            },
            "XF002",
        )
        == []
    )


def test_host_nginx_through_published_port(tree: Tree) -> None:
    compose = """\
services:
  api:
    image: example/api:1
    command: uvicorn app:app --port 8000
    ports: ["127.0.0.1:8081:8000"]
"""
    conf = site(loc("/", "http://127.0.0.1:8081"))
    found = run(tree, {"docker-compose.yml": compose, "deploy/site.conf": conf})
    # The published port maps to 8000, which uvicorn listens on -- but only on loopback.
    assert "XF002" not in codes(found)
    [f] = [f for f in found if f.rule == "XF003"]
    assert "published port" in f.message
    wrong = run(
        tree,
        {"docker-compose.yml": compose.replace("8081:8000", "8081:9000"), "deploy/site.conf": conf},
        "XF002",
    )
    # The fix is the mapping (8081:8000), not proxy_pass: no suggested_port for the fixer.
    assert [(f.data["suggested_port"], f.data["suggested_container_port"]) for f in wrong] == [
        (None, 8000)
    ]


def test_host_nginx_using_the_container_port(tree: Tree) -> None:
    compose = """\
services:
  app:
    image: example/app:1
    ports: ["8000:8816"]
"""
    [f] = run(
        tree,
        {
            "docker-compose.yml": compose,
            "etc/nginx/site.conf": site(loc("/", "http://127.0.0.1:8816")),
        },
        "XF002",
    )
    assert (f.data["service"], f.data["suggested_port"]) == ("app", 8000)
    assert (
        run(
            tree,
            {
                "docker-compose.yml": compose,
                "etc/nginx/site.conf": site(loc("/", "http://127.0.0.1:9999")),
            },
            "XF002",
        )
        == []
    )


def test_loopback_bind_is_fine_when_sharing_network_namespace(tree: Tree) -> None:
    compose = """\
services:
  nginx:
    image: nginx:1.27
    network_mode: "service:api"
    volumes:
      - ./nginx/conf.d:/etc/nginx/conf.d:ro
  api:
    image: example/api:1
    command: uvicorn app:app --port 8000
    ports: ["80:80"]
"""
    found = run(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/site.conf": site(loc("/", "http://127.0.0.1:8000")),
        },
    )
    assert not [f for f in found if f.rule in ("XF002", "XF003", "XF006")]


def test_localhost_to_own_server_block_is_not_flagged(tree: Tree) -> None:
    compose = "services:\n" + NGINX
    conf = site(loc("/", "http://127.0.0.1:8080")) + "server {\n    listen 8080;\n}\n"
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf}, "XF006") == []


def test_localhost_from_container_suggests_publisher(tree: Tree) -> None:
    compose = (
        "services:\n"
        + NGINX
        + """\
  api:
    image: example/api:1
    ports: ["8000:8000"]
"""
    )
    [f] = run(
        tree,
        {
            "docker-compose.yml": compose,
            "nginx/conf.d/site.conf": site(loc("/", "http://localhost:8000")),
        },
        "XF006",
    )
    assert f.data["suggestion"] == "api:8000"


def test_websocket_headers_inherited_from_server_level(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  realtime:\n    image: example/rt:1\n"
    good = (
        "server {\n    listen 80;\n    proxy_http_version 1.1;\n"
        "    proxy_set_header Upgrade $http_upgrade;\n"
        '    proxy_set_header Connection "upgrade";\n'
        + loc("/ws/", "http://realtime:8000")
        + "\n}\n"
    )
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": good}, "XF007") == []
    by_service = site(loc("/", "http://realtime:8000"))
    [f] = run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": by_service}, "XF007")
    assert f.data["target_service"] == "realtime"


def test_backup_servers_do_not_make_an_upstream_replicated(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  a:\n    image: x/a:1\n  b:\n    image: x/b:1\n"
    conf = "upstream app {\n    server a:8000;\n    server b:8000 backup;\n}\n" + site(
        loc("/", "http://app")
    )
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf}, "XF012") == []


def test_depends_on_healthy_without_healthcheck_is_an_error(tree: Tree) -> None:
    compose = """\
services:
  api:
    image: example/api:1
    depends_on:
      db:
        condition: service_healthy
  db:
    image: postgres:16
"""
    [f] = run(tree, {"docker-compose.yml": compose}, "XF004")
    assert f.severity == Severity.ERROR
    assert f.data == {
        "project": f.data["project"],
        "service": "api",
        "target_service": "db",
        "condition": "service_healthy",
        "one_shot": False,
    }


def test_depends_on_one_shot_job_suggests_completed_condition(tree: Tree) -> None:
    compose = """\
services:
  api:
    image: example/api:1
    depends_on: [migrate, data]
  migrate:
    image: example/api:1
    command: alembic upgrade head
  data:
    image: busybox:1.36
    volumes: [shared:/data]
volumes:
  shared:
"""
    [f] = run(tree, {"docker-compose.yml": compose}, "XF004")
    assert "service_completed_successfully" in f.message and f.data["one_shot"]


def test_dockerfile_healthcheck_counts(tree: Tree) -> None:
    compose = """\
services:
  api:
    image: example/api:1
    depends_on: [worker]
  worker:
    build: ./worker
"""
    files = {
        "docker-compose.yml": compose,
        "worker/Dockerfile": "FROM python:3.12-slim\nHEALTHCHECK CMD python -c 'print(1)'\n",
    }
    assert codes(run(tree, files, "XF00")) == ["XF005"]


def test_logs_redirected_to_stdout_need_no_rotation(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "      - ./logs:/var/log/nginx\n"
    conf = "access_log off;\nerror_log /dev/stderr;\n" + site(loc("/", "http://x:80"))
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf}, "XF013") == []
    conf_files = "access_log /var/log/nginx/a.log;\n" + site(loc("/", "http://x:80"))
    [f] = run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf_files}, "XF013")
    assert f.data["host_path"] == "./logs"


def test_stale_ip_info_not_for_runtime_resolution(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  api:\n    image: example/api:1\n"
    conf = (
        "server {\n    listen 80;\n    resolver 127.0.0.11 valid=10s;\n"
        "    set $u http://api:8000;\n" + loc("/", "$u") + "\n}\n"
    )
    assert run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": conf}, "XF014") == []


def test_bot_that_only_sends_messages_is_not_a_poller(tree: Tree) -> None:
    compose = """\
services:
  api:
    image: example/api:1
    environment:
      TELEGRAM_BOT_TOKEN: x
    deploy:
      replicas: 3
"""
    assert run(tree, {"docker-compose.yml": compose}, "XF009") == []
    assert (
        run(
            tree,
            {
                "docker-compose.yml": compose.replace(
                    "image: example/api:1",
                    "image: example/api:1\n    command: python -m aiogram_bot",
                )
            },
            "XF009",
        )
        != []
    )


def test_unresolved_include_silences_directive_checks(tree: Tree) -> None:
    compose = "services:\n" + NGINX + "  realtime:\n    image: example/rt:1\n"
    missing = site(loc("/ws/", "http://realtime:8000", "include proxy_ws.conf;"))
    assert (
        run(tree, {"docker-compose.yml": compose, "nginx/conf.d/site.conf": missing}, "XF007") == []
    )
    spliced = {
        "docker-compose.yml": compose,
        "nginx/conf.d/site.conf": site(
            loc("/ws/", "http://realtime:8000", "include snippets/common.inc;")
        ),
        "nginx/conf.d/snippets/common.inc": "proxy_set_header Host $host;\n",
    }
    assert codes(run(tree, spliced, "XF007")) == ["XF007"]
