"""syntax/nginxdump: the `nginx -T` reader the diagnose side shares with its collectors,
on the same tokenizer as the lint loader (syntax/nginx.TOKEN_RE)."""

from __future__ import annotations

from infradoctor.diagnose.collectors import nginxconf
from infradoctor.syntax import nginxdump
from infradoctor.syntax.nginxdump import facts_from_dump, listen_target, statements, tokenize

DUMP = """nginx: the configuration file /etc/nginx/nginx.conf syntax is ok
# configuration file /etc/nginx/nginx.conf:
http {
    upstream app_backend { server app:8000; }
    include /etc/nginx/conf.d/*.conf;
}

# configuration file /etc/nginx/conf.d/shop.conf:
server {
    listen 8080;
    server_name shop.example;
    location /api/ {
        proxy_pass http://app_backend;
        proxy_read_timeout 30s;
    }
}
"""


def test_collectors_reexport_the_one_parser() -> None:
    assert nginxconf.statements is nginxdump.statements
    assert nginxconf.facts_from_dump is nginxdump.facts_from_dump
    assert nginxconf.tokenize is nginxdump.tokenize


def test_tokens_carry_lines_and_quoting() -> None:
    toks = tokenize("a \"b c\" 'd\\'e';\n# note\nf { g; }")
    assert toks == [
        ("a", 1, False),
        ("b c", 1, True),
        ("d'e", 1, True),
        (";", 1, False),
        ("f", 3, False),
        ("{", 3, False),
        ("g", 3, False),
        (";", 3, False),
        ("}", 3, False),
    ]


def test_variable_braces_are_part_of_the_word_as_nginx_reads_them() -> None:
    """`${host}` is one word for nginx and for the lint tokenizer: no block opens."""
    toks = tokenize("return 301 https://${host}$request_uri;")
    assert [t for t, _, _ in toks] == ["return", "301", "https://${host}$request_uri", ";"]


def test_line_continuation_counts_the_newline() -> None:
    toks = tokenize("a b\\\nc;\nd;")
    assert toks[-2:] == [("d", 3, False), (";", 3, False)]


def test_unterminated_quote_runs_to_the_end() -> None:
    assert tokenize('x "never closed;\ny;') == [("x", 1, False), ("never closed;\ny;", 1, True)]


def test_statements_know_their_blocks_and_lines() -> None:
    sections = nginxdump.split_sections(DUMP)
    assert [f for f, _ in sections] == ["/etc/nginx/nginx.conf", "/etc/nginx/conf.d/shop.conf"]
    shop = statements(sections[1][1], sections[1][0])
    timeout = next(s for s in shop if s.name == "proxy_read_timeout")
    assert (timeout.file, timeout.line, timeout.location) == (sections[1][0], 7, "/api/")
    assert timeout.blocks == ["server", "location"] and timeout.server_index == 0
    main = statements(sections[0][1], sections[0][0])
    member = next(s for s in main if s.name == "server")
    assert member.upstream == "app_backend" and member.args == ["app:8000"]


def test_facts_from_dump() -> None:
    facts = facts_from_dump(DUMP)
    assert facts.upstreams == {"app_backend": ["app:8000"]}
    assert facts.proxy_passes == ["http://app_backend"]
    assert facts.servers[0].listens == [["8080"]] and facts.servers[0].names == ["shop.example"]
    assert facts.servers[0].routes == [("/api/", "http://app_backend")]


def test_listen_target() -> None:
    assert listen_target(["8080"]) == ("127.0.0.1", 8080, False)
    assert listen_target(["[::]:443", "ssl"]) == ("::1", 443, True)
    assert listen_target(["unix:/run/nginx.sock"]) is None
