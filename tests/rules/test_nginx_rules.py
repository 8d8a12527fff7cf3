"""nginx rules NGX001-NGX011 beyond their examples: inheritance, snippets, system includes,
templates, grouping, the data fixers read, and the quiet cases (no false positives)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
from tests.conftest import write_tree


def run(tmp_path: Path, code: str, files: Mapping[str, str]) -> list[Finding]:
    root = write_tree(tmp_path / "t", files)
    result = lint(
        root, LintConfig(select=[code], report_unused_suppressions=False), with_fixes=False
    )
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    return [f for f in result.findings if f.rule == code]


def conf(body: str) -> dict[str, str]:
    return {"nginx/conf.d/app.conf": body}


def main_conf(http_body: str) -> dict[str, str]:
    return {"nginx.conf": "events {}\nhttp {\n" + http_body + "\n}\n"}


# ---------------------------------------------------------------- NGX001


def test_ngx001_server_level_off_everywhere_is_enough(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX001",
            main_conf(
                "server { listen 80; server_tokens off; }\nserver { listen 81; server_tokens off; }"
            ),
        )
        == []
    )


def test_ngx001_reports_http_block_once_with_fixer_data(tmp_path: Path) -> None:
    files = main_conf("server { listen 80; server_tokens off; }\nserver { listen 81; }")
    found = run(tmp_path, "NGX001", files)
    assert len(found) == 1
    f = found[0]
    assert (f.location.file, f.location.line) == ("nginx.conf", 2)
    text = files["nginx.conf"]
    assert f.data["config"] == "nginx.conf"
    assert f.data["block"] == "http" and text[f.data["block_close"]] == "}"
    assert f.data["block_close"] == len(text) - 2


def test_ngx001_snippet_reported_once_for_all_servers(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX001",
        conf(
            "server { listen 80; }\nserver { listen 81; }\nserver { listen 82; server_tokens off; }\n"
        ),
    )
    assert len(found) == 1
    assert "1 other servers" in found[0].message
    assert len(found[0].data["blocks"]) == 2


def test_ngx001_opaque_include_is_quiet(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX001",
            main_conf("include /etc/nginx/snippets/hardening.conf;\nserver { listen 80; }"),
        )
        == []
    )


# ---------------------------------------------------------------- NGX002


def test_ngx002_partial_timeouts_and_grouping(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX002",
        conf(
            "server {\n listen 80;\n proxy_read_timeout 30s;\n"
            " location /a { proxy_pass http://a:1; }\n"
            " location /b { proxy_pass http://b:2; }\n"
            " location /c { proxy_connect_timeout 2s; proxy_pass http://c:3; }\n}\n"
        ),
    )
    assert len(found) == 1
    f = found[0]
    assert f.location.line == 4
    assert "proxy_connect_timeout 60s" in f.message and "proxy_read_timeout" not in f.message
    assert f.data["missing"] == ["proxy_connect_timeout"]
    assert f.data["paths"] == ["/a", "/b"]
    assert [r.line for r in f.related] == [5]
    assert f.data["block"] == "server"


def test_ngx002_fastcgi_uses_fastcgi_timeouts(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX002",
        conf(
            "server { location ~ \\.php$ { fastcgi_read_timeout 30s; fastcgi_pass php:9000; } }\n"
        ),
    )
    assert len(found) == 1 and found[0].data["missing"] == ["fastcgi_connect_timeout"]


def test_ngx002_inherited_from_nginx_conf_through_include(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX002",
            {
                "nginx/nginx.conf": (
                    "events {}\nhttp {\n proxy_connect_timeout 5s;\n"
                    " proxy_read_timeout 60s;\n include /etc/nginx/conf.d/*.conf;\n}\n"
                ),
                "nginx/conf.d/app.conf": "server { location / { proxy_pass http://api:8000; } }\n",
            },
        )
        == []
    )


# ---------------------------------------------------------------- NGX003


def test_ngx003_external_host_does_not_need_host(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX003",
        conf(
            "server { location /gh/ { proxy_set_header X-Forwarded-For $remote_addr;\n"
            " proxy_set_header X-Forwarded-Proto $scheme; proxy_pass https://api.github.com/; } }\n"
        ),
    )
    assert found == []


def test_ngx003_lost_headers_are_ngx007_not_ngx003(tmp_path: Path) -> None:
    files = conf(
        "server {\n proxy_set_header Host $host;\n"
        " proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        " proxy_set_header X-Forwarded-Proto $scheme;\n"
        " location /ws { proxy_set_header Upgrade $http_upgrade; proxy_pass http://rt:1; }\n}\n"
    )
    assert run(tmp_path, "NGX003", files) == []
    lost = run(tmp_path / "b", "NGX007", files)
    assert len(lost) == 1
    assert lost[0].data["lost"] == ["Host", "X-Forwarded-For", "X-Forwarded-Proto"]
    assert lost[0].location.line == 5


def test_ngx003_reports_missing_subset_with_insert_data(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX003",
        conf(
            "server {\n proxy_set_header Host $host;\n location / { proxy_pass http://web:8000; }\n}\n"
        ),
    )
    assert len(found) == 1
    f = found[0]
    assert f.data["missing"] == ["X-Forwarded-For", "X-Forwarded-Proto"]
    assert f.data["insert"][0].startswith("proxy_set_header X-Forwarded-For")
    assert f.data["block"] == "server"  # the level that defines the headers in effect
    assert "Host" not in f.message.split("without")[1]


def test_ngx003_debian_proxy_params_in_server(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX003",
            conf("server { include proxy_params; location / { proxy_pass http://web:8000; } }\n"),
        )
        == []
    )


def test_ngx003_non_proxy_passes_ignored(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX003",
            conf("server { location / { fastcgi_pass php:9000; include fastcgi_params; } }\n"),
        )
        == []
    )


# ---------------------------------------------------------------- NGX004


@pytest.mark.parametrize(
    ("protocols", "hits"),
    [
        ("TLSv1.2 TLSv1.3", 0),
        ("TLSv1.3", 0),
        ("SSLv3 TLSv1.2", 1),
        ("TLSv1.1 TLSv1.2", 1),
    ],
)
def test_ngx004_protocols(tmp_path: Path, protocols: str, hits: int) -> None:
    found = run(
        tmp_path, "NGX004", conf(f"server {{ listen 443 ssl; ssl_protocols {protocols}; }}\n")
    )
    assert len(found) == hits


# ---------------------------------------------------------------- NGX005


def test_ngx005_inherited_size_and_non_upload_paths(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX005",
            main_conf(
                "client_max_body_size 20m;\nserver { location /upload { proxy_pass http://api:1; } }"
            ),
        )
        == []
    )
    assert (
        run(
            tmp_path / "b",
            "NGX005",
            conf(
                "server { location /api/users { proxy_pass http://api:1; }\n"
                " location /profiles { proxy_pass http://api:1; } }\n"
            ),
        )
        == []
    )


def test_ngx005_storage_backend_by_host(tmp_path: Path) -> None:
    found = run(
        tmp_path, "NGX005", conf("server { location / { proxy_pass http://minio:9000; } }\n")
    )
    assert len(found) == 1 and "413" in found[0].message


# ---------------------------------------------------------------- NGX006


def test_ngx006_quiet_cases(tmp_path: Path) -> None:
    # stub_status counts as a health location
    assert (
        run(
            tmp_path,
            "NGX006",
            conf(
                "server { location /nginx_status { stub_status; }\n"
                " location / { proxy_pass http://web:1; } }\n"
            ),
        )
        == []
    )
    # PHP-FPM only, and static-only servers are not checked
    assert (
        run(
            tmp_path / "b",
            "NGX006",
            conf(
                "server { location ~ \\.php$ { fastcgi_pass php:9000; } }\n"
                "server { listen 81; location / { root /srv; } }\n"
            ),
        )
        == []
    )


def test_ngx006_once_per_config(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX006",
        conf(
            "server { listen 80; location / { proxy_pass http://a:1; } }\n"
            "server { listen 81; location / { proxy_pass http://b:1; } }\n"
        ),
    )
    assert len(found) == 1 and found[0].location.line == 1
    assert "1 other proxying servers" in found[0].message


# ---------------------------------------------------------------- NGX007


def test_ngx007_quiet_without_outer_headers_or_proxy(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX007",
            conf("server { location / { proxy_set_header Host $host; proxy_pass http://a:1; } }\n"),
        )
        == []
    )
    assert (
        run(
            tmp_path / "b",
            "NGX007",
            conf(
                "server { proxy_set_header Host $host;\n"
                " location /x { proxy_set_header X-Y 1; return 204; } }\n"
            ),
        )
        == []
    )


def test_ngx007_proxy_params_outer_level(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX007",
        conf(
            "server { include proxy_params;\n"
            " location /ws { proxy_set_header Upgrade $http_upgrade;\n"
            " proxy_set_header Connection upgrade; proxy_pass http://rt:1; } }\n"
        ),
    )
    assert len(found) == 1
    assert found[0].data["lost"] == ["Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"]


# ---------------------------------------------------------------- NGX008


@pytest.mark.parametrize(
    "body",
    [
        # resolver at the http level of nginx.conf
        None,
        # map to upstream names
        "upstream a { server a:1; }\nupstream b { server b:1; }\n"
        "map $cookie_v $pool { default a; beta b; }\n"
        "server { location / { proxy_pass http://$pool; } }\n",
        # IP literal with URI variable
        "server { location / { proxy_pass http://10.0.0.5:8000$request_uri; } }\n",
        # the same host:port is used statically elsewhere (implicit upstream)
        "server { location /a { proxy_pass http://api:8000; }\n"
        " location /b { proxy_pass http://api:8000$request_uri; } }\n",
        # unix socket
        "server { location / { proxy_pass http://unix:/run/app.sock:$request_uri; } }\n",
    ],
)
def test_ngx008_quiet(tmp_path: Path, body: str | None) -> None:
    if body is None:
        files = main_conf(
            "resolver 127.0.0.11;\n"
            "server { location / { proxy_pass http://$http_host$request_uri; } }"
        )
    else:
        files = conf(body)
    assert run(tmp_path, "NGX008", files) == []


def test_ngx008_env_placeholders_in_templates_are_not_variables(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX008",
            {
                "nginx/templates/default.conf.template": (
                    "server { listen ${NGINX_PORT};\n"
                    " location / { proxy_pass http://${BACKEND_HOST}:${BACKEND_PORT}; } }\n"
                )
            },
        )
        == []
    )


def test_ngx008_client_host_needs_resolver(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX008",
        conf("server { location / { proxy_pass http://$http_host$request_uri; } }\n"),
    )
    assert len(found) == 1
    assert "$http_host" in found[0].message and "502" in found[0].message
    assert found[0].data["insert"].startswith("resolver ")


# ---------------------------------------------------------------- NGX009


def test_ngx009_merge_and_quiet_cases(tmp_path: Path) -> None:
    base = (
        "server {{ add_header X-Frame-Options DENY;\n{extra}"
        " location /s {{ add_header Cache-Control public; }}\n"
        " location /t {{ root /srv; }} }}\n"
    )
    assert run(tmp_path, "NGX009", conf(base.format(extra=" add_header_inherit merge;\n"))) == []
    found = run(tmp_path / "b", "NGX009", conf(base.format(extra="")))
    assert len(found) == 1
    assert found[0].data["lost"] == ["X-Frame-Options"]
    assert found[0].location.line == 2


def test_ngx009_if_block_with_return_is_quiet(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX009",
            conf(
                "server { location / { add_header Cache-Control public;\n"
                " if ($request_method = OPTIONS) { add_header Access-Control-Allow-Origin *;\n"
                " return 204; } root /srv; } }\n"
            ),
        )
        == []
    )


def test_ngx009_if_block_loses_location_headers(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX009",
        conf(
            "server { location / { add_header X-A 1;\n"
            " if ($arg_x) { add_header X-B 2; } root /srv; } }\n"
        ),
    )
    assert len(found) == 1 and found[0].data["lost"] == ["X-A"]


# ---------------------------------------------------------------- NGX010


@pytest.mark.parametrize(
    ("location", "hits"),
    [
        ("location /files { alias /data/; }", 1),
        ("location ^~ /files { alias /data/; }", 1),
        ("location /files/ { alias /data/; }", 0),
        ("location /files { alias /data; }", 0),
        ("location ~ ^/files/(.*)$ { alias /data/$1; }", 0),
        ("location = /robots.txt { alias /data/robots.txt; }", 0),
    ],
)
def test_ngx010(tmp_path: Path, location: str, hits: int) -> None:
    found = run(tmp_path, "NGX010", conf(f"server {{ {location} }}\n"))
    assert len(found) == hits


# ---------------------------------------------------------------- NGX011


UPSTREAM = "upstream api { server api:8000; keepalive 32; }\n"


def test_ngx011_connection_header_still_close(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX011",
        conf(
            UPSTREAM + "server { location / { proxy_http_version 1.1; proxy_pass http://api; } }\n"
        ),
    )
    assert len(found) == 1
    f = found[0]
    assert "Connection: close" in f.message and "HTTP/1.0" not in f.message
    assert f.data["upstream"] == "api"
    assert f.data["missing"] == ['proxy_set_header Connection "";']
    assert f.related and f.related[0].line == 1


def test_ngx011_websocket_map_close_vs_empty(tmp_path: Path) -> None:
    body = (
        "map $http_upgrade $connection_upgrade { default upgrade; '' VALUE; }\n"
        + UPSTREAM
        + "server { location / { proxy_http_version 1.1;\n"
        " proxy_set_header Upgrade $http_upgrade;\n"
        " proxy_set_header Connection $connection_upgrade; proxy_pass http://api; } }\n"
    )
    assert len(run(tmp_path, "NGX011", conf(body.replace("VALUE", "close")))) == 1
    assert run(tmp_path / "b", "NGX011", conf(body.replace("VALUE", "''"))) == []


def test_ngx011_header_block_is_the_defining_level(tmp_path: Path) -> None:
    files = conf(
        UPSTREAM + "server {\n proxy_set_header Host $host;\n"
        " location / { proxy_http_version 1.1; proxy_pass http://api; }\n}\n"
    )
    found = run(tmp_path, "NGX011", files)
    assert len(found) == 1
    text = files["nginx/conf.d/app.conf"]
    # Connection must be added where Host is set (the server), not in the location
    assert text[found[0].data["header_block_close"] :] == "}\n"


def test_ngx011_fastcgi_keep_conn_and_no_keepalive(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "NGX011",
        conf(
            "upstream php { server php:9000; keepalive 8; }\n"
            "server { location ~ \\.php$ { fastcgi_pass php; } }\n"
        ),
    )
    assert len(found) == 1 and found[0].data["missing"] == ["fastcgi_keep_conn on;"]
    assert (
        run(
            tmp_path / "b",
            "NGX011",
            conf(
                "upstream api { server api:8000; }\nserver { location / { proxy_pass http://api; } }\n"
            ),
        )
        == []
    )


# ---------------------------------------------------------------- conf.d siblings

SIBLING_DEFAULTS = (
    "server_tokens off;\n"
    "proxy_connect_timeout 5s;\n"
    "proxy_read_timeout 30s;\n"
    "client_max_body_size 20m;\n"
    "resolver 127.0.0.11 valid=10s;\n"
    "proxy_http_version 1.1;\n"
    "proxy_set_header Host $host;\n"
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
    "proxy_set_header X-Forwarded-Proto $scheme;\n"
    'proxy_set_header Connection "";\n'
)
SIBLING_APP = (
    "upstream api { server api:8000; keepalive 8; }\n"
    "server { listen 80;\n"
    " location /upload { proxy_pass http://api; }\n"
    " location /x { set $b web; proxy_pass http://$b:8000; } }\n"
)


@pytest.mark.parametrize("code", ["NGX001", "NGX002", "NGX003", "NGX005", "NGX008", "NGX011"])
def test_conf_d_sibling_settings_are_http_level(tmp_path: Path, code: str) -> None:
    files = {"nginx/conf.d/app.conf": SIBLING_APP}
    assert run(tmp_path / "without", code, files), f"{code} should fire without defaults"
    files["nginx/conf.d/00-defaults.conf"] = SIBLING_DEFAULTS
    assert run(tmp_path / "with", code, files) == []
