"""No dead module-level functions in src/infradoctor: each is named somewhere besides its
own `def` (in src or, for tested helpers, in tests). Conservative by design: any other
occurrence of the name counts as a use, so this only catches functions nothing names."""

from __future__ import annotations

import ast
import re
from collections import Counter

from tests.conftest import REPO

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Dead functions tolerated for now (none: delete a dead function rather than list it).
KNOWN: set[tuple[str, str]] = set()


def _unreferenced() -> set[tuple[str, str]]:
    package = REPO / "src" / "infradoctor"
    sources = {path: path.read_text(encoding="utf-8") for path in package.rglob("*.py")}
    in_src = Counter(WORD.findall("\n".join(sources.values())))
    tests = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (REPO / "tests").rglob("*.py")
        if p.name != "test_dead_code.py"  # KNOWN below names them
    )
    in_tests = set(WORD.findall(tests))
    found: set[tuple[str, str]] = set()
    for path, text in sources.items():
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if in_src[node.name] <= 1 and node.name not in in_tests:
                    found.add((path.relative_to(package).as_posix(), node.name))
    return found


def test_no_unreferenced_functions() -> None:
    dead = _unreferenced()
    assert dead <= KNOWN, f"functions nothing names (delete them): {sorted(dead - KNOWN)}"
    assert KNOWN <= dead, f"listed as dead but used or gone (unlist them): {sorted(KNOWN - dead)}"
