"""nginx parser (syntax/nginx.py): the offset contract fixers rely on, comments, quoting,
templates, Lua blocks, `nginx -T` dumps, and error recovery (plus a hypothesis check that
no input makes it raise)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.worktally import assert_linear

from infradoctor.model.nginx import Directive
from infradoctor.model.source import FileKind, SourceFile
from infradoctor.syntax.nginx import (
    ParsedFile,
    clone,
    is_nginx_t_dump,
    parse_nginx,
    split_nginx_t,
)


def src(text: str, path: str = "nginx.conf") -> SourceFile:
    return SourceFile(path, Path("/nonexistent") / path, FileKind.NGINX, text)


def parse(text: str) -> tuple[SourceFile, ParsedFile]:
    s = src(text)
    return s, parse_nginx(s)


def walk(ds: list[Directive]) -> list[Directive]:
    out: list[Directive] = []
    for d in ds:
        out.append(d)
        out.extend(walk(d.block or []))
    return out


CONF = """\
# main config
user nginx;  # who runs workers
events { worker_connections 1024; }
http {
    include mime.types;
    upstream api {
        server api:8000 max_fails=3;
        keepalive 32;
    }
    server {
        listen 80 default_server;
        server_name "example.com" 'www.example.com';
        location / {
            proxy_pass http://api;
        }
        location ~ "^/x{2}$" { return 204; }
    }
}
"""


def test_directive_offsets_cover_exact_source() -> None:
    s, res = parse(CONF)
    assert not res.errors
    everything = walk(res.directives)
    assert [d.name for d in everything][:4] == ["user", "events", "worker_connections", "http"]
    for d in everything:
        loc = d.location
        assert loc.offset is not None and loc.end_offset is not None
        source = s.text[loc.offset : loc.end_offset]
        assert source.startswith(d.name), (d.name, source)
        if d.block is None:
            assert source.endswith(";")
        else:
            assert source.endswith("}")
            assert d.block_open is not None and d.block_close is not None
            assert s.text[d.block_open] == "{"
            assert s.text[d.block_close] == "}"
            assert loc.end_offset == d.block_close + 1
        # line/column agree with the offset
        assert s.position_of(loc.offset) == (loc.line, loc.column)
        assert s.position_of(loc.end_offset) == (loc.end_line, loc.end_column)


def test_specific_positions() -> None:
    s, res = parse(CONF)
    http = res.directives[2]
    server = http.block[2]  # type: ignore[index]
    assert server.name == "server"
    assert server.location.line == 10 and server.location.column == 5
    assert s.text[server.location.offset : server.location.end_offset].splitlines()[-1] == "    }"
    proxy = [d for d in walk(res.directives) if d.name == "proxy_pass"][0]
    assert s.text[proxy.location.offset : proxy.location.end_offset] == "proxy_pass http://api;"
    assert (proxy.location.line, proxy.location.column) == (14, 13)
    # inserting at block_close puts text just before the closing brace of the server
    edited = (
        s.text[: server.block_close] + "    server_tokens off;\n    " + s.text[server.block_close :]
    )
    again = parse_nginx(src(edited))
    assert not again.errors
    srv = again.directives[2].block[2]  # type: ignore[index]
    assert srv.children("server_tokens")


def test_parents_and_tree_helpers() -> None:
    _, res = parse(CONF)
    proxy = [d for d in walk(res.directives) if d.name == "proxy_pass"][0]
    assert [a.name for a in proxy.ancestors()] == ["location", "server", "http"]
    assert proxy.enclosing("server") is not None
    assert res.directives[0].parent is None


def test_quotes_and_escapes() -> None:
    _, res = parse(r"""a "x y" 'it\'s' "tab\there" "back\\slash" "keep\d";""" + "\n")
    assert not res.errors
    assert res.directives[0].args == ["x y", "it's", "tab\there", "back\\slash", "keep\\d"]
    _, res = parse('location ~ "^/a;b{1}" { return 200 "a}b;"; }')
    assert not res.errors
    loc = res.directives[0]
    assert loc.args == ["~", "^/a;b{1}"]
    assert loc.block[0].args == ["200", "a}b;"]  # type: ignore[index]


def test_comments_trailing_and_full_line() -> None:
    _, res = parse(
        "# head\nuser nginx; # trailing one\n\n# alone\nserver { # about server\n"
        "  listen 80;\n}  # after close\n"
    )
    user, server = res.directives
    assert user.comment == "trailing one"
    assert server.comment == "about server"
    assert [c.text.strip() for c in res.comments] == ["head", "alone", "after close"]
    assert res.comments[1].location.line == 4
    # `#` inside a word or quotes is not a comment
    _, res = parse('add_header X-A "a#b"; rewrite ^/a#b /c;\n')
    assert res.directives[0].args == ["X-A", "a#b"]
    assert res.directives[1].args == ["^/a#b", "/c"]


def test_variables_and_env_placeholders() -> None:
    _, res = parse(
        "set $x ${VAR}; proxy_pass http://${BACKEND}:8000$request_uri;\nreturn 200 $host${uri};\n"
    )
    assert not res.errors
    assert res.template
    assert res.directives[0].args == ["$x", "${VAR}"]
    assert res.directives[1].args == ["http://${BACKEND}:8000$request_uri"]
    assert res.directives[2].args == ["200", "$host${uri}"]
    _, plain = parse("listen 80;\n")
    assert not plain.template


def test_template_markup_jinja_gomplate() -> None:
    text = (
        "server {\n"
        "    listen 80{% if PROXY %} proxy_protocol{% endif %};\n"
        "    {% if TLS %}\n"
        "    listen 443 ssl;\n"
        "    {% endif %}\n"
        "    server_name {{ .Env.DOMAIN }};\n"
        "    {{ if .Env.EXTRA }}\n"
        "    ${EXTRA_CONFIG}\n"
        "    location / { proxy_pass http://{{ backend }}:8000; }\n"
        "    {{ end }}\n"
        "}\n"
    )
    _, res = parse(text)
    assert not res.errors, res.errors
    assert res.template
    server = res.directives[0]
    assert [d.name for d in server.block or []] == ["listen", "listen", "server_name", "location"]
    assert server.block[0].args == ["80{% if PROXY %}", "proxy_protocol{% endif %}"]  # type: ignore[index]


def test_errors_in_jinja_templates_have_kind_template() -> None:
    _, res = parse(
        "http {\n{% if TLS %}\nserver { listen 443;\n{% else %}\n"
        "server { listen 80;\n{% endif %}\n}\n}\n"
    )
    assert res.errors and {e.kind for e in res.errors} == {"template"}
    assert "template markup" in res.errors[0].message
    _, res = parse("server { listen ${PORT};\n")  # envsubst only: a real parse error
    assert [e.kind for e in res.errors] == ["parse-error"]


def test_if_condition_parens_are_stripped() -> None:
    _, res = parse(
        'if ($http_upgrade = "websocket") { return 404; }\n'
        "if ( $request_method = POST ) { return 405; }\n"
    )
    assert res.directives[0].args == ["$http_upgrade", "=", "websocket"]
    assert res.directives[1].args == ["$request_method", "=", "POST"]


def test_lua_block_is_opaque() -> None:
    text = (
        "location / {\n"
        "    content_by_lua_block {\n"
        '        local t = { a = "}" }  -- a } in a comment\n'
        "        ngx.say('{')\n"
        "        --[[ long } comment ]]\n"
        "    }\n"
        "    access_log off;\n"
        "}\n"
    )
    s, res = parse(text)
    assert not res.errors, res.errors
    loc = res.directives[0]
    names = [d.name for d in loc.block or []]
    assert names == ["content_by_lua_block", "access_log"]
    lua = loc.block[0]  # type: ignore[index]
    assert lua.block == []
    assert s.text[lua.block_close] == "}"  # type: ignore[index]
    assert s.text[lua.location.offset : lua.location.end_offset].endswith("    }")


def test_errors_unbalanced_and_missing_semicolon() -> None:
    _, res = parse("http {\n  server {\n    listen 80;\n")
    msgs = [(e.line, e.message) for e in res.errors]
    assert any(line == 2 and "server" in m and "not closed" in m for line, m in msgs)
    assert any(line == 1 and "http" in m for line, m in msgs)
    # what parsed is still there
    assert res.directives[0].block[0].block[0].name == "listen"  # type: ignore[index]

    _, res = parse("user nginx;\n}\nworker_processes 2;\n")
    assert [(e.line, e.kind) for e in res.errors] == [(2, "parse-error")]
    assert "unexpected" in res.errors[0].message
    assert [d.name for d in res.directives] == ["user", "worker_processes"]

    _, res = parse("user nginx;\nworker_processes 2\n")
    assert len(res.errors) == 1 and res.errors[0].line == 2
    assert 'missing ";"' in res.errors[0].message
    assert [d.name for d in res.directives] == ["user", "worker_processes"]

    _, res = parse("server { listen 80 }\n")
    assert res.errors and 'missing ";"' in res.errors[0].message
    assert res.directives[0].block[0].args == ["80"]  # type: ignore[index]

    _, res = parse('server_name "unterminated;\nlisten 80;\n')
    assert res.errors and "unterminated" in res.errors[0].message
    assert res.errors[0].file == "nginx.conf" and res.errors[0].line == 1


def test_nginx_t_dump_split() -> None:
    dump = (
        "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
        "nginx: configuration file /etc/nginx/nginx.conf test is successful\n"
        "# configuration file /etc/nginx/nginx.conf:\n"
        "events {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n\n"
        "# configuration file /etc/nginx/conf.d/app.conf:\n"
        "server { listen 80; }\n"
    )
    assert is_nginx_t_dump(dump)
    parts = split_nginx_t(dump)
    assert [p for p, _, _ in parts] == ["/etc/nginx/nginx.conf", "/etc/nginx/conf.d/app.conf"]
    s = src(dump, "dump.txt")
    path, start, end = parts[1]
    res = parse_nginx(s, start, end)
    assert not res.errors
    server = res.directives[0]
    assert server.location.file == "dump.txt"
    assert server.location.line == 8
    assert dump[server.location.offset : server.location.end_offset] == "server { listen 80; }"
    assert not is_nginx_t_dump("server { listen 80; }\n")


def test_clone_is_deep() -> None:
    _, res = parse(CONF)
    http = res.directives[2]
    copy = clone(http, None)
    assert copy is not http and copy.block is not http.block
    assert copy.block[1].parent is copy  # type: ignore[index]
    assert copy.block[1].location == http.block[1].location  # type: ignore[index]


def test_crlf_normalised_source_offsets() -> None:
    # SourceReader normalises CRLF to LF; offsets are into that text.
    s, res = parse("user nginx;\nhttp {\n}\n")
    http = res.directives[1]
    assert s.text[http.location.offset : http.location.end_offset] == "http {\n}"


def test_big_config_parses_whole() -> None:
    """20,000 locations in one server (the growth itself is measured by work counts in
    tests/test_scaling.py and timed in bench/, never here)."""
    block = "    location /p{i} {{ proxy_pass http://app{i}:8000; proxy_set_header Host $host; }}\n"
    text = "http {\n server {\n" + "".join(block.format(i=i) for i in range(20000)) + " }\n}\n"
    _, res = parse(text)
    assert not res.errors
    assert len(res.directives[0].block[0].block) == 20000  # type: ignore[index]


@pytest.mark.parametrize(
    ("head", "unit", "n"),
    [
        ("", "{{ ", 50000),
        ('"', "a", 200000),
        ("", "{% ", 50000),
        ("", "${", 50000),
        ("", "a {", 20000),
        ("", "}", 100000),
        ("content_by_lua_block {", "{", 100000),
        ("\\", "\\", 100000),
        ("", ";", 100000),
        ("", "'\\", 50000),
        ("", "x ", 100000),
    ],
)
def test_hostile_input_is_linear_and_bounded(head: str, unit: str, n: int) -> None:
    # Work is counted, not timed: parser lines run for N/16 and N/4 units may grow at
    # most linearly (a rescan per token or per error grows 16x), then the full input.
    assert_linear(lambda k: parse_nginx(src(head + unit * k)), n // 16)
    res = parse_nginx(src(head + unit * n))
    assert len(res.errors) <= 21
    depth, node = 0, res.directives
    while node:
        depth += 1
        node = node[-1].block or []
    assert depth <= 65


NGINXISH = st.lists(
    st.sampled_from(
        list("ab $#{};\"'\\\n\t()/:=~*^@.-_1")
        + [
            "server",
            "location",
            "{{",
            "{%",
            "%}",
            "}}",
            "${X}",
            "content_by_lua_block",
            "--",
            "[[",
            "]]",
        ]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(NGINXISH)
def test_parser_never_raises(text: str) -> None:
    s = src(text)
    res = parse_nginx(s)
    for d in walk(res.directives):
        loc = d.location
        assert loc.offset is not None and loc.end_offset is not None
        assert 0 <= loc.offset <= loc.end_offset <= len(text)
    for e in res.errors:
        assert e.file == "nginx.conf" and e.line is not None and e.line >= 1


def test_children_index_on_big_blocks_matches_scan() -> None:
    body = "".join(f"server {{ listen {i}; }}\nmap $a $b{i} {{ default 1; }}\n" for i in range(40))
    _, res = parse("http {\n" + body + "proxy_read_timeout 5s;\n}\n")
    http = res.directives[0]
    assert len(http.block or []) == 81
    assert [d.args[0] for d in http.children("listen")] == []
    assert len(http.children("server")) == 40
    assert http.child("proxy_read_timeout").args == ["5s"]  # type: ignore[union-attr]
    # the index notices a grown block
    extra = Directive("proxy_read_timeout", ["9s"], http.location)
    http.block.append(extra)  # type: ignore[union-attr]
    assert http.child("proxy_read_timeout") is extra
    assert http.children("server") == [d for d in http.block or [] if d.name == "server"]
