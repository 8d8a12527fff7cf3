"""NGX001 server-tokens-on: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.nginx._rules_support import SIBLING_APP, SIBLING_DEFAULTS, conf, main_conf, run
from tests.rules.nginx._tree_support import DUMP, codes, lint_tree


def test_nginx_t_dump_is_checked_like_the_tree(tmp_path: Path) -> None:
    tree = {
        "nginx/nginx.conf": DUMP.split("# configuration file /etc/nginx/nginx.conf:\n")[1]
        .split("# configuration file")[0]
        .replace("/etc/nginx/mime.types", "mime.types"),
        "nginx/conf.d/app.conf": DUMP.split("conf.d/app.conf:\n")[1],
    }
    from_tree, _ = lint_tree(tmp_path / "tree", tree)
    from_dump, errors = lint_tree(tmp_path / "dump", {"nginx-T.txt": DUMP})
    assert errors == []
    assert {"NGX001", "NGX002", "NGX003", "NGX011"} <= codes(from_tree)
    assert codes(from_dump) == codes(from_tree)
    assert all(f.location.file == "nginx-T.txt" for f in from_dump)


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


@pytest.mark.parametrize("code", ["NGX001", "NGX002", "NGX003", "NGX005", "NGX008", "NGX011"])
def test_conf_d_sibling_settings_are_http_level(tmp_path: Path, code: str) -> None:
    files = {"nginx/conf.d/app.conf": SIBLING_APP}
    assert run(tmp_path / "without", code, files), f"{code} should fire without defaults"
    files["nginx/conf.d/00-defaults.conf"] = SIBLING_DEFAULTS
    assert run(tmp_path / "with", code, files) == []
