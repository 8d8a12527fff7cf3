"""NGX012 undefined-nginx-variable: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Severity
from infradoctor.rules.nginx.NGX012_undefined_nginx_variable import BUILTIN_VARIABLES
from tests.conftest import CORPUS, require_corpus, write_tree
from tests.nginxbin import nginx_t
from tests.rules.nginx._fix_support import fix_tree, second_run_changes_nothing
from tests.rules.nginx._variables_support import (
    DEFINED,
    SNIPPET_WS,
    WS_NO_MAP,
    _lint,
    _only,
)


def test_builtin_list_holds_core_and_proxy_variables() -> None:
    """NGX012 knows nginx's built-in variables: a missing core or proxy one would be a
    false "undefined variable" error on every config using it."""
    for name in (
        "host",
        "request_uri",
        "proxy_add_x_forwarded_for",
        "ssl_server_name",
        "upstream_response_time",
        "realip_remote_addr",
        "http_",
    ):
        assert name in BUILTIN_VARIABLES


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


# ---------------------------------------------------------------- the NGX012 map fix

FIX_CONFIG = LintConfig(report_unused_suppressions=False)


def test_nginx_rejects_the_undefined_variable_and_the_defined_config_passes(
    tmp_path: Path,
) -> None:
    """Grounds NGX012 in nginx itself: the fixture the rule flags is one a real `nginx -t`
    refuses, and the fixture with the map is one it accepts."""
    with pytest.raises(AssertionError, match='unknown "connection_upgrade" variable'):
        nginx_t(WS_NO_MAP, tmp_path / "bad")
    nginx_t(DEFINED, tmp_path / "good")


def test_connection_upgrade_gets_the_standard_map(tmp_path: Path) -> None:
    """Second user audit: NGX012 had no fix; the fix adds the standard `map
    $http_upgrade $connection_upgrade` once, before the upstreams, and nginx -t passes."""
    root = tmp_path / "s"
    fix_tree(root, {"nginx.conf": WS_NO_MAP}, ["NGX012"])
    text = (root / "nginx.conf").read_text()
    assert text.count("map $http_upgrade $connection_upgrade {") == 1
    assert text.index("map $http_upgrade") < text.index("upstream realtime_service")
    nginx_t(text, tmp_path / "t")
    assert not _only(lint(root, FIX_CONFIG).findings, "NGX012")
    second_run_changes_nothing(root, ["NGX012"])


def test_map_goes_to_the_first_conf_d_snippet_once(tmp_path: Path) -> None:
    """conf.d snippets share one http{}: a map in each would be a duplicate nginx rejects,
    so the fix puts one in the first snippet only."""
    snippet = (
        "server {\n    listen 80;\n    location /ws/ {\n        proxy_pass http://rt:8000;\n"
        "        proxy_http_version 1.1;\n        proxy_set_header Upgrade $http_upgrade;\n"
        "        proxy_set_header Connection $connection_upgrade;\n    }\n}\n"
    )
    root = tmp_path / "s"
    files = {"nginx/conf.d/a.conf": snippet, "nginx/conf.d/b.conf": snippet.replace("80", "81")}
    fix_tree(root, files, ["NGX012"])
    a = (root / "nginx/conf.d/a.conf").read_text()
    b = (root / "nginx/conf.d/b.conf").read_text()
    assert a.count("map $http_upgrade") == 1 and "map $http_upgrade" not in b
    nginx_t(a + b, tmp_path / "t")
    assert not _only(lint(root, FIX_CONFIG).findings, "NGX012")


def test_other_undefined_variables_get_no_fix(tmp_path: Path) -> None:
    """Only $connection_upgrade has a standard definition; any other undefined variable
    gets no guessed fix."""
    conf = WS_NO_MAP.replace("$connection_upgrade", "$conn_up")
    root = write_tree(tmp_path, {"nginx.conf": conf})
    (f,) = _only(lint(root, FIX_CONFIG).findings, "NGX012")
    assert f.fix is None
