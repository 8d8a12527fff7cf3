"""Speed work on redaction must not change what it masks: the current module redacts every
corpus file (whole and line by line) and generated hostile text exactly as recorded in
tests/data/redact_oracle.json (digests of the outputs of the module of commit BASE, the
one before the session-18 pre-tests). No git history is needed to run it.

When redaction is meant to change: review the texts that change against the previous
commit (`python -m tests.test_redact_equivalence --diff REV`), then record the new
outputs (`python -m tests.test_redact_equivalence --update`)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from infradoctor import redact
from tests.conftest import require_corpus
from tests.test_redact_gate import FRAGMENTS as GATE_FRAGMENTS

BASE = "1020a9561a30801df8b452b37a888ae48630f264"  # the oracle's commit
ROOT = Path(__file__).resolve().parent.parent
ORACLE = ROOT / "tests" / "data" / "redact_oracle.json"

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


def _module_at(rev: str) -> ModuleType:
    """redact.py as of `rev` (git history needed: only for --diff), as `redact_base`."""
    try:
        source = subprocess.run(
            ["git", "show", f"{rev}:src/infradoctor/redact.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit(f"redact.py of {rev} not available: {e}") from None
    spec = importlib.util.spec_from_loader("redact_base", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["redact_base"] = module  # dataclasses look their module up
    try:
        exec(compile(source, f"{rev}:redact.py", "exec"), module.__dict__)
    finally:
        del sys.modules["redact_base"]
    return module


def _generated(count: int, seed: int, fragments: tuple[str, ...] = FRAGMENTS) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(fragments) for _ in range(rng.randint(1, 12))) for _ in range(count)]


def _corpus_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(require_corpus().rglob("*")):
        if path.is_file() and path.stat().st_size < 200_000:
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            texts.append(text)
            texts.extend(text.split("\n"))
    return texts


def _groups() -> dict[str, list[str]]:
    """The recorded text sets, by name (deterministic: fixed seeds, the fixed corpus)."""
    commands = _generated(8000, 18)
    return {
        "commands": commands,
        "mixed": _generated(8000, 19, FRAGMENTS + GATE_FRAGMENTS + ("\u0130", "\u212aey=x ")),
        "corpus": _corpus_texts(),
        "argv": [" ".join(a) for a in (t.split(" ") for t in commands[:2000])],
    }


def _outputs(module: ModuleType, name: str, texts: list[str]) -> list[str]:
    if name == "argv":
        return [" ".join(module.redact_argv(t.split(" "))) for t in texts]
    return [module._redact(t) for t in texts]


def _record(module: ModuleType, name: str, texts: list[str]) -> dict[str, object]:
    """Count, masked count and one digest of every output of `name`'s texts."""
    outs = _outputs(module, name, texts)
    digest = hashlib.sha256("\0\0".join(outs).encode("utf-8", "surrogatepass")).hexdigest()
    return {
        "texts": len(texts),
        "masked": sum(o != t for o, t in zip(outs, texts, strict=True)),
        "sha256": digest,
    }


@pytest.mark.parametrize("name", ["commands", "mixed", "corpus", "argv"])
def test_redaction_matches_the_oracle(name: str) -> None:
    expected = json.loads(ORACLE.read_text())[name]
    texts = _groups()[name]
    assert _record(redact, name, texts) == expected, (
        f"redaction of the {name!r} texts changed; see which with "
        "`python -m tests.test_redact_equivalence --diff <previous commit>`"
    )


def test_the_oracle_covers_real_masks() -> None:
    oracle = json.loads(ORACLE.read_text())
    assert oracle["corpus"]["texts"] > 50_000
    assert oracle["commands"]["masked"] > 2000  # the generator reaches the command scanner
    assert oracle["mixed"]["masked"] > 2000


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


def _main(argv: list[str]) -> None:
    groups = _groups()
    if argv[:1] == ["--update"]:
        data = {name: _record(redact, name, texts) for name, texts in groups.items()}
        ORACLE.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        print(f"wrote {ORACLE}")
    elif argv[:1] == ["--diff"] and len(argv) == 2:
        old = _module_at(argv[1])
        for name, texts in groups.items():
            pairs = zip(
                texts, _outputs(redact, name, texts), _outputs(old, name, texts), strict=True
            )
            for text, new, was in pairs:
                if new != was:
                    print(f"{name}: {text!r}\n  was {was!r}\n  now {new!r}")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    _main(sys.argv[1:])
