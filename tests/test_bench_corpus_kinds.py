"""bench/corpus_kinds.py still runs and attributes files and findings to their input
kind (a tiny tree; the seconds are not looked at: tests never time things)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import write_tree

REPO = Path(__file__).resolve().parents[1]

TREE = {
    "app/compose.yaml": "services:\n  web:\n    image: nginx:latest\n",
    "app/nginx.conf": "events {}\nhttp {\n  server {\n    listen 80;\n  }\n}\n",
    "app/Dockerfile": "FROM python:latest\n",
    "k8s/deploy.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\nspec:\n"
        "  selector:\n    matchLabels: {app: w}\n  template:\n    metadata:\n"
        "      labels: {app: w}\n    spec:\n      containers:\n        - name: w\n"
        "          image: w:latest\n"
    ),
    "tf/main.tf": 'resource "aws_s3_bucket" "b" {}\n',
}


def _row(out: str, kind: str) -> list[str]:
    return next(line.split() for line in out.splitlines() if line.startswith(f"{kind} "))


def test_bench_corpus_kinds_runs(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "corpus", TREE)
    out = subprocess.run(
        [sys.executable, str(REPO / "bench" / "corpus_kinds.py"), str(root), "--helm", "off"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert out.count("kind ") == 2  # the cold and the warm table
    assert _row(out, "compose")[1] == "1" and int(_row(out, "compose")[2]) >= 1
    assert _row(out, "dockerfile")[1] == "1" and int(_row(out, "dockerfile")[2]) >= 1
    assert _row(out, "k8s")[1] == "1" and int(_row(out, "k8s")[2]) >= 1
    assert _row(out, "terraform")[1:3] == ["1", "0"]
    assert _row(out, "helm")[1:3] == ["0", "0"]
    assert "helm rendering:" in out and "kustomize rendering" in out
