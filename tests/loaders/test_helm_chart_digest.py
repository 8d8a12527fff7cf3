"""The helm render cache key (loaders/helm.py `_chart_digest`): every regular file of the
chart by its path in the chart, symlinks and `.git` left out. Computed with one lstat per
file; the key must stay the one earlier versions wrote, so their cache entries still hit."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.conftest import write_tree

from infradoctor.loaders.helm import _chart_digest


def _reference(chart: Path, helm: str, extra: list[tuple[str, str]]) -> str:
    """The key as the earlier code computed it (isfile/islink/relpath per file)."""
    h = hashlib.sha256()
    st = os.stat(helm)
    h.update(f"helm {helm} {st.st_size} {st.st_mtime_ns}\0".encode())
    for dirpath, dirnames, filenames in os.walk(chart):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            h.update(os.path.relpath(path, chart).encode() + b"\0")
            h.update(hashlib.sha256(Path(path).read_bytes()).digest())
    for name, text in extra:
        h.update(f"values {name}\0".encode() + hashlib.sha256(text.encode()).digest())
    return h.hexdigest()


def test_digest_is_unchanged_and_skips_links_and_git(tmp_path: Path) -> None:
    chart = write_tree(
        tmp_path / "chart",
        {
            "Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "values.yaml": "replicaCount: 1\n",
            "templates/deployment.yaml": "kind: Deployment\n",
            "templates/sub/x.tpl": '{{ define "x" }}{{ end }}\n',
            ".git/HEAD": "ref: refs/heads/main\n",
        },
    )
    (chart / "templates" / "link.yaml").symlink_to(chart / "values.yaml")
    (chart / "charts").symlink_to(tmp_path)  # a directory link: not followed
    helm = str(write_tree(tmp_path / "bin", {"helm": "#!/bin/sh\n"}) / "helm")
    extra = [("extra.yaml", "a: 1\n")]
    key = _chart_digest(chart, extra, helm)
    assert key == _reference(chart, helm, extra)
    (chart / "templates" / "link.yaml").unlink()
    (chart / ".git" / "HEAD").write_text("changed\n")
    assert _chart_digest(chart, extra, helm) == key  # neither the link nor .git counted
    (chart / "templates" / "sub" / "x.tpl").write_text("changed\n")
    assert _chart_digest(chart, extra, helm) != key
