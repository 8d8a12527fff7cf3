"""Discovery builds a Path only for the files it has something to do with: most files of
a tree (sources, docs, images) are judged by their name as text and left (counted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infradoctor.loaders import discover as discover_mod
from infradoctor.loaders.names import by_name, by_path_text


def _tree(root: Path) -> None:
    (root / "app").mkdir()
    for i in range(40):  # no loader reads them, and their names say nothing
        (root / "app" / f"module{i}.py").write_text("print(1)\n")
    (root / "README.md").write_text("# demo\n")
    (root / "compose.yaml").write_text("services:\n  a:\n    image: x\n")
    (root / "nginx.conf").write_text("events {}\nhttp { server { listen 80; } }\n")
    (root / "Tiltfile").write_text("k8s_yaml('deploy.yaml')\n")  # listed as skipped
    (root / "compose.yaml.j2").write_text("services: {}\n")  # a template: listed
    (root / "logrotate").mkdir()
    (root / "logrotate" / "app").write_text("/var/log/app/*.log { daily }\n")


def test_paths_only_for_files_discovery_keeps_or_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    built: list[str] = []

    def counting_path(*parts: Any) -> Path:
        path = Path(*parts)
        built.append(path.name)
        return path

    monkeypatch.setattr(discover_mod, "Path", counting_path)
    found = discover_mod.discover(tmp_path)
    assert [p.name for p in found.compose] == ["compose.yaml"]
    assert [p.name for p in found.nginx] == ["nginx.conf"]
    assert sorted(s.path for s in found.skipped) == ["Tiltfile", "compose.yaml.j2"]
    assert [p.name for p in found.logrotate] == ["app"]
    files = {n for n in built if n.startswith("module") or n == "README.md"}
    assert files == set()  # 41 files passed over without a Path
    assert len(built) <= 8  # the root, and the six files above


@pytest.mark.parametrize(
    "text",
    [
        "/srv/app/compose.yaml",
        "/srv/app/templates/deploy.yaml",
        "/srv/Templates/x.yml",
        "/srv/app/values-prod.yaml",
        "/srv/conf.d/default",
        "/srv/sites-enabled/site",
        "/srv/nginx/app.conf",
        "/srv/app/Dockerfile.prod",
        "/srv/app/.env.local",
        "/srv/app/main.tf",
        "/srv/app/notes.txt",
        "/srv/app/README",
        "/srv/app/logo.png",
        "/srv/app/run.sh",
        "/kustomization.yaml",
    ],
)
def test_text_candidate_is_the_path_candidate(text: str) -> None:
    assert by_path_text(text) is by_name(Path(text))
