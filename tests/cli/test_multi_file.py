"""Several file arguments are one stack (how pre-commit and editors call linters): the
project around them is loaded once, cross-file rules keep working, findings are reported
only on the given files, and paths print relative to the current directory in every format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from infradoctor.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "drawing-app"
CONF = "app/nginx/conf.d/infidraw.conf"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "app")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "app"


def lint_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    main(["lint", "--format", "json", *args])
    return json.loads(capsys.readouterr().out)


def keys(doc: dict) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["file"], f["line"]) for f in doc["findings"]]


def test_files_are_one_stack_with_cross_file_rules(app: Path, capsys) -> None:
    whole = keys(lint_json(capsys, "app"))
    given = keys(
        lint_json(capsys, "app/docker-compose.yml", CONF, "app/services/realtime/Dockerfile")
    )
    rules = {r for r, _, _ in given}
    assert {"XF002", "XF003", "XF007"} <= rules
    assert all(
        f in {"app/docker-compose.yml", CONF, "app/services/realtime/Dockerfile"}
        for _, f, _ in given
    )
    assert set(given) <= set(whole)
    assert len(given) == len(set(given)), "a finding reported twice"


def test_single_nginx_file_finds_its_project(app: Path, capsys) -> None:
    doc = lint_json(capsys, CONF)
    files = {f for _, f, _ in keys(doc)}
    assert files == {CONF}, "never mangled as infidraw.conf/infidraw.conf"
    assert "XF002" in {r for r, _, _ in keys(doc)}


def test_paths_agree_across_formats(app: Path, capsys) -> None:
    json_files = {f for _, f, _ in keys(lint_json(capsys, "app"))}
    main(["lint", "--format", "github", "app"])
    gh = capsys.readouterr().out
    gh_files = {
        part.split("file=", 1)[1].split(",", 1)[0] for part in gh.splitlines() if "file=" in part
    }
    main(["lint", "--no-color", "-q", "app"])
    text_files = {
        line.split(":", 1)[0] for line in capsys.readouterr().out.splitlines() if ":" in line
    }
    assert json_files == gh_files
    assert {f for f in text_files if not f.startswith("Found")} == json_files
    assert all(f.startswith("app/") for f in json_files)


def test_sarif_uri_relative_to_current_directory(app: Path, capsys) -> None:
    main(["lint", "--format", "sarif", "app"])
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path.cwd().resolve().as_uri() + "/"
    locs = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locs and all(loc["uriBaseId"] == "%SRCROOT%" for loc in locs)
    assert all(loc["uri"].startswith("app/") for loc in locs)
    assert all((Path.cwd() / loc["uri"]).is_file() for loc in locs)


def test_directory_and_file_inside_it_lint_once(app: Path, capsys) -> None:
    both = keys(lint_json(capsys, "app", CONF))
    assert both == keys(lint_json(capsys, "app"))
