"""nginx loader (loaders/nginx.py): include resolution and splicing, roots vs snippets,
templates, `nginx -T` dumps, upstreams, proxy routes, inheritance, and the corpus."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import CORPUS, require_corpus, write_tree

from infradoctor.loaders import nginx as nginx_loader
from infradoctor.loaders.discover import discover
from infradoctor.loaders.files import SourceReader
from infradoctor.loaders.nginx import load_nginx_configs
from infradoctor.model.nginx import NginxConfig, ProxyRoute
from infradoctor.model.source import FileKind, LoadError, SourceFile

FIXTURES = Path(__file__).parent / "fixtures" / "nginx"


def load_dir(root: Path) -> tuple[list[NginxConfig], list[LoadError], SourceReader]:
    reader = SourceReader(root)
    sources = []
    for p in discover(root).nginx:
        res = reader.read(p, FileKind.NGINX)
        if isinstance(res, SourceFile):
            sources.append(res)
    configs, errors = load_nginx_configs(sources, reader)
    return configs, errors, reader


def load(tmp_path: Path, files: Mapping[str, str]) -> tuple[list[NginxConfig], list[LoadError]]:
    configs, errors, _ = load_dir(write_tree(tmp_path / "t", files))
    return configs, errors


def by_root(configs: list[NginxConfig]) -> dict[str, NginxConfig]:
    return {c.root_file: c for c in configs}


def route(cfg: NginxConfig, path: str, kind: str | None = None) -> ProxyRoute:
    return next(r for r in cfg.routes if r.path == path and kind in (None, r.kind))


# ---------------------------------------------------------------- layout fixture


def test_layout_includes_are_spliced_not_roots() -> None:
    configs, errors, reader = load_dir(FIXTURES / "layout")
    assert errors == []
    roots = by_root(configs)
    assert set(roots) == {"nginx/nginx.conf", "templates/default.conf.template"}
    main = roots["nginx/nginx.conf"]
    assert not main.is_snippet and not main.template
    assert main.files == [
        "nginx/nginx.conf",
        "nginx/conf.d/admin.conf",
        "nginx/conf.d/app.conf",
        "nginx/snippets/proxy.conf",
    ]
    # included directives keep their own file and sit under http
    servers = main.servers
    assert [s.file for s in servers] == ["nginx/conf.d/admin.conf", "nginx/conf.d/app.conf"]
    assert all(s.parent is main.http for s in servers)
    # the include directive itself stays in place, the spliced ones follow it
    http = main.http
    assert http is not None
    names = [d.name for d in http.block or []]
    assert names.index("include") < names.index("server")
    # snippet without blocks (not discovered as nginx) was read through the include
    assert "nginx/snippets/proxy.conf" in reader.cache


def test_layout_offsets_of_spliced_directives_point_into_their_file() -> None:
    configs, _, reader = load_dir(FIXTURES / "layout")
    main = by_root(configs)["nginx/nginx.conf"]
    for d in main.walk():
        src = reader.cache[d.file]
        assert isinstance(src, SourceFile)
        text = src.text[d.location.offset : d.location.end_offset]
        assert text.startswith(d.name), (d.file, d.name, text)
        if d.block is not None:
            assert src.text[d.block_close] == "}"  # type: ignore[index]


def test_layout_upstreams_and_routes() -> None:
    configs, _, _ = load_dir(FIXTURES / "layout")
    main = by_root(configs)["nginx/nginx.conf"]
    up = main.upstreams["api"]
    assert [(s.host, s.port) for s in up.servers] == [("api", 8000), ("api-2", 8000)]
    assert up.servers[0].params == {"max_fails": "3", "fail_timeout": "10s"}
    assert up.servers[1].params == {"backup": ""}
    assert up.keepalive is not None and up.keepalive.args == ["16"]

    r = route(main, "/", "proxy")
    assert (r.kind, r.scheme, r.uri, r.upstream) == ("proxy", "http", None, up)
    assert [(t.host, t.port) for t in r.targets] == [("api", 8000), ("api-2", 8000)]
    assert r.targets[0].location == up.servers[0].location
    assert r.server_names == ["app.example.com"] and r.listens == ["80"]

    ws = route(main, "/ws/")
    assert (ws.scheme, ws.uri, ws.upstream) == ("http", "/socket/", None)
    assert [(t.host, t.port, t.has_variables) for t in ws.targets] == [("realtime", 3000, False)]
    assert ws.targets[0].location == ws.directive.location

    php = route(main, "/php")
    assert (php.kind, php.scheme) == ("fastcgi", None)
    assert [(t.host, t.port, t.unix) for t in php.targets] == [
        (None, None, "/run/php/php-fpm.sock")
    ]

    grpc = route(main, "/", "grpc")
    assert (grpc.scheme, grpc.targets[0].host, grpc.targets[0].port) == ("grpc", "admin", 50051)
    uwsgi = next(r for r in main.routes if r.kind == "uwsgi")
    assert (uwsgi.scheme, uwsgi.targets[0].host, uwsgi.targets[0].port) == (None, "legacy", 3031)


def test_layout_inheritance_array_directives_replace() -> None:
    configs, _, _ = load_dir(FIXTURES / "layout")
    main = by_root(configs)["nginx/nginx.conf"]
    root_loc = route(main, "/", "proxy").context
    # `/` includes a snippet setting Connection: that level replaces the http-level set
    headers = [d.args[0] for d in main.effective(root_loc, "proxy_set_header")]
    assert headers == ["Connection"]
    assert main.effective_value(root_loc, "proxy_http_version").args == ["1.1"]  # type: ignore[union-attr]
    ws = route(main, "/ws/").context
    assert [d.args[0] for d in main.effective(ws, "proxy_set_header")] == ["Upgrade"]
    php = route(main, "/php").context
    # no proxy_set_header in /php: inherited from http as a whole
    assert [d.args[0] for d in main.effective(php, "proxy_set_header")] == [
        "Host",
        "X-Forwarded-For",
    ]
    assert main.effective_value(php, "proxy_http_version") is None


def test_layout_template_root() -> None:
    configs, _, _ = load_dir(FIXTURES / "layout")
    tpl = by_root(configs)["templates/default.conf.template"]
    assert tpl.template and tpl.is_snippet
    r = tpl.routes[0]
    assert r.targets[0].host == "${BACKEND_HOST}" and r.targets[0].port == 8000
    assert r.targets[0].has_variables


# ---------------------------------------------------------------- include resolution


def test_relative_glob_include_and_conf_dir(tmp_path: Path) -> None:
    configs, errors = load(
        tmp_path,
        {
            "deploy/nginx/nginx.conf": "events {}\nhttp { include sites-enabled/*; }\n",
            "deploy/nginx/sites-enabled/b.site": "server { listen 81; }\n",
            "deploy/nginx/sites-enabled/a.site": "server { listen 80; }\n",
        },
    )
    assert errors == []
    assert len(configs) == 1
    cfg = configs[0]
    assert [s.file for s in cfg.servers] == [
        "deploy/nginx/sites-enabled/a.site",
        "deploy/nginx/sites-enabled/b.site",
    ]


def test_etc_nginx_include_mapped_by_suffix(tmp_path: Path) -> None:
    # nginx.conf and conf.d are not siblings in the repo: found by path suffix.
    configs, errors = load(
        tmp_path,
        {
            "docker/nginx.conf": "events {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n",
            "docker/config/conf.d/app.conf": "server { listen 80; }\n",
            "elsewhere/conf.d/other.conf": "server { listen 9000; }\n",
        },
    )
    assert errors == []
    roots = by_root(configs)
    assert set(roots) == {"docker/nginx.conf", "elsewhere/conf.d/other.conf"}
    assert [s.file for s in roots["docker/nginx.conf"].servers] == ["docker/config/conf.d/app.conf"]


def test_suffix_match_stays_near_the_including_file(tmp_path: Path) -> None:
    configs, errors = load(
        tmp_path,
        {
            "projects/a/deploy/nginx/nginx.conf": "events {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n",
            "projects/b/nginx/conf.d/b.conf": "server { listen 80; }\n",
        },
    )
    assert errors == []
    roots = by_root(configs)
    assert set(roots) == {"projects/a/deploy/nginx/nginx.conf", "projects/b/nginx/conf.d/b.conf"}
    assert roots["projects/a/deploy/nginx/nginx.conf"].servers == []


def test_etc_nginx_include_maps_templates_dir(tmp_path: Path) -> None:
    configs, errors = load(
        tmp_path,
        {
            "nginx/nginx.conf": "events {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n",
            "nginx/templates/default.conf.template": "server { listen ${PORT}; location / { proxy_pass http://web:8000; } }\n",
        },
    )
    assert errors == []
    assert len(configs) == 1
    assert configs[0].template
    assert configs[0].routes[0].targets[0].host == "web"


def test_system_includes_are_silent(tmp_path: Path) -> None:
    _, errors = load(
        tmp_path,
        {
            "nginx.conf": (
                "include /etc/nginx/modules-enabled/*.conf;\n"
                "events {}\nhttp {\n include mime.types;\n include /etc/nginx/mime.types;\n"
                " server { location / { include proxy_params; include fastcgi_params;\n"
                " include snippets/fastcgi-php.conf; proxy_pass http://a; }\n"
                " include /etc/letsencrypt/options-ssl-nginx.conf; }\n"
                " include /etc/nginx/sites-enabled/*;\n}\n"
            ),
        },
    )
    assert errors == []


def test_missing_and_outside_includes_are_errors(tmp_path: Path) -> None:
    (tmp_path / "secret.conf").write_text("server { listen 1; }\n")
    _, errors = load(
        tmp_path,
        {
            "nginx/nginx.conf": (
                "events {}\n"
                "http {\n"
                "    include snippets/missing.conf;\n"
                "    include ../../secret.conf;\n"
                "    include /opt/app/extra.conf;\n"
                "}\n"
            ),
        },
    )
    got = sorted((e.kind, e.line, e.file) for e in errors)
    assert got == [
        ("include-missing", 3, "nginx/nginx.conf"),
        ("include-outside", 4, "nginx/nginx.conf"),
        ("include-outside", 5, "nginx/nginx.conf"),
    ]
    assert all("include" in e.message for e in errors)


def test_include_cycle_detected(tmp_path: Path) -> None:
    configs, errors = load(
        tmp_path,
        {
            "nginx/nginx.conf": "events {}\nhttp { include a.conf; }\n",
            "nginx/a.conf": "server { listen 80; include b.inc; }\n",
            "nginx/b.inc": "location / { include a.conf; }\n",
        },
    )
    assert [e.kind for e in errors] == ["include-cycle"]
    assert errors[0].file == "nginx/b.inc" and errors[0].line == 1
    assert len(configs) == 1  # a.conf and b.inc are included, not roots
    assert configs[0].files == ["nginx/nginx.conf", "nginx/a.conf", "nginx/b.inc"]


def test_include_chain_depth_is_bounded(tmp_path: Path) -> None:
    files = {f"n/f{i}.inc": f"include f{i + 1}.inc;\n" for i in range(60)}
    files["n/nginx.conf"] = "events {}\nhttp { include f0.inc; }\n"
    configs, errors = load(tmp_path, files)
    assert [e.kind for e in errors] == ["invalid"]
    assert len(configs) == 1


def test_file_included_twice_gets_separate_parents(tmp_path: Path) -> None:
    configs, errors = load(
        tmp_path,
        {
            "nginx.conf": (
                "events {}\nhttp {\n server { listen 80; include common.inc; }\n"
                " server { listen 81; include common.inc; }\n}\n"
            ),
            "common.inc": "location /health { return 200; }\n",
        },
    )
    assert errors == []
    cfg = configs[0]
    locs = cfg.find("location")
    assert len(locs) == 2
    assert locs[0].parent is not locs[1].parent
    assert {loc.parent.child("listen").args[0] for loc in locs} == {"80", "81"}  # type: ignore[union-attr]


def test_self_cycle_only_files_still_load(tmp_path: Path) -> None:
    configs, errors = load(
        tmp_path,
        {
            "conf.d/a.conf": "server { listen 80; include /etc/nginx/conf.d/b.conf; }\n",
            "conf.d/b.conf": "server { listen 81; include /etc/nginx/conf.d/a.conf; }\n",
        },
    )
    assert any(e.kind == "include-cycle" for e in errors)
    assert configs, "files in an include cycle must still be checked"


# ---------------------------------------------------------------- roots, snippets, dumps


def test_snippet_detection(tmp_path: Path) -> None:
    configs, _ = load(
        tmp_path,
        {
            "conf.d/site.conf": "server { listen 80; }\n",
            "nginx/nginx.conf": (
                "events {}\nhttp { server { listen 80; } }\n"
                "stream { server { listen 5432; proxy_pass db:5432; } }\n"
            ),
        },
    )
    roots = by_root(configs)
    assert roots["conf.d/site.conf"].is_snippet
    assert len(roots["conf.d/site.conf"].servers) == 1
    assert not roots["nginx/nginx.conf"].is_snippet
    # stream proxy_pass is not an HTTP route
    assert roots["nginx/nginx.conf"].routes == []


def test_snippet_siblings_share_upstreams(tmp_path: Path) -> None:
    configs, errors = load(
        tmp_path,
        {
            "nginx/conf.d/00-upstreams.conf": "upstream api { server api-1:8000; server api-2:8000; }\n",
            "nginx/conf.d/app.conf": "server { location / { proxy_pass http://api; } }\n",
            "other/site.conf": "server { location / { proxy_pass http://api; } }\n",
        },
    )
    assert errors == []
    roots = by_root(configs)
    app = roots["nginx/conf.d/app.conf"].routes[0]
    assert app.upstream is roots["nginx/conf.d/00-upstreams.conf"].upstreams["api"]
    assert [t.host for t in app.targets] == ["api-1", "api-2"]
    assert roots["nginx/conf.d/app.conf"].upstreams == {}  # still only its own
    other = roots["other/site.conf"].routes[0]
    assert other.upstream is None and other.targets[0].host == "api"


def test_nginx_t_dump(tmp_path: Path) -> None:
    dump = (
        "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
        "# configuration file /etc/nginx/nginx.conf:\n"
        "events {}\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    include /etc/nginx/conf.d/*.conf;\n"
        "}\n"
        "\n"
        "# configuration file /etc/nginx/mime.types:\n"
        "types { text/html html; }\n"
        "\n"
        "# configuration file /etc/nginx/conf.d/default.conf:\n"
        "server {\n"
        "    listen 80;\n"
        "    location / { proxy_pass http://app:5000; }\n"
        "}\n"
    )
    configs, errors = load(tmp_path, {"nginx-T.conf": dump})
    assert errors == []
    assert len(configs) == 1
    cfg = configs[0]
    assert cfg.root_file == "nginx-T.conf" and cfg.files == ["nginx-T.conf"]
    assert not cfg.is_snippet
    assert [d.name for d in cfg.http.block or []][:3] == ["include", "types", "include"]  # type: ignore[union-attr]
    r = cfg.routes[0]
    assert r.server is not None and r.server.parent is cfg.http
    assert r.directive.location.file == "nginx-T.conf"
    assert r.directive.location.line == 15
    assert (
        dump[r.directive.location.offset : r.directive.location.end_offset]
        == "proxy_pass http://app:5000;"
    )


def test_parse_errors_reported_once_and_rest_loaded(tmp_path: Path) -> None:
    configs, errors = load(
        tmp_path,
        {
            "nginx/nginx.conf": "events {}\nhttp { include conf.d/*.conf; }\n",
            "nginx/conf.d/bad.conf": "server {\n listen 80\n location / { proxy_pass http://a:1; }\n",
            "nginx/conf.d/good.conf": "server { listen 81; location / { proxy_pass http://b:2; } }\n",
        },
    )
    assert {e.file for e in errors} == {"nginx/conf.d/bad.conf"}
    assert all(e.kind == "parse-error" and e.line for e in errors)
    assert len(errors) == len({(e.line, e.message) for e in errors})
    hosts = sorted(t.host for r in configs[0].routes for t in r.targets if t.host)
    # `listen 80` + `location / {...}` is a block named listen (nginx rejects it): no
    # route (issue 7 N9), reported as a missing `;`.
    assert hosts == ["b"]
    assert any('missing ";" after "listen" before "location"' in e.message for e in errors)


# ---------------------------------------------------------------- pass parsing


@pytest.mark.parametrize(
    ("directive", "expect"),
    [
        ("proxy_pass http://web;", ("http", "web", 80, None, None, False)),
        ("proxy_pass https://web;", ("https", "web", 443, None, None, False)),
        ("proxy_pass http://web:8080/api/;", ("http", "web", 8080, None, "/api/", False)),
        ("proxy_pass http://[::1]:9000;", ("http", "::1", 9000, None, None, False)),
        ("proxy_pass http://127.0.0.1:8000/;", ("http", "127.0.0.1", 8000, None, "/", False)),
        (
            "proxy_pass http://unix:/run/app.sock:/x/;",
            ("http", None, None, "/run/app.sock", "/x/", False),
        ),
        ("proxy_pass http://$backend;", ("http", "$backend", None, None, None, True)),
        (
            "proxy_pass http://$host$request_uri;",
            ("http", "$host", None, None, "$request_uri", True),
        ),
        (
            "proxy_pass http://api:8000$request_uri;",
            ("http", "api", 8000, None, "$request_uri", False),
        ),
        ("proxy_pass $scheme://web;", ("$scheme", "web", None, None, None, False)),
        ("fastcgi_pass php:9000;", (None, "php", 9000, None, None, False)),
        (
            "fastcgi_pass unix:/run/php/fpm.sock;",
            (None, None, None, "/run/php/fpm.sock", None, False),
        ),
        ("grpc_pass grpcs://svc:443;", ("grpcs", "svc", 443, None, None, False)),
        ("grpc_pass svc:50051;", ("grpc", "svc", 50051, None, None, False)),
        ("uwsgi_pass uwsgi://legacy:3031;", ("uwsgi", "legacy", 3031, None, None, False)),
    ],
)
def test_pass_parsing(tmp_path: Path, directive: str, expect: tuple) -> None:
    configs, errors = load(
        tmp_path, {"conf.d/a.conf": f"server {{ location / {{ {directive} }} }}\n"}
    )
    assert errors == []
    r = configs[0].routes[0]
    t = r.targets[0]
    assert (r.scheme, t.host, t.port, t.unix, r.uri, t.has_variables) == expect


def test_upstream_with_port_in_pass_is_not_the_upstream_block(tmp_path: Path) -> None:
    configs, _ = load(
        tmp_path,
        {
            "conf.d/a.conf": (
                "upstream api { server 10.0.0.1:9000; server unix:/tmp/a.sock; }\n"
                "server { location / { proxy_pass http://api; } location /b { proxy_pass http://api:81; } }\n"
            )
        },
    )
    cfg = configs[0]
    a, b = cfg.routes
    assert a.upstream is cfg.upstreams["api"]
    assert [(t.host, t.port, t.unix) for t in a.targets] == [
        ("10.0.0.1", 9000, None),
        (None, None, "/tmp/a.sock"),
    ]
    assert b.upstream is None and (b.targets[0].host, b.targets[0].port) == ("api", 81)


def test_route_context_in_if_block(tmp_path: Path) -> None:
    configs, _ = load(
        tmp_path,
        {
            "conf.d/a.conf": (
                "server { proxy_read_timeout 5s;\n location /x {\n"
                "  if ($request_method = POST) { proxy_pass http://w:1; }\n } }\n"
            )
        },
    )
    cfg = configs[0]
    r = cfg.routes[0]
    assert r.context.name == "if"
    assert r.location_block is not None and r.path == "/x"
    assert cfg.effective_value(r.context, "proxy_read_timeout").args == ["5s"]  # type: ignore[union-attr]


# ---------------------------------------------------------------- corpus


def _corpus_nginx() -> dict[str, list[str]]:
    index = require_corpus(CORPUS / "FILES.tsv")
    out: dict[str, list[str]] = {}
    with open(index, newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["kind"] == "nginx":
                out.setdefault(row["dir"], []).append(row["path"])
    return out


def test_corpus_nginx_files_load(monkeypatch: pytest.MonkeyPatch) -> None:
    projects = _corpus_nginx()
    assert len(projects) >= 10, "the corpus index lists too few nginx projects"
    # Work is counted, not timed: each file (or dump section) is parsed once per project
    # and the directives copied by include splicing stay within a small multiple of the
    # directives parsed (a re-parse per include or a re-splice per use fails here).
    parsed: Counter[tuple[str, object, object]] = Counter()
    parsed_directives = 0
    real_parse = nginx_loader.parse_nginx

    def parse(src: SourceFile, *args: Any) -> Any:
        nonlocal parsed_directives
        parsed[(src.path, *args, None, None)[:3]] += 1
        res = real_parse(src, *args)
        parsed_directives += sum(1 + sum(1 for _ in d.walk()) for d in res.directives)
        return res

    monkeypatch.setattr(nginx_loader, "parse_nginx", parse)
    files = parse_error_files = template_files = spliced = 0
    for project, paths in projects.items():
        root = CORPUS / project
        reader = SourceReader(root)
        sources = [
            s for p in paths if isinstance(s := reader.read(root / p, FileKind.NGINX), SourceFile)
        ]
        files += len(sources)
        parsed.clear()
        configs, errors = load_nginx_configs(sources, reader)
        assert max(parsed.values(), default=1) == 1, (project, parsed.most_common(1))
        spliced += sum(1 for c in configs for _ in c.walk())
        for e in errors:
            assert e.file and e.message and (e.line is None or e.line >= 1)
        parse_error_files += len({e.file for e in errors if e.kind == "parse-error"})
        template_files += len({e.file for e in errors if e.kind == "template"})
        assert configs or not sources
    assert files >= 90
    # Only Jinja templates whose `{% if %}` branches unbalance the braces fail to parse.
    assert parse_error_files == 0, parse_error_files
    assert template_files <= 2, template_files
    assert spliced <= 4 * parsed_directives, (spliced, parsed_directives)


def test_settings_only_conf_d_sibling_is_loaded(tmp_path: Path) -> None:
    configs, errors = load(
        tmp_path,
        {
            "nginx/conf.d/app.conf": "server { listen 80; }\n",
            "nginx/conf.d/tuning.conf": "server_tokens off;\nproxy_read_timeout 30s;\n",
            "nginx/conf.d/README.md": "not nginx\n",
        },
    )
    assert errors == []
    roots = by_root(configs)
    assert set(roots) == {"nginx/conf.d/app.conf", "nginx/conf.d/tuning.conf"}
    assert not roots["nginx/conf.d/tuning.conf"].is_snippet


INCLUDE_TARGETS = st.sampled_from(
    [
        "a.conf",
        "b.conf",
        "c.inc",
        "*.conf",
        "/etc/nginx/conf.d/*.conf",
        "/etc/nginx/a.conf",
        "missing.conf",
        "../outside.conf",
        "mime.types",
        "sub/*.inc",
        "${X}.conf",
    ]
)
BODIES = st.sampled_from(
    [
        "server {{ listen 80; include {t}; }}\n",
        "include {t};\n",
        "location / {{ include {t}; proxy_pass http://a:1; }}\n",
        "http {{ include {t}; }}\n",
        "upstream u {{ server x:1; }} server {{ include {t} }}\n",
    ]
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(BODIES, INCLUDE_TARGETS), min_size=3, max_size=3), st.integers(0, 10**6))
def test_random_include_graphs_never_raise(
    tmp_path_factory: pytest.TempPathFactory, parts: list[tuple[str, str]], salt: int
) -> None:
    root = tmp_path_factory.mktemp(f"g{salt}")
    names = ["conf.d/a.conf", "conf.d/b.conf", "conf.d/sub/c.inc"]
    files = {n: body.format(t=t) for n, (body, t) in zip(names, parts, strict=True)}
    configs, errors, _ = load_dir(write_tree(root / "t", files))
    for e in errors:
        assert e.file and e.message
        assert e.kind in {
            "parse-error",
            "template",
            "include-missing",
            "include-outside",
            "include-cycle",
            "invalid",
        }
    for cfg in configs:
        for d in cfg.walk():
            assert d.location.offset is not None


def test_conf_dir_for_an_absolute_key_terminates(tmp_path: Path) -> None:
    # Issue 7 N3: a unit key outside the tree is absolute; dirname("/") == "/" made the
    # walk up to the nearest nginx.conf loop forever.
    from infradoctor.loaders.files import SourceReader
    from infradoctor.loaders.nginx import _Loader

    loader = _Loader([], SourceReader(tmp_path))
    assert loader.conf_dir_for("/elsewhere/conf.d/default.conf") == "/elsewhere/conf.d"
    assert loader.conf_dir_for("conf.d/default.conf") == "conf.d"


@pytest.mark.parametrize(
    "body",
    [
        "$a\n    location /ws {\n      proxy_pass http://app:80;\n      proxy_set_header X-A 1;\n    }",
        "location /x { proxy_pass {%%} }",
        "content_by_lua_block { ngx.say(1) }\n    weird { proxy_pass http://app:80; }",
    ],
)
def test_only_known_blocks_create_routes(tmp_path: Path, body: str) -> None:
    # Issue 7 N9: a stray `$a` before `location /ws {` made a block `$a location /ws {...}`
    # that was treated as a route (XF007/NGX003 fixes at server level never resolved it).
    configs, errors = load(
        tmp_path,
        {"nginx.conf": "events {}\nhttp {\n  server {\n    listen 80;\n    " + body + "\n  }\n}\n"},
    )
    assert configs[0].routes == []
    if body.startswith("$a"):
        assert [e.kind for e in errors] == ["parse-error"]
        assert 'missing ";" after "$a" before "location"' in errors[0].message


def test_a_location_outside_http_in_a_main_config_is_no_route(tmp_path: Path) -> None:
    """nginx rejects a top-level `location` next to `http {}`; it was a route and NGX003's
    fix could not satisfy it (found by the long fuzz round). Snippets without `http`
    (included into a server) keep their top-level locations as routes."""
    from infradoctor.engine import lint

    (tmp_path / "nginx.conf").write_text(
        "location /ws { proxy_pass http://a:1; }\n"
        "http { server { location /ws { proxy_pass http://b:2; } } }\n"
    )
    routes = [r for cfg in lint(tmp_path).stack.nginx for r in cfg.routes]
    assert [r.directive.location.line for r in routes] == [2]


@pytest.mark.parametrize("head", ["location", "location = /a /b"])
def test_a_location_with_a_wrong_number_of_arguments_is_a_parse_error_and_no_route(
    tmp_path: Path, head: str
) -> None:
    """`location { ... }` is rejected by nginx ("invalid number of arguments"); its passes
    were routes, and NGX003's fix re-reported inside it (found by the long fuzz round)."""
    from infradoctor.engine import lint

    (tmp_path / "nginx.conf").write_text(
        "http { server { location /ws { proxy_pass http://a:1; }\n"
        f"{head} {{ proxy_pass http://b:2; location /ws {{ proxy_pass http://c:3; }} }} }} }}\n"
    )
    result = lint(tmp_path)
    routes = [r for cfg in result.stack.nginx for r in cfg.routes]
    assert [r.directive.location.line for r in routes] == [1]
    errors = [e for e in result.stack.errors if "invalid number of arguments" in e.message]
    assert [(e.file, e.line, e.kind) for e in errors] == [("nginx.conf", 2, "parse-error")]
