"""NGX012 undefined-nginx-variable: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Severity
from tests.conftest import CORPUS, require_corpus
from tests.rules.nginx.test_nginx_variables import (
    DEFINED,
    SNIPPET_WS,
    WS_NO_MAP,
    _lint,
    _only,
)


def test_undefined_connection_upgrade_is_an_error(tmp_path: Path) -> None:
    (f,) = _only(_lint(tmp_path, {"nginx.conf": WS_NO_MAP}), "NGX012")
    assert f.location.line == 21
    assert 'unknown "connection_upgrade" variable' in f.message
    assert f.data["variable"] == "connection_upgrade"
    assert f.severity is Severity.ERROR


def test_every_kind_of_definition_and_builtin_is_known(tmp_path: Path) -> None:
    assert not _only(_lint(tmp_path, {"nginx.conf": DEFINED}), "NGX012")


def test_map_in_a_conf_d_sibling_defines_it_for_all(tmp_path: Path) -> None:
    files = {
        "nginx/conf.d/00-maps.conf": (
            "map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
        ),
        "nginx/conf.d/app.conf": (
            "server {\n    listen 80;\n    location /ws/ {\n"
            "        proxy_pass http://rt:8000;\n"
            "        proxy_set_header Connection $connection_upgrade;\n    }\n}\n"
        ),
    }
    assert not _only(_lint(tmp_path, files), "NGX012")


@pytest.mark.parametrize(
    "extra",
    [
        "include /etc/nginx/snippets/maps.conf;",  # include we cannot follow
        "set_by_lua_block $x { return 1 }",  # embedded code
        "proxy_set_header X-T ${TOKEN};",  # envsubst template
    ],
)
def test_silent_when_part_of_the_config_is_unknown(tmp_path: Path, extra: str) -> None:
    text = WS_NO_MAP.replace("listen 80;", f"listen 80;\n        {extra}")
    assert not _only(_lint(tmp_path, {"nginx.conf": text}), "NGX012")


@pytest.mark.parametrize(
    ("image", "reported"),
    [
        ("nginx:1.27-alpine", True),
        ("nginxinc/nginx-unprivileged:1.27", True),
        ("jwilder/nginx-proxy:1.6", False),
        ("lscr.io/linuxserver/swag", False),
    ],
)
def test_snippet_in_an_image_with_its_own_nginx_conf(
    tmp_path: Path, image: str, reported: bool
) -> None:
    files = {
        "docker-compose.yml": (
            f"services:\n  web:\n    image: {image}\n    volumes:\n"
            "      - ./nginx/conf.d:/etc/nginx/conf.d:ro\n  rt:\n    image: example/rt:1\n"
        ),
        "nginx/conf.d/app.conf": SNIPPET_WS,
    }
    assert bool(_only(_lint(tmp_path, files), "NGX012")) is reported


def test_envsubst_style_names_are_not_nginx_variables(tmp_path: Path) -> None:
    conf = "server {\n  listen 80;\n  location / {\n    proxy_pass http://$FLASK_ADDR;\n  }\n}\n"
    assert not _only(_lint(tmp_path, {"nginx/nginx.conf": conf}), "NGX012")


def test_typo_in_a_builtin_is_reported_once_per_variable(tmp_path: Path) -> None:
    conf = (
        "server {\n  listen 80;\n  location / {\n    proxy_pass http://api:8000;\n"
        "    proxy_set_header X-Real-IP $remote_adr;\n    add_header X-A $remote_adr;\n"
        "  }\n}\n"
    )
    (f,) = _only(_lint(tmp_path, {"nginx/conf.d/app.conf": conf}), "NGX012")
    assert f.data["variable"] == "remote_adr" and f.location.line == 5
    assert [r.line for r in f.related] == [6]


def test_corpus_has_no_ngx012_false_positives() -> None:
    """Every corpus finding was read: none of these projects uses an undefined variable."""
    require_corpus()
    assert not _only(lint(CORPUS, LintConfig(select=["NGX012"])).findings, "NGX012")
