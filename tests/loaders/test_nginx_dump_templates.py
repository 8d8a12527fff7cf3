"""Regressions from the acceptance audit: `nginx -T` dumps resolve their own includes by
absolute path (whatever the dump file is called), and the official image's
templates/X.template files stand for the conf.d/X an include names."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tests.conftest import write_tree

from infradoctor.loaders.files import SourceReader
from infradoctor.loaders.nginx import load_nginx_configs
from infradoctor.model.nginx import NginxConfig
from infradoctor.model.source import FileKind, LoadError, SourceFile

DUMP = (
    "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
    "nginx: configuration file /etc/nginx/nginx.conf test is successful\n"
    "# configuration file /etc/nginx/nginx.conf:\n"
    "events {}\n"
    "http {\n"
    "    include /etc/nginx/mime.types;\n"
    "    include /etc/nginx/conf.d/*.conf;\n"
    "    include /etc/nginx/empty.d/*.conf;\n"
    "}\n"
    "\n"
    "# configuration file /etc/nginx/conf.d/app.conf:\n"
    "upstream be { server 127.0.0.1:8000; server 127.0.0.1:8001; keepalive 8; }\n"
    "server {\n"
    "    listen 80;\n"
    "    location / { proxy_pass http://be; }\n"
    "}\n"
    "\n"
    "# configuration file /etc/nginx/conf.d/deep/other.conf:\n"
    "server { listen 81; location / { proxy_pass http://deep:9000; } }\n"
)


def load(
    tmp_path: Path, files: Mapping[str, str], nginx: list[str] | None = None
) -> tuple[list[NginxConfig], list[LoadError]]:
    """Load the given files (all, or those named in `nginx`) as nginx sources."""
    root = write_tree(tmp_path / "t", files)
    reader = SourceReader(root)
    sources: list[SourceFile] = []
    for rel in nginx if nginx is not None else list(files):
        res = reader.read(root / rel, FileKind.NGINX)
        assert isinstance(res, SourceFile), res
        sources.append(res)
    return load_nginx_configs(sources, reader)


def test_dump_with_any_name_splices_its_members_and_knows_its_includes(tmp_path: Path) -> None:
    configs, errors = load(tmp_path, {"nginx-T.txt": DUMP})
    assert errors == []
    assert len(configs) == 1
    cfg = configs[0]
    assert cfg.root_file == "nginx-T.txt"
    assert [r.raw for r in cfg.routes] == ["http://be"]  # conf.d/*.conf spliced
    assert cfg.upstreams["be"].keepalive is not None
    includes = {d.args[0]: d for d in cfg.walk() if d.name == "include"}
    assert cfg.known_includes is not None
    # Spliced member and a glob that matched nothing in the complete dump: known.
    assert includes["/etc/nginx/conf.d/*.conf"] in cfg.known_includes
    assert includes["/etc/nginx/empty.d/*.conf"] in cfg.known_includes
    # mime.types is not in the dump: no error, but its content is not known either.
    assert includes["/etc/nginx/mime.types"] not in cfg.known_includes


def test_dump_glob_stays_within_one_directory(tmp_path: Path) -> None:
    """nginx's glob `*` does not cross `/`: conf.d/deep/other.conf is not conf.d/*.conf."""
    configs, _ = load(tmp_path, {"dump.log": DUMP})
    assert all(r.raw != "http://deep:9000" for c in configs for r in c.routes)


def test_dump_include_of_a_file_missing_from_the_dump_is_not_known(tmp_path: Path) -> None:
    dump = (
        "# configuration file /etc/nginx/nginx.conf:\n"
        "events {}\nhttp { server { include /etc/nginx/snippets/headers.conf;\n"
        " location / { proxy_pass http://app:8000; } } }\n"
    )
    configs, errors = load(tmp_path, {"T.txt": dump})
    assert errors == []
    (cfg,) = configs
    (inc,) = [d for d in cfg.walk() if d.name == "include"]
    assert cfg.known_includes is not None and inc not in cfg.known_includes


