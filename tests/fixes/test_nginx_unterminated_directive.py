"""nginx fixes never insert after a directive missing its `;` (third long mutation-fuzz
round, bench/fuzz.py, issue 7): the inserted lines would become that directive's
arguments (NGX001 on a template, a proxy_pass without `;`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infradoctor.fixes import nginx_edit as ne
from infradoctor.loaders import load_stack
from tests.conftest import write_tree
from tests.fixes._fix_twice import fix_twice

TEMPLATE_NGINX = {
    "Dockerfile": "FROM /",
    "nginx.conf": "{%}server{listen}r {\n   %}\n\n\nserver {\n}",
}
UNTERMINATED_PROXY = {
    "nginx.conf": (
        "events {}\nhttp {\n  server {\n    listen 80;\n    location /ws {\n"
        "      proxy_pass http://app:80\n    }\n  }\n}\n"
    )
}


@pytest.mark.parametrize(
    ("files", "kept"),
    [(TEMPLATE_NGINX, "server{listen}"), (UNTERMINATED_PROXY, "proxy_pass http://app:80\n    }")],
    ids=["ngx001-template", "proxy-no-semicolon"],
)
def test_no_nginx_insert_after_unterminated_directive(
    files: dict[str, str], kept: str, tmp_path: Path
) -> None:
    """Nothing is inserted where it would become the arguments of a directive that lacks
    its `;`, and the fix loop does not refuse its own fix as a fixer bug."""
    root = write_tree(tmp_path / "s", files)
    fix_twice(root)
    assert kept in (root / "nginx.conf").read_text()


def _server(tmp_path: Path, text: str) -> Any:
    root = write_tree(tmp_path, {"conf.d/a.conf": text})
    return load_stack(root).nginx[0].servers[0]


def test_insert_into_block_refuses_after_missing_semicolon(tmp_path: Path) -> None:
    """The edit helper itself refuses a block whose last directive lacks its `;`, and
    still inserts before the closing brace when it has one."""
    text = "server {\n    listen 80\n}\n"
    with pytest.raises(ne.NginxEditError):
        ne.insert_into_block(text, _server(tmp_path / "a", text), ["server_tokens off;"])
    fine = "server {\n    listen 80;\n}\n"
    edit = ne.insert_into_block(fine, _server(tmp_path / "b", fine), ["server_tokens off;"])
    assert edit.start == fine.index("}") and "server_tokens off;" in edit.replacement
