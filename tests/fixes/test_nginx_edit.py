"""nginx_edit inserts directives with the block's own indentation and never touches
bytes outside its insertion points."""

from __future__ import annotations

from pathlib import Path

from infradoctor.findings import Edit
from infradoctor.fixes import nginx_edit as ne
from infradoctor.fixes.yaml_edit import TextEdit, apply_text_edits
from infradoctor.loaders.files import SourceReader
from infradoctor.loaders.nginx import load_nginx_configs
from infradoctor.model.nginx import Directive, NginxConfig
from infradoctor.model.source import FileKind


def _load(tmp_path: Path, text: str, name: str = "nginx.conf") -> tuple[str, NginxConfig]:
    (tmp_path / name).write_text(text)
    reader = SourceReader(tmp_path)
    src = reader.read(tmp_path / name, FileKind.NGINX)
    configs, errors = load_nginx_configs([src], reader)  # type: ignore[list-item]
    assert not errors
    return text, configs[0]


def _first(cfg: NginxConfig, name: str) -> Directive:
    return cfg.find(name)[0]


def _apply(text: str, *edits: Edit) -> str:
    return apply_text_edits(text, [TextEdit(e.start, e.end, e.replacement) for e in edits])


def test_insert_before_close_uses_sibling_indent(tmp_path: Path) -> None:
    text, cfg = _load(
        tmp_path, "server {\n  listen 80;\n  location / {\n    proxy_pass http://a;\n  }\n}\n"
    )
    loc = _first(cfg, "location")
    out = _apply(text, ne.insert_into_block(text, loc, ["proxy_http_version 1.1;"]))
    assert "    proxy_pass http://a;\n    proxy_http_version 1.1;\n  }\n" in out


def test_server_settings_go_before_nested_blocks(tmp_path: Path) -> None:
    text, cfg = _load(
        tmp_path,
        "server {\n\tlisten 80;  # public\n\n\t# api\n\tlocation / {\n"
        "\t\tproxy_pass http://a;\n\t}\n}\n",
    )
    server = _first(cfg, "server")
    out = _apply(text, ne.insert_into_block(text, server, ["server_tokens off;"]))
    assert out.startswith("server {\n\tlisten 80;  # public\n\tserver_tokens off;\n\n\t# api\n")


def test_block_without_simple_directives_keeps_comment_with_location(tmp_path: Path) -> None:
    text, cfg = _load(tmp_path, "server {\n    # api\n    location / { proxy_pass http://a; }\n}\n")
    server = _first(cfg, "server")
    out = _apply(text, ne.insert_into_block(text, server, ["listen 80;"]))
    assert out == (
        "server {\n    listen 80;\n    # api\n    location / { proxy_pass http://a; }\n}\n"
    )


def test_one_line_block_stays_on_one_line(tmp_path: Path) -> None:
    text, cfg = _load(tmp_path, "upstream app { server a:1; }\n")
    up = _first(cfg, "upstream")
    out = _apply(text, ne.insert_into_block(text, up, ["keepalive 16;"]))
    assert out == "upstream app { server a:1; keepalive 16; }\n"


def test_insert_at_start_of_http_and_empty_block(tmp_path: Path) -> None:
    text, cfg = _load(tmp_path, "events {}\nhttp {  # main\n    sendfile on;\n}\n")
    http = _first(cfg, "http")
    out = _apply(text, ne.insert_into_block(text, http, ["server_tokens off;"], at_start=True))
    assert out == "events {}\nhttp {  # main\n    server_tokens off;\n    sendfile on;\n}\n"
    events = _first(cfg, "events")
    out2 = _apply(text, ne.insert_into_block(text, events, ["worker_connections 512;"]))
    assert out2.startswith("events { worker_connections 512; }\n")


def test_replace_directive_and_quoting(tmp_path: Path) -> None:
    text, cfg = _load(tmp_path, "http {\n    server_tokens on;  # why\n}\n")
    d = _first(cfg, "server_tokens")
    out = _apply(text, ne.replace_directive(d, ne.render("server_tokens", "off")))
    assert out == "http {\n    server_tokens off;  # why\n}\n"
    assert ne.render("proxy_set_header", "Connection", "") == 'proxy_set_header Connection "";'
    assert ne.quote_arg("a b") == '"a b"'


def test_indent_unit_detection() -> None:
    assert ne.indent_unit("a {\n\tb;\n}\n") == "\t"
    assert ne.indent_unit("a {\n  b {\n    c;\n  }\n}\n") == "  "
    assert ne.indent_unit("a;\n") == "    "


def test_upgrade_map_found(tmp_path: Path) -> None:
    text, cfg = _load(tmp_path, "http {\n map $http_upgrade $conn_up { default upgrade; }\n}\n")
    assert ne.find_upgrade_map([cfg]) == "conn_up"
