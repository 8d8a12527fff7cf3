"""Speed work on redaction must not change what it masks: the current module redacts every
corpus file (whole and line by line) and generated hostile text exactly as the module of
commit BASE did (loaded from git under another name)."""

from __future__ import annotations

import importlib.util
import os
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from infradoctor import redact
from tests.conftest import require_corpus
from tests.test_redact_gate import FRAGMENTS as GATE_FRAGMENTS

BASE = "1020a9561a30801df8b452b37a888ae48630f264"  # the commit before the command-scan pre-test
ROOT = Path(__file__).resolve().parent.parent

# command lines, flags, quotes and secrets: glued at random
FRAGMENTS = (
    "mysql ",
    "mariadb-dump ",
    "mariabackup ",
    "mongosh ",
    "sshpass ",
    "redis-cli ",
    "curl ",
    "htpasswd ",
    "docker ",
    "login ",
    "/usr/bin/",
    "-p",
    "-P",
    "-pS3cret",
    "-p3306",
    "-u",
    "-U",
    "-uroot:pw",
    "--user",
    "--user=a:b",
    "--proxy-user ",
    "-a",
    "-a ",
    "-b",
    "-bn",
    "-c ",
    "--password",
    "--password=",
    "--db-pass=",
    "-storepass ",
    "--no-password ",
    "--api-key ",
    "--token-file ",
    "-x",
    "=",
    "$PW",
    "[REDACTED]",
    "hunter2",
    "user:pw",
    "8080:80",
    " ",
    "  ",
    "\n",
    " \\\n",
    ",\n",
    "[",
    "- ",
    "\n  - ",
    "'",
    '"',
    "&& ",
    "|| ",
    "; ",
    "| ",
    "(",
    ")",
    "`",
    "\u212a",  # Kelvin sign: lower-cases to `k`
    "\u017f",  # long s: matches `s` case-insensitively
    "x" * 300,
    "PASSWORD=",
    "token: ",
    "Authorization: Bearer abcdefgh1234",
    "postgres://u:p@db/x",
    "https://ghp_0123456789abcdefghijklmnopqrstuvwxyz@github.com",
)


def _base() -> ModuleType:
    """redact.py as of BASE, imported as `redact_base`."""
    try:
        source = subprocess.run(
            ["git", "show", f"{BASE}:src/infradoctor/redact.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as e:  # a checkout without history
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"commit {BASE} not available in CI (a shallow clone?): {e}")
        pytest.skip(f"commit {BASE} not available: {e}")
    spec = importlib.util.spec_from_loader("redact_base", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["redact_base"] = module  # dataclasses look their module up
    try:
        exec(compile(source, f"{BASE}:redact.py", "exec"), module.__dict__)
    finally:
        del sys.modules["redact_base"]
    return module


def _generated(count: int, seed: int, fragments: tuple[str, ...] = FRAGMENTS) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(fragments) for _ in range(rng.randint(1, 12))) for _ in range(count)]


def _differences(base: ModuleType, texts: list[str]) -> list[str]:
    return [t for t in texts if redact._redact(t) != base._redact(t)]


def test_generated_command_lines_redact_as_before() -> None:
    base = _base()
    texts = _generated(8000, 18)
    assert _differences(base, texts) == []
    masked = sum(base._redact(t) != t for t in texts)
    assert masked > 2000  # the generator reaches the command scanner's masks
    argvs = [t.split(" ") for t in texts[:2000]]
    assert [a for a in argvs if redact.redact_argv(a) != base.redact_argv(a)] == []


def test_generated_mixed_text_redacts_as_before() -> None:
    base = _base()
    texts = _generated(8000, 19, FRAGMENTS + GATE_FRAGMENTS + ("\u0130", "\u212aey=x "))
    assert _differences(base, texts) == []
    assert sum(base._redact(t) != t for t in texts) > 2000


def test_corpus_files_and_lines_redact_as_before() -> None:
    base = _base()
    texts: list[str] = []
    for path in sorted(require_corpus().rglob("*")):
        if path.is_file() and path.stat().st_size < 200_000:
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            texts.append(text)
            texts.extend(text.split("\n"))
    assert len(texts) > 50_000
    assert _differences(base, texts) == []


def test_plain_flags_skip_the_command_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    scan = redact._scan_command
    monkeypatch.setattr(
        redact,
        "_scan_command",
        lambda *a: calls.append(1) or scan(*a),  # type: ignore[func-returns-value]
    )
    healthcheck = 'test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:80/"]'
    assert redact._redact(healthcheck) == healthcheck
    assert calls == []  # no flag that takes a password: nothing to scan
    assert redact._redact("curl -u admin:s3cret http://x/") == "curl -u admin:[REDACTED] http://x/"
    assert calls == [1]


def test_name_hint_words_are_minimal_triggers() -> None:
    # `_may_name` reads `_NAME_HINT` off the trigger words found: exact only while each
    # of its words is a minimal trigger word
    words = set(redact._NAME_HINT.pattern.split("|"))
    assert words <= redact._MIN_TRIGGERS
    assert redact._NEEDS["name"] == words
    found = redact._trigger_words("x-tokenv pass@key")
    assert found == {"token", "env", "pass", "@", "key"}  # overlapping words too
