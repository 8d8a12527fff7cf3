"""`.pre-commit-hooks.yaml` works in a real pre-commit run: pre-commit (from PyPI, a test
dependency) installs this repository into its own environment and runs the hook in a
throwaway git repository, as a user's `pre-commit run` does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")

CLEAN_COMPOSE = """\
services:
  web:
    image: nginx:1.27
    restart: unless-stopped
    logging:
      driver: json-file
      options: {max-size: 10m, max-file: "3"}
"""
BROKEN_COMPOSE = CLEAN_COMPOSE + "    privileged: true\n"


ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True)
    return done.stdout.decode()


def _hook_repository(root: Path) -> tuple[Path, str]:
    """This working tree as pre-commit will clone it (tracked and new files, committed),
    and the commit to pin: uncommitted edits are tested too."""
    hook = root / "hook"
    hook.mkdir()
    files = _git(REPO, "ls-files", "-co", "--exclude-standard", "-z").split("\0")
    for rel in filter(None, files):
        src = REPO / rel
        if src.is_file() and not src.is_symlink():
            (hook / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, hook / rel)
    _git(hook, "init", "-q")
    _git(hook, "add", ".")
    _git(hook, "commit", "-q", "-m", "snapshot")
    return hook, _git(hook, "rev-parse", "HEAD").strip()


def _sample_repository(root: Path, hook: Path, rev: str) -> Path:
    sample = root / "sample"
    sample.mkdir(parents=True)
    (sample / "docker-compose.yml").write_text(BROKEN_COMPOSE)
    (sample / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook}\n    rev: {rev}\n    hooks:\n      - id: infradoctor\n"
    )
    _git(sample, "init", "-q")
    _git(sample, "add", ".")
    return sample


def _run(sample: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files", "--color=never"],
        cwd=sample,
        env={**ENV, "PRE_COMMIT_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_hook_definitions_run_the_cli_on_the_whole_tree() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"infradoctor", "infradoctor-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False and hook["args"][-1] == "."
    assert hooks["infradoctor"]["entry"] == "infradoctor lint"
    assert hooks["infradoctor-fix"]["entry"] == "infradoctor fix"


def test_pre_commit_runs_the_hook_and_fails_on_an_error(tmp_path: Path) -> None:
    assert PRE_COMMIT.exists(), "pre-commit is a test dependency (pyproject [test])"
    assert shutil.which("git"), "git is needed by pre-commit"
    hook, rev = _hook_repository(tmp_path)
    sample = _sample_repository(tmp_path, hook, rev)
    home = tmp_path / "pre-commit-home"

    bad = _run(sample, home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "SEC002" in bad.stdout and "docker-compose.yml:8" in bad.stdout, bad.stdout

    (sample / "docker-compose.yml").write_text(CLEAN_COMPOSE)  # info findings pass
    _git(sample, "add", ".")
    good = _run(sample, home)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "infradoctor lint" in good.stdout and "Passed" in good.stdout
