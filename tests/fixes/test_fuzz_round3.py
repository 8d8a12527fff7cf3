"""Bugs found by the third long mutation-fuzz round (bench/fuzz.py, issue 7): linking a
Dockerfile whose COPY lists 500,000 sources (a Path per source), a 1 MB image name
scanned once per well-known image, nginx fixes inserted after a directive missing its
`;` (NGX001), and a CMP002 fix written in compose.yaml while compose.prod.yaml overrides
the key (the re-lint still reported it). The slow ones count work, never time it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.facts import listen
from infradoctor.fixes import nginx_edit as ne
from infradoctor.fixes.apply import run_fixes
from infradoctor.loaders import link, load_stack
from tests.conftest import write_tree

CONFIG = LintConfig(report_unused_suppressions=False, extend_select=["hardening"])


def _fix_twice(root: Path) -> None:
    """A fix run never refuses its own fix as a fixer bug, and a second run is a no-op."""
    first = run_fixes(root, CONFIG, unsafe=True)
    assert not any("please report this" in r for r in first.refused), first.refused
    second = run_fixes(root, CONFIG, unsafe=True)
    assert not second.applied, second.applied
    assert not any("please report this" in r for r in second.refused), second.refused


# ---------------------------------------------------------------- link: COPY sources


def _copy_stack(tmp_path: Path, sources: list[str]) -> Any:
    files = {
        "compose.yaml": "services:\n  web:\n    build: .\n    image: nginx:1.25\n",
        "Dockerfile": "FROM nginx:1.25\nCOPY " + " ".join(sources) + " /etc/nginx/\n",
        "nginx.conf": "events {}\nhttp { server { listen 80; } }\n",
    }
    return load_stack(write_tree(tmp_path / "s", files))


class _CountingPath:
    """Stands in for pathlib.Path in link.py and counts the objects made."""

    calls = 0

    def __new__(cls, *args: Any) -> Any:
        _CountingPath.calls += 1
        return Path(*args)


def test_copy_sources_cost_no_path_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """5,000 distinct sources: claims are strings, not a Path object per source."""
    stack = _copy_stack(tmp_path, [f"f{i}" for i in range(5000)])
    project = stack.projects[0]
    svc = project.services["web"]
    _CountingPath.calls = 0
    monkeypatch.setattr(link, "Path", _CountingPath)
    claims = link._carry_claims(stack, project, svc)
    assert len(claims) == 5000
    assert _CountingPath.calls < 10


def test_repeated_copy_source_is_one_claim(tmp_path: Path) -> None:
    """`COPY nginx.conf nginx.conf ... /etc/nginx/` claims the file once, and the config
    is still attached to the service that copies it."""
    stack = _copy_stack(tmp_path, ["nginx.conf"] * 3000)
    project = stack.projects[0]
    claims = link._carry_claims(stack, project, project.services["web"])
    assert len(claims) == 1
    assert project.nginx_service.get("nginx.conf") == "web"


# ---------------------------------------------------------------- image_ports


class _CountingPattern:
    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.calls = 0

    def search(self, text: str) -> re.Match[str] | None:
        self.calls += 1
        return self.pattern.search(text)


def test_image_name_scanned_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long unknown image name is searched for admin/exporter words once, not once per
    entry of the well-known image table."""
    name = "s1" + "a" * 10_000
    root = write_tree(tmp_path / "s", {"compose.yaml": f"services:\n  api:\n    image: {name}\n"})
    svc = load_stack(root).projects[0].services["api"]
    counting = _CountingPattern(listen.NOT_THE_SERVER_RE)
    monkeypatch.setattr(listen, "NOT_THE_SERVER_RE", counting)
    assert listen.image_ports(svc) is None
    assert counting.calls == 1


def test_image_ports_still_known(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "s",
        {"compose.yaml": "services:\n  db:\n    image: postgres:16\n  ui:\n    image: redis-ui\n"},
    )
    services = load_stack(root).projects[0].services
    found = listen.image_ports(services["db"])
    assert found is not None and 5432 in found[0]
    assert listen.image_ports(services["ui"]) is None


# ---------------------------------------------------------------- nginx: missing `;`

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
    _fix_twice(root)
    assert kept in (root / "nginx.conf").read_text()


def _server(tmp_path: Path, text: str) -> Any:
    root = write_tree(tmp_path, {"conf.d/a.conf": text})
    return load_stack(root).nginx[0].servers[0]


def test_insert_into_block_refuses_after_missing_semicolon(tmp_path: Path) -> None:
    text = "server {\n    listen 80\n}\n"
    with pytest.raises(ne.NginxEditError):
        ne.insert_into_block(text, _server(tmp_path / "a", text), ["server_tokens off;"])
    fine = "server {\n    listen 80;\n}\n"
    edit = ne.insert_into_block(fine, _server(tmp_path / "b", fine), ["server_tokens off;"])
    assert edit.start == fine.index("}") and "server_tokens off;" in edit.replacement


# ---------------------------------------------------------------- CMP002: override file

PROD_OVERRIDES_LOGGING = {
    "compose.yaml": "services:\n api:\n  image:",
    "compose.prod.yaml": "e: &base\n logging: t\nservices:\n api: *base",
}


def test_cmp002_no_fix_under_overriding_file(tmp_path: Path) -> None:
    """The merged reading takes `logging` from compose.prod.yaml (written through an
    alias there): a fix in compose.yaml cannot resolve it, so none is offered."""
    root = write_tree(tmp_path / "s", PROD_OVERRIDES_LOGGING)
    findings = [f for f in lint(root, CONFIG).findings if f.rule == "CMP002"]
    prod = [f for f in findings if f.location.file == "compose.prod.yaml"]
    assert prod and all(f.fix is None for f in prod)
    base = [f for f in findings if f.location.file == "compose.yaml"]
    assert base and all(f.fix is not None for f in base)
    _fix_twice(root)
