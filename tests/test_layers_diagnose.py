"""Layering of the diagnose side (issue 8), checked on the source with `ast`:

- report/ (lint reporters) imports no diagnose module: redaction lives in the neutral
  infradoctor/redact.py both sides use;
- diagnose analyzers (diagnose/analyzers, diagnose/kube/analyzers.py) import no
  collectors: they read the bundle and the facts built from it, never the live host;
- no module-level mutable cache in diagnose: facts are built once per analysis and handed
  to the analyzers; memoised pure helpers use functools.lru_cache."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "infradoctor"
DIAGNOSE = SRC / "diagnose"


def _modules(root: Path) -> list[Path]:
    found = [root] if root.is_file() else sorted(root.rglob("*.py"))
    assert found, f"no modules under {root}"
    return found


def _rel(path: Path) -> str:
    return str(path.relative_to(SRC)) if path.is_relative_to(SRC) else path.name


def _imports(path: Path, package: str | None = None) -> Iterator[tuple[int, str]]:
    """Every module an import statement names (absolute; relative ones resolved)."""
    if package is None:
        package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def _violations(root: Path, forbidden: str, package: str | None = None) -> list[str]:
    return [
        f"{_rel(path)}:{line} imports {name}"
        for path in _modules(root)
        for line, name in _imports(path, package)
        if name == forbidden or name.startswith(forbidden + ".")
    ]


def test_report_imports_no_diagnose_module() -> None:
    assert _violations(SRC / "report", "infradoctor.diagnose") == []


def test_analyzers_import_no_collectors() -> None:
    for root in (DIAGNOSE / "analyzers", DIAGNOSE / "kube" / "analyzers.py"):
        assert _violations(root, "infradoctor.diagnose.collectors") == []
        assert _violations(root, "infradoctor.diagnose.kube.collect") == []


def test_the_checks_see_a_violation(tmp_path: Path) -> None:
    """The walker resolves `from x import y` and relative imports (the test can fail)."""
    bad = tmp_path / "probe.py"
    bad.write_text(
        "from ..collectors import docker\nfrom infradoctor.diagnose import collectors\n",
        encoding="utf-8",
    )
    package = "infradoctor.diagnose.analyzers"
    found = _violations(bad, "infradoctor.diagnose.collectors", package)
    assert [v.split(" imports ")[1] for v in found] == [
        "infradoctor.diagnose.collectors",
        "infradoctor.diagnose.collectors.docker",
        "infradoctor.diagnose.collectors",
    ]


_MUTABLE_CALLS = {
    "dict",
    "set",
    "list",
    "defaultdict",
    "OrderedDict",
    "Counter",
    "WeakValueDictionary",
}


def _is_mutable_container(value: ast.expr | None) -> bool:
    if isinstance(value, ast.Dict | ast.Set | ast.List) and not (
        getattr(value, "keys", None) or getattr(value, "elts", None)
    ):
        return True  # an empty literal is filled at run time
    if isinstance(value, ast.Call):
        func = value.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in _MUTABLE_CALLS and not value.args and not value.keywords
    return False


def _module_caches(path: Path) -> list[str]:
    out = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        else:
            continue
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        cache_named = any("CACHE" in n.upper() for n in names) and not isinstance(
            value, ast.Constant
        )
        if names and (cache_named or _is_mutable_container(value)):
            out.append(f"{_rel(path)}:{node.lineno} {names[0]}")
    return out


def test_no_module_level_mutable_cache_in_diagnose() -> None:
    found = [c for path in _modules(DIAGNOSE) for c in _module_caches(path)]
    assert found == []


def test_cache_check_sees_one(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("_CACHE: dict[int, str] = {}\nSEEN = set()\nOK = {'a': 1}\n", "utf-8")
    found = _module_caches(probe)
    assert [f.split()[-1] for f in found] == ["_CACHE", "SEEN"]
