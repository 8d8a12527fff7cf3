"""NGX008 variable-proxy-pass-without-resolver: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.nginx._rules_support import conf, main_conf, run


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
