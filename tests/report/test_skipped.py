"""Never silently skip: files that look like infrastructure but are not analysed are listed
in the JSON `stats.skipped` with a reason, counted in the text summary and shown by
`lint --show-files`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.loaders import load_stack
from infradoctor.loaders.skipped import skip_by_name
from tests.conftest import write_tree

FILES = {
    "Tiltfile": 'k8s_yaml("deploy/app.yaml")\n',
    "deploy/svc.yaml.j2": "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ name }}\n",
    "deploy/site.conf.hbs": "server { listen {{port}}; }\n",
    "deploy/cert.yaml": "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: c\n",
    "deploy/tmpl.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.name }}\n"
        "spec:\n  ports: [{port: 80}]\n"
    ),
    "deploy/app.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\nspec:\n  ports: [{port: 80}]\n"
    ),
    "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    "chart/templates/_helpers.tpl": '{{- define "c.name" -}}c{{- end }}\n',
    "notes/readme.txt.j2": "hello {{ name }}\n",
    "chart/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\n",
    "ops/templates/service.yaml": "apiVersion: v1\nkind: Service\n",
}
EXPECTED = {
    "Tiltfile": "tiltfile",
    "deploy/svc.yaml.j2": "template",
    "deploy/site.conf.hbs": "template",
    "deploy/cert.yaml": "crd",
    "deploy/tmpl.yaml": "template",
    "ops/templates/service.yaml": "template",
}


def test_stack_lists_each_skipped_file_with_reason(tmp_path: Path) -> None:
    stack = load_stack(write_tree(tmp_path, FILES))
    assert {s.path: s.kind for s in stack.skipped} == EXPECTED
    reasons = {s.path: s.reason for s in stack.skipped}
    assert "Jinja template" in reasons["deploy/svc.yaml.j2"]
    assert "Handlebars template of an nginx file" in reasons["deploy/site.conf.hbs"]
    assert "Certificate" in reasons["deploy/cert.yaml"]


def test_json_stats_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path / "s", FILES)
    main(["lint", "--format", "json", str(root)])
    doc = json.loads(capsys.readouterr().out)
    entries = doc["stats"]["skipped"]
    assert {e["path"]: e["kind"] for e in entries} == EXPECTED
    assert all(set(e) == {"path", "kind", "reason", "line"} and e["reason"] for e in entries)
    assert "files" in doc["stats"] and "by_rule" in doc["stats"]  # existing fields kept


def test_json_stats_skipped_empty_list_when_nothing_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "s", {"deploy/app.yaml": FILES["deploy/app.yaml"]})
    main(["lint", "--format", "json", str(root)])
    assert json.loads(capsys.readouterr().out)["stats"]["skipped"] == []


def test_text_summary_and_show_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path / "s", FILES)
    main(["lint", "--no-color", str(root)])
    out = capsys.readouterr().out
    assert "6 files not analysed (--show-files lists them)" in out
    assert "Not analysed:" not in out
    main(["lint", "--no-color", "--show-files", str(root)])
    out = capsys.readouterr().out
    assert "Files read (as what):" in out
    assert "  k8s        deploy/app.yaml" in out
    assert "Not analysed:" in out
    assert "  Tiltfile: Tiltfile (Starlark) is not evaluated" in out
    read_part = out.split("Not analysed:")[0]
    assert "deploy/tmpl.yaml" not in read_part  # listed once, as not analysed


def test_several_roots_prefix_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_tree(tmp_path / "a", {"Tiltfile": "x\n"})
    b = write_tree(tmp_path / "b", {"deploy/cert.yaml": FILES["deploy/cert.yaml"]})
    main(["lint", "--format", "json", str(a), str(b)])
    paths = [e["path"] for e in json.loads(capsys.readouterr().out)["stats"]["skipped"]]
    assert len(paths) == 2
    assert paths[0].endswith("Tiltfile") and paths[0] != "Tiltfile"
    assert paths[1].endswith("deploy/cert.yaml") and paths[1] != "deploy/cert.yaml"


@pytest.mark.parametrize(
    ("path", "listed"),
    [
        ("docker-compose.yml.j2", True),
        ("Dockerfile.tmpl", True),
        ("main.tf.tpl", True),
        ("k8s/templates/_helpers.tpl", False),
        ("email.html.j2", False),
        ("README.md", False),
    ],
)
def test_skip_by_name(path: str, listed: bool) -> None:
    assert (skip_by_name(Path(path)) is not None) is listed


def test_excluded_files_are_not_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path / "s", {"Tiltfile": "x\n"})
    main(["lint", "--format", "json", "--exclude", "Tiltfile", str(root)])
    assert json.loads(capsys.readouterr().out)["stats"]["skipped"] == []
