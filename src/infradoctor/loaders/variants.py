"""How a variant compose file (docker-compose.prod.yml next to docker-compose.yml) is run:
on top of the base (`-f docker-compose.yml -f docker-compose.prod.yml`) or on its own
(`-f docker-compose.prod.yml`). Compose merges only the standard override file by itself;
a variant is linted the way the project runs it, read from the project's own files:

1. `-f` lists in a Makefile, README, shell script, CI workflow, or COMPOSE_FILE in `.env`
   naming the variant: with a base file, layered; without one, standalone; both readings
   when the project does both (a fix must then hold under each);
2. else a variant that stands up by itself (every service has an image, a build or
   `extends`, and depends only on services it defines) is standalone;
3. else (an overlay of fragments) it is layered on the base.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

from infradoctor import parsecache
from infradoctor.lazyre import lazy
from infradoctor.syntax.yaml import PNode
from infradoctor.textio import Refusal, read_regular

HINT_NAMES = ("Makefile", "makefile", "GNUmakefile", "justfile", "Justfile", ".env")
HINT_GLOBS = ("README*", "*.sh", "*.mk", ".github/workflows/*.yml", ".github/workflows/*.yaml")
HINT_LIMIT = 256 * 1024
_F_RE = lazy(r"(?:^|\s)(?:-f|--file)(?:\s+|=)[\"']?([^\s\"';|&)]+)")
_COMPOSE_FILE_RE = lazy(r"^\s*(?:export\s+)?COMPOSE_FILE\s*=\s*[\"']?([^\s\"'#]+)", re.M)


def _hint_files(root: Path, directory: Path, listed: dict[Path, list[Path]]) -> list[Path]:
    found: list[Path] = []
    for where in dict.fromkeys((directory, root)):
        if where not in listed:  # the root serves every directory: listed once
            listed[where] = _hint_files_in(where)
        found.extend(listed[where])
    return found


def _hint_files_in(where: Path) -> list[Path]:
    """The hint files `where` may hold (globbed once per `fix --diff`: parsecache)."""
    return list(parsecache.on_disk("hints", where, partial(_hint_files_now, where)))


def _hint_files_now(where: Path) -> list[Path]:
    found = [where / n for n in HINT_NAMES]
    for pattern in HINT_GLOBS:
        found.extend(sorted(where.glob(pattern))[:50])
    return found


def _lists_in(text: str) -> list[list[str]]:
    """File lists of `docker compose -f a -f b` lines and `COMPOSE_FILE=a:b` settings, as
    lower-cased base names."""
    lists: list[list[str]] = []
    for line in text.splitlines():
        if "compose" not in line:
            continue
        names = [Path(m).name.lower() for m in _F_RE.findall(line)]
        if names:
            lists.append(names)
    for value in _COMPOSE_FILE_RE.findall(text):
        lists.append([Path(p).name.lower() for p in re.split(r"[:;]", value) if p])
    return lists


def compose_file_lists(
    root: Path,
    directory: Path,
    seen: dict[Path, list[list[str]]] | None = None,
    listed: dict[Path, list[Path]] | None = None,
) -> list[list[str]]:
    """Every compose file list the project's Makefile, README, scripts, CI or `.env`
    passes to compose (base names, lower case). `seen` caches each hint file's lists
    and `listed` each directory's hint files (the root's serve every directory)."""
    seen = {} if seen is None else seen
    lists: list[list[str]] = []
    for path in _hint_files(root, directory, {} if listed is None else listed):
        if path not in seen:  # read once per `fix --diff` (parsecache.on_disk)
            seen[path] = list(parsecache.on_disk("hint", (path, root), partial(_read, path, root)))
        lists.extend(seen[path])
    return lists


def _read(path: Path, root: Path) -> list[list[str]]:
    """The compose file lists a hint file names ([] when absent or refused)."""
    data = read_regular(path, HINT_LIMIT, root)
    return _lists_in("" if isinstance(data, Refusal) else data.decode("utf-8", "replace"))


def stands_alone(root: PNode | None) -> bool:
    """Every service has an image, a build or `extends`, and depends only on services of
    this file: the file runs by itself."""
    services = root.get("services") if root is not None and root.kind == "mapping" else None
    if services is None or services.kind != "mapping" or not len(services):
        return False
    names = {str(k) for k in services.keys()}
    for _, svc in services.pairs():
        if svc is None or svc.kind != "mapping":
            return False
        if not any(k in svc for k in ("image", "build", "extends")):
            return False
        deps = svc.get("depends_on")
        if deps is None:
            continue
        targets = deps.keys() if deps.kind == "mapping" else [i.value for i in deps.items]
        if any(str(t) not in names for t in targets):
            return False
    return True


def readings(
    variant: str, base: str, lists: list[list[str]], root: PNode | None
) -> tuple[bool, ...]:
    """How `variant` (a file name) is run: True on top of `base`, False standalone; both
    when the project's own files run it both ways (see the module docstring)."""
    variant, base = variant.lower(), base.lower()
    named = [base in names for names in lists if variant in names]
    if named:
        return tuple(sorted(set(named), reverse=True))
    return (not stands_alone(root),)
