"""A `lint --format json` imports neither pathspec (only once a .gitignore exists),
nor tomllib/pkgutil (the image table is a generated module, a config file is absent),
nor hashlib (fingerprints use the builtin SHA-256): counted in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from infradoctor.loaders.envfiles import gitignored
from infradoctor.sha import sha256

LAZY = ("pathspec", "tomllib", "pkgutil", "hashlib", "_hashlib")

PROBE = """
import contextlib, io, json, sys
from infradoctor.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["lint", sys.argv[1], "--format", "json"])
print(json.dumps({"code": code, "output": out.getvalue(), "modules": sorted(sys.modules)}))
"""

COMPOSE = """services:
  web:
    image: nginx:latest
    ports: ['80:80']
    env_file: [missing.env]
"""


def _probe(root: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(root)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _loaded(probe: dict[str, object], names: tuple[str, ...]) -> list[str]:
    modules = probe["modules"]
    assert isinstance(modules, list)
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_json_lint_leaves_the_lazy_modules_alone(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    probe = _probe(tmp_path)
    report = json.loads(str(probe["output"]))
    assert probe["code"] == 1 and "SEC009" in str(probe["output"])  # the lint really ran
    assert report["findings"] and all(f["fingerprint"] for f in report["findings"])
    assert _loaded(probe, LAZY) == []


def test_a_gitignore_still_loads_pathspec_and_decides(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    (tmp_path / ".gitignore").write_text("*.env\n", encoding="utf-8")
    assert gitignored(tmp_path, tmp_path / "missing.env")
    assert not gitignored(tmp_path, tmp_path / "compose.yaml")
    loaded = _loaded(_probe(tmp_path), LAZY)
    assert "pathspec" in loaded and all(m.startswith("pathspec") for m in loaded)


def test_builtin_sha256_gives_hashlibs_digests() -> None:
    import hashlib

    for data in (b"", b"abc", bytes(range(256)) * 300):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    h = sha256()
    h.update(b"a")
    h.update(b"\0")
    assert h.hexdigest() == hashlib.sha256(b"a\0").hexdigest()