def test_conf_d_include_resolves_to_official_image_template(tmp_path: Path) -> None:
    files = {
        "nginx/templates/default.conf.template": (
            "server {\n    listen ${NGINX_PORT};\n"
            "    location /api { proxy_pass http://api:5001; "
            "include /etc/nginx/conf.d/proxy.conf; }\n}\n"
        ),
        # Only proxy_* lines: not discovered as nginx on its own.
        "nginx/templates/proxy.conf.template": (
            "proxy_set_header Host $host;\nproxy_read_timeout ${T};\n"
        ),
    }
    configs, errors = load(tmp_path, files, ["nginx/templates/default.conf.template"])
    assert errors == []
    (cfg,) = configs
    assert "nginx/templates/proxy.conf.template" in cfg.files
    (r,) = cfg.routes
    assert r.location_block is not None
    assert [d.args for d in cfg.effective(r.context, "proxy_set_header")] == [["Host", "$host"]]
    read = cfg.effective_value(r.context, "proxy_read_timeout")
    assert read is not None and read.file == "nginx/templates/proxy.conf.template"
    (inc,) = [d for d in cfg.walk() if d.name == "include"]
    assert cfg.known_includes is not None and inc in cfg.known_includes


def test_conf_d_glob_from_nginx_conf_matches_templates(tmp_path: Path) -> None:
    files = {
        "nginx/nginx.conf": "events {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n",
        "nginx/templates/tokens.conf.template": "server_tokens off;\n",
    }
    configs, errors = load(tmp_path, files, ["nginx/nginx.conf"])
    assert errors == []
    (cfg,) = configs
    assert cfg.http is not None and cfg.http.child("server_tokens") is not None


def test_templates_dir_settings_sibling_is_http_level(tmp_path: Path) -> None:
    """Every templates/*.conf.template lands in conf.d, so a settings-only sibling of a
    server template is that server's http level."""
    files = {
        "nginx/templates/default.conf.template": (
            "server { listen 80; location / { proxy_pass http://api:8000; } }\n"
        ),
        "nginx/templates/tokens.conf.template": "server_tokens off;\n",
    }
    configs, errors = load(tmp_path, files, ["nginx/templates/default.conf.template"])
    assert errors == []
    roots = {c.root_file for c in configs}
    assert "nginx/templates/tokens.conf.template" in roots


def test_templates_rendered_in_place_dify_layout(tmp_path: Path) -> None:
    """Entrypoints that envsubst nginx.conf.template -> nginx.conf and proxy.conf.template
    -> proxy.conf in place: includes of the rendered names find the templates, relative
    includes resolve against nginx.conf.template's directory."""
    files = {
        "nginx/nginx.conf.template": (
            "events {}\nhttp {\n include /etc/nginx/mime.types;\n"
            " include /etc/nginx/conf.d/*.conf;\n}\n"
        ),
        "nginx/conf.d/default.conf.template": (
            "server {\n listen ${NGINX_PORT};\n"
            " location /api { proxy_pass http://api:5001; include proxy.conf; }\n}\n"
        ),
        "nginx/proxy.conf.template": "proxy_set_header Host $host;\n",
    }
    configs, errors = load(
        tmp_path, files, ["nginx/nginx.conf.template", "nginx/conf.d/default.conf.template"]
    )
    assert errors == []
    (cfg,) = configs
    assert cfg.root_file == "nginx/nginx.conf.template"
    assert "nginx/proxy.conf.template" in cfg.files
    (r,) = cfg.routes
    assert [d.args[0] for d in cfg.effective(r.context, "proxy_set_header")] == ["Host"]


def test_empty_glob_known_only_for_site_directories_at_http_level(tmp_path: Path) -> None:
    """A wildcard at the http level that matches nothing in the tree loads site files
    (servers) we do not have; inside a server, or as the `name[.]conf` optional-file
    trick, it may set anything."""
    files = {
        "nginx.conf": (
            "events {}\nhttp {\n include /etc/nginx/conf.d/*.conf;\n"
            " include /data/custom/http[.]conf;\n"
            " server { include /etc/nginx/custom.d/*.conf;\n"
            "  location / { proxy_pass http://app:8000; } }\n}\n"
        ),
    }
    configs, errors = load(tmp_path, files)
    assert errors == []
    (cfg,) = configs
    known = cfg.known_includes or set()
    status = {d.args[0]: d in known for d in cfg.walk() if d.name == "include"}
    assert status == {
        "/etc/nginx/conf.d/*.conf": True,
        "/data/custom/http[.]conf": False,
        "/etc/nginx/custom.d/*.conf": False,
    }
