"""A manifest a fix run edits is composed once for the fixers: the fixers of the next
lint (the next pass, the report's suggestions) read the nodes the edit check composed of
the fixed text, and an unchanged manifest's nodes from the lint before, not a new parse
per lint."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.apply import preview_fixes
from infradoctor.fixes.attach import resolve_fixes
from tests.conftest import write_tree

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: example/{name}:1.0
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports:
    - port: 80
      targetPort: 8080
"""


def test_each_manifest_text_is_composed_once_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree(
        tmp_path / "k",
        {f"k8s/{n}.yaml": DEPLOYMENT.format(name=n) for n in ("api", "web", "worker")},
    )
    composed: Counter[str] = Counter()
    real = ye.parse_documents

    def counted(text: str) -> list[object]:
        composed[text] += 1
        return real(text)  # type: ignore[return-value]

    monkeypatch.setattr(ye, "parse_documents", counted)
    ye._KNOWN.clear()
    run = preview_fixes(root, LintConfig(), unsafe=True)  # TCP readiness probes
    assert {a.rule for a in run.applied} == {"K8S004"}
    assert composed and max(composed.values()) == 1, composed.values()
    # a later lint's fixers (the next pass, the report's) read what was composed
    composed.clear()
    for _ in range(2):
        findings = lint(root, LintConfig()).findings
        resolve_fixes(findings)
        assert any(f.rule == "K8S004" and f.fix for f in findings)
    assert not composed
