"""One-way layers around the facts package (issue 8): rules read facts, never loaders;
fixes never import rules (each fix lives in its rule module and imports the fixes/
edit machinery; tests/fixes/test_fix_beside_rule.py checks that direction); facts import neither loaders nor rules; no import cycle among
facts/ and textio."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "infradoctor"


def _module_name(path: Path, src: Path = SRC) -> str:
    rel = path.relative_to(src.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, src: Path = SRC) -> list[tuple[str, int]]:
    """Absolute names of every module `path` imports (top level or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path, src).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            out.append((mod, node.lineno))
            # `from infradoctor.loaders import listen` imports the submodule
            out += [(f"{mod}.{alias.name}", node.lineno) for alias in node.names]
    return out


def _violations(layer: str, forbidden: tuple[str, ...], src: Path = SRC) -> list[str]:
    found: list[str] = []
    for path in sorted((src / layer).rglob("*.py")):
        for mod, line in _imports(path, src):
            if any(mod == f or mod.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(src.parent)}:{line}: imports {mod}")
    return found


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("rules", ("infradoctor.loaders",)),
        ("fixes", ("infradoctor.rules",)),
        ("facts", ("infradoctor.loaders", "infradoctor.rules", "infradoctor.fixes")),
    ],
)
def test_layer_does_not_import(layer: str, forbidden: tuple[str, ...]) -> None:
    assert _violations(layer, forbidden) == []


def test_fixes_use_only_the_neutral_reading_helpers() -> None:
    # Edit machinery reads and writes through infradoctor.textio, not the loaders.
    assert _violations("fixes", ("infradoctor.loaders",)) == []


def test_the_checker_sees_every_import_form(tmp_path: Path) -> None:
    # The walk must catch absolute, relative and function-level imports, or the tests
    # above prove nothing.
    rules = tmp_path / "infradoctor" / "rules" / "cross"
    rules.mkdir(parents=True)
    (rules / "XF999_bad.py").write_text(
        "import infradoctor.loaders.files\n"
        "from ...loaders import link\n"
        "def f():\n    from infradoctor.loaders.listen import mentions\n"
    )
    found = _violations("rules", ("infradoctor.loaders",), tmp_path / "infradoctor")
    assert [v.split(": imports ")[1] for v in found] == [
        "infradoctor.loaders.files",
        "infradoctor.loaders",
        "infradoctor.loaders.link",
        "infradoctor.loaders.listen",
        "infradoctor.loaders.listen.mentions",
    ]
    assert found[0].startswith("infradoctor/rules/cross/XF999_bad.py:1:")


def _owned_graph() -> dict[str, set[str]]:
    """Import edges among the modules of facts/ and textio (the ones this layer owns)."""
    files = [*sorted((SRC / "facts").rglob("*.py")), SRC / "textio.py"]
    names = {_module_name(p): p for p in files}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        graph[name] = {m for m, _ in _imports(path) if m in names and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle_among_facts_modules() -> None:
    graph = _owned_graph()
    assert "infradoctor.facts.listen" in graph  # the walk found the package
    assert _cycle(graph) is None


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
