"""Discovery classifies by name and extension first: documentation, code and template
files are never read as nginx or compose; templated nginx files are skipped with a
reason; .gitignore (pathspec) and `exclude` leave files out; an empty selection says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.loaders import load_stack
from infradoctor.loaders.discover import discover

SERVER = "server {\n    listen 80;\n    location / { proxy_pass http://app:8080; }\n}\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.mark.parametrize(
    "name",
    [
        "docs/nginx-setup.md",
        "scripts/gen_nginx.py",
        "nginx/README.txt",
        "notes.txt",
        "nginx/reload.sh",
        "conf.d/notes.rst",
        "nginx/site.conf.j2",
        "nginx/site.conf.hbs",
        "nginx/site.tpl",
    ],
)
def test_docs_code_and_templates_never_read_as_nginx(tmp_path: Path, name: str) -> None:
    write(tmp_path, {name: SERVER})
    found = discover(tmp_path)
    assert found.nginx == [] and found.compose == [] and found.k8s == []


def test_real_nginx_still_found(tmp_path: Path) -> None:
    write(tmp_path, {"nginx/site.conf": SERVER, "deploy/proxy": SERVER, "nginx.conf": SERVER})
    found = discover(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in found.nginx) == [
        "deploy/proxy",
        "nginx.conf",
        "nginx/site.conf",
    ]


def test_template_extension_listed_as_skipped(tmp_path: Path) -> None:
    write(tmp_path, {"nginx/site.conf.j2": SERVER})
    stack = load_stack(tmp_path)
    assert [(s.path, s.kind) for s in stack.skipped] == [("nginx/site.conf.j2", "template")]
    assert "Jinja" in stack.skipped[0].reason


@pytest.mark.parametrize(
    ("markup", "engine"), [("{{ port }}", "Handlebars/Go"), ("{% if x %}", "Jinja")]
)
def test_templated_nginx_skipped_not_parsed(tmp_path: Path, markup: str, engine: str) -> None:
    write(tmp_path, {"nginx/site.conf": f"server {{\n    listen {markup};\n}}\n"})
    stack = load_stack(tmp_path)
    assert stack.nginx == [] and stack.errors == []
    assert [s.path for s in stack.skipped] == ["nginx/site.conf"]
    assert engine in stack.skipped[0].reason


def test_gitignore_respected_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        {
            ".gitignore": "generated/\n*.local.conf\n!keep.local.conf\n",
            "generated/nginx.conf": "server {",
            "nginx/a.local.conf": "server {",
            "nginx/keep.local.conf": SERVER,
            "sub/.gitignore": "nginx.conf\n",
            "sub/nginx.conf": "server {",
        },
    )
    found = discover(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found.nginx] == ["nginx/keep.local.conf"]
    assert found.gitignored == 3
    main(["lint", "--no-color", "--show-files", str(tmp_path)])
    out = capsys.readouterr().out
    assert "Not walked: 3 paths ignored by .gitignore" in out
    assert "generated" not in out


def test_exclude_in_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        tmp_path,
        {".infradoctor.toml": 'exclude = ["legacy/**"]\n', "legacy/nginx.conf": "server {"},
    )
    assert main(["lint", "--format", "json", str(tmp_path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["errors"] == [] and doc["stats"]["files"] == 0


def test_empty_selection_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    write(tmp_path, {"docs/nginx-setup.md": SERVER})
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--no-color", "docs"]) == 0
    out = capsys.readouterr().out
    assert "No infrastructure files found under docs." in out
    assert "0 files" not in out


def test_nginx_t_dump_in_a_text_file_still_read(tmp_path: Path) -> None:
    dump = (
        "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n# configuration file /etc/nginx/nginx.conf:\n"
        + SERVER
    )
    write(tmp_path, {"nginx-T.txt": dump})
    assert [p.name for p in discover(tmp_path).nginx] == ["nginx-T.txt"]
