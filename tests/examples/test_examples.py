"""The bundled example stacks produce exactly their documented findings.

`<name>.expected` holds one `CODE file:line` per finding (regenerate with
`python tests/examples/test_examples.py --update` after reviewing the diff), and every
rule code named in the example's README table must be among them."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parents[1] / "examples"
# Stacks with a test module of their own (test_<name>.py: with and without helm).
OWN_TEST = {
    p.name for p in EXAMPLES.iterdir() if (HERE / f"test_{p.name.replace('-', '_')}.py").exists()
}
NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and p.name not in OWN_TEST)


def actual(name: str) -> list[str]:
    result = lint(EXAMPLES / name, LintConfig())
    assert not result.errors, result.errors
    return sorted(f"{f.rule} {f.location.file}:{f.location.line}" for f in result.findings)


def readme_codes(name: str) -> set[str]:
    text = (EXAMPLES / name / "README.md").read_text()
    codes: set[str] = set()
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            last = line.strip().strip("|").split("|")[-1]
            codes.update(re.findall(r"\b[A-Z]{2,3}\d{3}\b", last))
    return codes


@pytest.mark.parametrize("name", NAMES)
def test_example_findings_exact(name: str) -> None:
    expected = (HERE / f"{name}.expected").read_text().split("\n")
    assert actual(name) == [e for e in expected if e]


@pytest.mark.parametrize("name", NAMES)
def test_example_readme_rules_fire(name: str) -> None:
    fired = {line.split()[0] for line in actual(name)}
    missing = readme_codes(name) - fired
    assert not missing, f"README of {name} documents rules that did not fire: {missing}"


if __name__ == "__main__" and "--update" in sys.argv:
    for n in NAMES:
        (HERE / f"{n}.expected").write_text("\n".join(actual(n)) + "\n")
        print(f"wrote {n}.expected")
