"""Include expansion: a shared snippet stays cheap (parsed once, spliced per use), cycles
are errors at the include's line, and a fan-out hits the budget instead of taking
exponential time (docs/reading.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conftest import write_tree

from infradoctor.loaders import nginx as nginx_loader
from infradoctor.loaders.discover import discover
from infradoctor.loaders.files import SourceReader
from infradoctor.loaders.nginx import load_nginx_configs
from infradoctor.model.nginx import NginxConfig
from infradoctor.model.source import FileKind, LoadError, SourceFile


def load(root: Path) -> tuple[list[NginxConfig], list[LoadError]]:
    reader = SourceReader(root)
    sources = []
    for p in discover(root).nginx:
        res = reader.read(p, FileKind.NGINX)
        if isinstance(res, SourceFile):
            sources.append(res)
    return load_nginx_configs(sources, reader)


def test_snippet_in_many_servers_is_parsed_once_and_spliced_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers = "".join(
        f"  server {{ listen {8000 + i}; include snippets/ssl.conf; }}\n" for i in range(5)
    )
    root = write_tree(
        tmp_path / "t",
        {
            "nginx/nginx.conf": f"events {{}}\nhttp {{\n{servers}}}\n",
            "nginx/snippets/ssl.conf": "ssl_protocols TLSv1.3;\nssl_session_cache shared:S:1m;\n",
        },
    )
    parsed: list[str] = []
    real_parse = nginx_loader.parse_nginx

    def counting(src: SourceFile, *args: object, **kwargs: object) -> object:
        parsed.append(src.path)
        return real_parse(src, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nginx_loader, "parse_nginx", counting)
    configs, errors = load(root)
    assert errors == []
    assert parsed.count("nginx/snippets/ssl.conf") == 1
    [cfg] = configs
    servers_found = cfg.find("server")
    assert len(servers_found) == 5
    for server in servers_found:
        assert server.child("ssl_protocols") is not None
        assert server.child("ssl_protocols").parent is server  # type: ignore[union-attr]


def test_self_include_and_glob_matching_itself_are_cycles(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "t",
        {
            "a/nginx.conf": "events {}\nhttp {\n  server { listen 80; include site.conf; }\n}\n",
            "a/site.conf": "location / {\n  include site.conf;\n  return 200;\n}\n",
            "b/conf.d/all.conf": "server {\n  listen 81;\n  include /etc/nginx/conf.d/*.conf;\n}\n",
        },
    )
    configs, errors = load(root)
    got = sorted((e.file, e.line, e.kind) for e in errors)
    assert got == [
        ("a/site.conf", 2, "include-cycle"),
        ("b/conf.d/all.conf", 3, "include-cycle"),
    ]
    assert {c.root_file for c in configs} == {"a/nginx.conf", "b/conf.d/all.conf"}


def test_fan_out_stops_at_the_budget_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nginx_loader, "MAX_INCLUDES_PER_CONFIG", 100)
    files = {"n/nginx.conf": "events {}\nhttp {\n  include f0.inc;\n}\n"}
    for i in range(20):  # under the depth limit (24): 2**20 splices unbounded
        files[f"n/f{i}.inc"] = f"# level {i}\ninclude f{i + 1}.inc;\ninclude f{i + 1}.inc;\n"
    files["n/f20.inc"] = "server_tokens off;\n"
    root = write_tree(tmp_path / "t", files)
    # Work is counted, not timed: splices stay near the budget's 100 includes; the
    # unbounded fan-out (2**20 splices) fails at the first 10,000.
    calls = 0
    real = nginx_loader._Loader.splice

    def splice(self: nginx_loader._Loader, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > 10_000:
            pytest.fail("the include fan-out is being expanded past its budget")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(nginx_loader._Loader, "splice", splice)
    configs, errors = load(root)
    assert calls <= 1_000
    [err] = errors
    assert err.kind == "include-budget" and err.line in (2, 3)
    assert err.file.startswith("n/f") and "100 includes" in err.message
    assert len(configs) == 1
    assert sum(1 for d in configs[0].walk() if d.name == "include") <= 200


def test_byte_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nginx_loader, "MAX_INCLUDE_BYTES_PER_CONFIG", 1000)
    big = "".join(f"# padding line {i:04d}\n" for i in range(20))  # ~440 bytes
    servers = "".join(f"  server {{ listen {80 + i}; include big.inc; }}\n" for i in range(4))
    root = write_tree(
        tmp_path / "t",
        {"n/nginx.conf": f"events {{}}\nhttp {{\n{servers}}}\n", "n/big.inc": big},
    )
    _, errors = load(root)
    [err] = errors
    assert (err.file, err.line, err.kind) == ("n/nginx.conf", 5, "include-budget")
    assert "1000 bytes" in err.message


def test_a_fan_out_of_cycles_is_reported_once_per_include_and_file(tmp_path: Path) -> None:
    """Six conf.d files each including `conf.d/*.conf`: every path through the cycles used
    to be its own error (9,786 of them, found by bench/fuzz.py); now one per include
    directive and file it cycles back to."""
    files = {f"conf.d/f{i}.conf": "include conf.d/*.conf;\nserver_tokens on;\n" for i in range(6)}
    root = write_tree(
        tmp_path / "t", {"nginx.conf": "events {}\nhttp { include conf.d/*.conf; }\n", **files}
    )
    _, errors = load(root)
    cycles = [e for e in errors if e.kind == "include-cycle"]
    assert cycles
    keys = {(e.file, e.line, e.column, e.message.rsplit(" -> ", 1)[-1]) for e in cycles}
    assert len(keys) == len(cycles) <= 6 * 6


def test_a_huge_directive_spliced_from_many_places_hits_the_word_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One 50,000-word directive in a conf.d file every snippet includes (long fuzz
    round): the budget counts words, not directives, so what rules walk stays bounded;
    NGX012 works once per written directive however many copies includes make."""
    from infradoctor.engine import lint
    from infradoctor.rules.nginx import NGX012_undefined_nginx_variable as ngx012

    snippets = {f"conf.d/f{i}.conf": "include conf.d/*.conf;\n" for i in range(1, 6)}
    root = write_tree(
        tmp_path / "t",
        {
            "nginx.conf": "events {}\nhttp { include conf.d/*.conf; }\n",
            "conf.d/f0.conf": "include conf.d/*.conf;" + " a" * 50_000 + ";\n",
            **snippets,
        },
    )
    monkeypatch.setattr(nginx_loader, "MAX_SPLICED_WORDS", 200_000)
    calls: list[str] = []
    real = ngx012._used_here

    def counting(d: object, context: str) -> list[str]:
        calls.append(context)
        return real(d, context)  # type: ignore[arg-type]

    monkeypatch.setattr(ngx012, "_used_here", counting)
    result = lint(root)
    budget = [e for e in result.stack.errors if e.kind == "include-budget"]
    assert budget and all("words in this config" in e.message for e in budget)
    for cfg in result.stack.nginx:
        words = sum(1 + len(d.args) for d in cfg.walk())
        assert words <= 200_000 + 50_001  # stops at the first include past the budget
    written = 6 * 2 + 2  # each file's include and directive, nginx.conf's http + include
    assert len(calls) <= written * 2  # a use is worked out per (written directive, block)
