"""The import graph of src/infradoctor has no cycles. Every import counts: module level,
inside functions, under TYPE_CHECKING, and `importlib.import_module` with a literal or an
f-string prefix (the rule registry loads its domain packages that way)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from tests.conftest import REPO

SRC = REPO / "src"
PACKAGE = "infradoctor"


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _string_tuples(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    """Module-level `NAME = ("a", "b", ...)` constants."""
    found: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple | ast.List):
            items = node.value.elts
            if all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in items):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = tuple(str(e.value) for e in items)  # type: ignore[attr-defined]
    return found


def _loop_values(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    """`for x in NAME` over a string-tuple constant: x -> its values."""
    constants = _string_tuples(tree)
    loops: dict[str, tuple[str, ...]] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Name)
            and isinstance(node.iter, ast.Name)
            and node.iter.id in constants
        ):
            loops[node.target.id] = constants[node.iter.id]
    return loops


def _dynamic_imports(node: ast.Call, loops: dict[str, tuple[str, ...]]) -> set[str]:
    """What an `importlib.import_module(...)` call may import: a literal name, an
    f-string over a loop constant (each value), or any other f-string (its prefix + "*")."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name != "import_module" or not node.args:
        return set()
    arg = node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return {arg.value}
    if not isinstance(arg, ast.JoinedStr) or not arg.values:
        return set()
    first = arg.values[0]
    if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
        return set()
    prefix = first.value
    rest = arg.values[1:]
    if (
        len(rest) == 1
        and isinstance(rest[0], ast.FormattedValue)
        and isinstance(rest[0].value, ast.Name)
        and rest[0].value.id in loops
    ):
        return {prefix + value for value in loops[rest[0].value.id]}
    return {prefix + "*"}


def _targets(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    loops = _loop_values(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_from(module, path.name == "__init__.py", node)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call):
            names.update(_dynamic_imports(node, loops))
    return names


@cache
def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        edges: set[str] = set()
        for name in _targets(module, path):
            if name.endswith("*"):  # f-string: every direct child of that package
                prefix = name[:-1]
                edges.update(
                    m for m in modules if m.startswith(prefix) and "." not in m[len(prefix) :]
                )
            elif name in modules:
                edges.add(name)
        edges.discard(module)
        graph[module] = edges
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def _describe(cycle: list[str], graph: dict[str, set[str]]) -> str:
    members = set(cycle)
    edges = [f"{a} -> {b}" for a in cycle for b in sorted(graph[a] & members)]
    return "cycle: " + "; ".join(edges)


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert len(graph) > 100  # the scan found the package
    cycles = find_cycles(graph)
    assert not cycles, "\n".join(_describe(c, graph) for c in cycles)


def test_the_checker_sees_function_level_and_dynamic_imports() -> None:
    graph = import_graph()
    # function-level: the engine imports the loaders inside lint()
    assert "infradoctor.loaders" in graph["infradoctor.engine"]
    # importlib with an f-string over DOMAINS: the registry loads each rule domain
    assert "infradoctor.rules.nginx" in graph["infradoctor.rules.registry"]
    assert "infradoctor.rules.meta" not in graph["infradoctor.rules.registry"]


def test_the_checker_reads_dynamic_imports() -> None:
    tree = ast.parse(
        'import importlib\nDOMAINS = ("a", "b")\n'
        'for d in DOMAINS:\n    importlib.import_module(f"pkg.{d}")\n'
        'importlib.import_module(f"other.{x}")\nimportlib.import_module("lit.mod")\n'
    )
    loops = _loop_values(tree)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    found = set().union(*(_dynamic_imports(c, loops) for c in calls))
    assert found == {"pkg.a", "pkg.b", "other.*", "lit.mod"}


def test_the_checker_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert find_cycles(graph) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
