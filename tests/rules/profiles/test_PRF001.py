"""PRF001 env-file-missing: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import json

import pytest

from infradoctor.cli.main import main
from tests.rules.profiles.test_profiles import PROFILES, _lint


def test_profile_option_restricts(capsys: pytest.CaptureFixture[str]) -> None:
    dev = _lint(PROFILES, ["PRF"], profiles=["dev"])
    assert not [f for f in dev if f.profile in ("prod", "stage")]
    prod = _lint(PROFILES, ["PRF"], profiles=["prod"])
    assert {f.rule for f in prod if f.profile == "prod"} >= {"PRF001", "PRF005", "PRF008"}
    assert not [f for f in prod if f.profile == "stage"]
    assert main(["lint", str(PROFILES), "--select", "PRF", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {f["profile"] for f in data["findings"]} == {None, "prod", "stage"}


def test_missing_env_file_that_git_ignores_is_not_reported(tree) -> None:
    root = tree(
        {
            "compose.yaml": (
                "services:\n  api:\n    image: ghcr.io/acme/api:1.0\n    env_file: .env.prod\n"
            ),
            ".env.dev": "A=1\n",
            ".gitignore": ".env.prod\n",
        }
    )
    assert _lint(root, ["PRF001"]) == []
    (root / ".gitignore").write_text("node_modules/\n")
    assert [f.rule for f in _lint(root, ["PRF001"])] == ["PRF001"]


def test_gitignore_negation_and_nested_files_decide_like_git(tree) -> None:  # type: ignore[no-untyped-def]
    """`.env*` then `!.env.prod` keeps the prod file tracked: its absence is a problem
    again; a deeper .gitignore decides over a shallower one, as in git."""
    root = tree(
        {
            "app/compose.yaml": (
                "services:\n  api:\n    image: ghcr.io/acme/api:1.0\n    env_file: .env.prod\n"
            ),
            "app/.env.dev": "A=1\n",
            ".gitignore": ".env*\n",
        }
    )
    assert _lint(root, ["PRF001"]) == []
    (root / "app" / ".gitignore").write_text("!.env.prod\n")
    assert [f.rule for f in _lint(root, ["PRF001"])] == ["PRF001"]
