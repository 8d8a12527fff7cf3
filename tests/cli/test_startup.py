"""Startup stays light: `--version` and registering the lint/rules subcommands import
neither rich, yaml nor the rule catalogue."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
{body}
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'yaml', 'jsonschema')
               or m.startswith(('infradoctor.rules', 'infradoctor.engine',
                                'infradoctor.loaders', 'infradoctor.report.')))
print(json.dumps(heavy))
"""


def _heavy_modules(body: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(body=body)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_version_imports_nothing_heavy() -> None:
    body = "from infradoctor.cli.main import main\nassert main(['--version']) == 0"
    assert _heavy_modules(body) == []


def test_lint_and_rules_registration_imports_nothing_heavy() -> None:
    body = (
        "import argparse\n"
        "from infradoctor.cli import lint, rules\n"
        "sub = argparse.ArgumentParser().add_subparsers()\n"
        "lint.register(sub); rules.register(sub)"
    )
    assert _heavy_modules(body) == []


def test_version_output() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "infradoctor", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.startswith("infradoctor ")
