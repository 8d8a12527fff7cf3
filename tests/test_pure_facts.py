"""Facts and rules are pure functions of the model (issue 8): every file read, directory
listing or existence check happens at load (loaders/) and lands in the model, so no
module under rules/ or facts/ touches the filesystem. An AST scan finds any call that
would, and fails naming file:line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "infradoctor"

# Path / file-object methods that read, list, probe or write the filesystem.
FS_METHODS = frozenset(
    {
        "open",
        "read_text",
        "read_bytes",
        "write_text",
        "write_bytes",
        "exists",
        "is_file",
        "is_dir",
        "is_symlink",
        "is_mount",
        "stat",
        "lstat",
        "iterdir",
        "glob",
        "rglob",
        "resolve",
        "samefile",
        "readlink",
        "mkdir",
        "touch",
        "unlink",
        "rmdir",
        "rename",
        "replace_file",
        "chmod",
        "expanduser",
        "absolute",
        "cwd",
        "home",
        "get_data",  # pkgutil.get_data: package data read from disk
    }
)
# Functions of the os module that touch the filesystem (os.path is flagged as a whole:
# posixpath / PurePosixPath do the string work without the temptation).
OS_FUNCTIONS = frozenset(
    {"scandir", "listdir", "walk", "stat", "lstat", "access", "readlink", "open", "getcwd"}
)
# infradoctor functions that read files (a call through an import alias is caught by the
# import rule below).
FS_FUNCTIONS = frozenset({"read_regular", "find_config", "load_config", "load_config_file"})
# Modules whose import means reading files.
FS_MODULES = frozenset(
    {"infradoctor.textio", "importlib.resources", "pkgutil", "glob", "shutil", "io"}
)
# Unavoidable exceptions, with why. Keep this empty unless there is no other way.
ALLOWED: dict[str, str] = {}


def _attr_chain(node: ast.expr) -> list[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return parts[::-1]


def fs_touches(source: str, filename: str = "<src>") -> list[tuple[int, str]]:
    """(line, what) for every filesystem access the AST of `source` shows."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "open":
                found.append((node.lineno, "open()"))
            elif isinstance(func, ast.Name) and func.id in FS_FUNCTIONS:
                found.append((node.lineno, f"{func.id}()"))
            elif isinstance(func, ast.Attribute):
                chain = _attr_chain(func)
                if chain[:1] == ["os"] and len(chain) == 2 and chain[1] in OS_FUNCTIONS:
                    found.append((node.lineno, ".".join(chain) + "()"))
                elif func.attr in FS_METHODS and chain[:1] != ["os"]:
                    found.append((node.lineno, f".{func.attr}()"))
        elif isinstance(node, ast.Attribute) and _attr_chain(node)[:2] == ["os", "path"]:
            found.append((node.lineno, "os.path"))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if a.name in FS_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module in FS_MODULES:
            found.append((node.lineno, f"from {node.module} import"))
        elif isinstance(node, ast.ImportFrom) and any(a.name in FS_FUNCTIONS for a in node.names):
            found.append((node.lineno, f"from {node.module} import a file reader"))
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and node.level == 0:
            found += [
                (node.lineno, f"from os import {a.name}")
                for a in node.names
                if a.name == "path" or a.name in OS_FUNCTIONS
            ]
    return sorted(set(found))


def _modules() -> list[Path]:
    return sorted(p for layer in ("rules", "facts") for p in (SRC / layer).rglob("*.py"))


def test_rules_and_facts_never_touch_the_filesystem() -> None:
    problems: list[str] = []
    for path in _modules():
        rel = path.relative_to(SRC).as_posix()
        if rel in ALLOWED:
            continue
        for line, what in fs_touches(path.read_text(encoding="utf-8"), str(path)):
            problems.append(f"src/infradoctor/{rel}:{line}: {what}")
    assert problems == [], "read it at load into the model instead:\n" + "\n".join(problems)


def test_allow_list_is_current() -> None:
    """Every allowed module exists and still needs its exception."""
    for rel in ALLOWED:
        path = SRC / rel
        assert path.is_file(), rel
        assert fs_touches(path.read_text(encoding="utf-8")), f"{rel} no longer needs ALLOWED"


@pytest.mark.parametrize(
    "source",
    [
        "open('x')",
        "from pathlib import Path\nPath('x').read_text()",
        "p.exists()",
        "p.parent.is_file()",
        "root.resolve()",
        "list(d.iterdir())",
        "any(ctx.glob('*.py'))",
        "import os\nos.scandir('.')",
        "import os\nos.path.normpath('a/../b')",
        "from os import path",
        "from infradoctor.textio import read_regular",
        "from importlib.resources import files",
        "from infradoctor.config import find_config",
        "found = find_config(root)",
    ],
)
def test_the_scan_sees(source: str) -> None:
    assert fs_touches(source), source


@pytest.mark.parametrize(
    "source",
    [
        "import posixpath\nposixpath.dirname('a/b')",
        "from pathlib import PurePosixPath\nPurePosixPath('a/b').parent.name",
        "d.get('exists')",
        "text.replace('a', 'b')",
        "import os\nos.environ.get('HOME')",
    ],
)
def test_the_scan_ignores_pure_code(source: str) -> None:
    assert fs_touches(source) == [], source
