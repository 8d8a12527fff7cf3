"""Reading each compose project's dotenv files into the model (Project.env_files), and
what the disk says about the env files it names (Project.dotenv_names,
Service.env_file_refs): rules read these and never the disk."""

from __future__ import annotations

import os
import posixpath
from functools import partial
from pathlib import Path, PurePosixPath

from infradoctor import parsecache
from infradoctor.facts.env import SAMPLE_NAMES
from infradoctor.loaders.interpolate import parse_env_file
from infradoctor.model.source import SourceFile
from infradoctor.model.stack import EnvFile, EnvFileRef, Project, Service, Stack
from infradoctor.textio import Refusal, read_regular

MAX_ENV_BYTES = 1024 * 1024


def _candidates(
    stack: Stack, project: Project, entries: list[os.DirEntry[str]] | None
) -> list[str]:
    """`.env`, the samples, `.env.<profile>`/`<profile>.env` for every profile named by a
    service or on the command line, and every `.env.*` file in the directory (only names
    the directory holds are read: one listing instead of a failed open per name).
    `entries`: the project directory's listing (None: it cannot be listed)."""
    names = [".env", *SAMPLE_NAMES]
    profiles = [p for svc in project.services.values() for p in svc.profiles]
    for p in (*profiles, *stack.profiles):
        names += [f".env.{p}", f"{p}.env"]
    if entries is None:
        return list(dict.fromkeys(names))  # unlistable: try each name
    present = {e.name for e in entries}
    names += sorted(n for n in present if n.startswith(".env."))
    # a name with a slash (a profile given as `a/b`) is not in the listing: keep it
    return [n for n in dict.fromkeys(names) if n in present or "/" in n]


def _read(stack: Stack, rel: str) -> EnvFile | None:
    """One dotenv file: the loaded text when the tree's files hold it, else read from disk
    under the reading policy (docs/reading.md). None when absent or refused."""
    src = stack.files.get(rel)
    text: str | None = src.text if isinstance(src, SourceFile) and src.text else None
    if text is None:
        text = parsecache.on_disk("env", (stack.root, rel), lambda: _disk_text(stack.root, rel))
        if text is None:
            return None
    parsed = parse_env_file(text, {})
    return EnvFile(rel, dict(parsed.values), dict(parsed.lines))


def _disk_text(root: Path, rel: str) -> str | None:
    """A dotenv file no loader read, from disk under the reading policy (None: refused)."""
    data = read_regular(root / rel, MAX_ENV_BYTES, root)
    return None if isinstance(data, Refusal) else data.decode("utf-8", "replace")


def read_env_files(stack: Stack) -> None:
    """Fill `Project.env_files` and `dotenv_names`, and each service's `env_file_refs`."""
    for project in stack.projects:
        directory = stack.root / project.directory
        # one listing per project directory (per `fix --diff`: parsecache.on_disk)
        entries, names = parsecache.on_disk("env-dir", directory, partial(_listed, directory))
        project.dotenv_names = list(names)
        for svc in project.services.values():
            svc.env_file_refs = env_file_refs(stack, svc)
        for name in _candidates(stack, project, entries):
            rel = (PurePosixPath(project.directory) / name).as_posix().removeprefix("./")
            found = _read(stack, rel)
            if found is not None:
                project.env_files[name] = found


def _listed(directory: Path) -> tuple[list[os.DirEntry[str]] | None, list[str]]:
    """The directory's entries and its regular `.env.*` files (see `_dotenv_names`)."""
    entries = _listing(directory)
    return entries, _dotenv_names(directory, entries)


def _listing(directory: Path) -> list[os.DirEntry[str]] | None:
    """The entries of `directory`, None when it cannot be listed."""
    try:
        with os.scandir(directory) as it:
            return list(it)
    except (OSError, ValueError):
        return None


def _dotenv_names(directory: Path, entries: list[os.DirEntry[str]] | None) -> list[str]:
    """The regular `.env.*` files in `directory` (symlinks followed), sorted ([] when it
    cannot be listed or one of them cannot be looked at)."""
    if entries is None:
        return []
    names: list[str] = []
    try:
        for e in entries:
            if not e.name.startswith(".env."):
                continue
            if e.is_symlink():
                regular = (directory / e.name).is_file()
            else:  # the listing's entry type: no stat
                regular = e.is_file(follow_symlinks=False)
            if regular:
                names.append(e.name)
    except (OSError, ValueError):
        return []
    return sorted(names)


# ------------------------------------------------------------- env_file references

ENV_SAMPLE_SUFFIXES = (".example", ".sample", ".dist", ".template")


def env_file_refs(stack: Stack, svc: Service) -> list[EnvFileRef]:
    """The service's required, literal `env_file` paths and whether each exists (and if
    not, what explains it): read here so that PRF001 never touches the disk."""
    raw = svc.raw.get("env_file")
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    refs: list[EnvFileRef] = []
    for item in items:
        required = True
        path_text = item
        if isinstance(item, dict):
            path_text = item.get("path")
            required = item.get("required", True) not in (False, "false", "False")
        if not isinstance(path_text, str) or not path_text or not required:
            continue
        if "$" in path_text:
            continue  # interpolated: depends on the environment
        # root / the compose file's directory / path_text, as text (one Path at the end)
        base = os.path.join(str(stack.root), posixpath.dirname(svc.location.file))
        path = Path(os.path.normpath(os.path.join(base, path_text)))
        if parsecache.on_disk("exists", path, partial(_exists, path)):
            refs.append(EnvFileRef(path_text, True))
        else:
            refs.append(EnvFileRef(path_text, False, _absent_because(stack, path)))
    return refs


def _absent_because(stack: Stack, path: Path) -> str | None:
    """Why a missing env file is expected: a sample beside it (the documented 'copy the
    sample' step), a .gitignore keeping it out of git, or a directory that keeps no env
    files at all. None: nothing explains it."""
    if any(_is_file(path.parent / s) for s in SAMPLE_NAMES) or any(
        _is_file(path.parent / f"{path.name}{suffix}") for suffix in ENV_SAMPLE_SUFFIXES
    ):
        return "sample"
    if gitignored(stack.root, path):
        return "gitignored"
    if not _keeps_env_files(path.parent):
        return "no-env-files"
    return None


def _exists(path: Path) -> bool:
    """Whether something is at `path`; a name the OS cannot even look up (too long,
    NUL byte) is nothing there, never an exception."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _keeps_env_files(directory: Path) -> bool:
    """Does the directory hold real (non-sample) env files? Then the tree keeps its env
    files and a missing one is a mistake, not a secret created on the host."""
    try:
        if not directory.is_dir():
            return False
    except (OSError, ValueError):
        return False
    samples = (".example", ".sample", ".dist", ".template", "-sample", "-example")
    try:
        names = [p.name for p in directory.iterdir() if p.is_file()]
    except OSError:
        return False
    return any(
        (n == ".env" or n.startswith(".env.") or n.endswith(".env"))
        and not n.endswith(samples)
        and n not in SAMPLE_NAMES
        for n in names
    )


def gitignored(root: Path, path: Path) -> bool:
    """Is `path` ignored by the .gitignore files between the scan root and its directory?
    Matched by pathspec's git-compatible rules, as discovery matches them (negation,
    anchoring, directory patterns); a deeper file's decision wins."""
    root = root.resolve()
    directories = [path.parent, *path.parent.parents]
    if root not in directories:
        return False
    verdict: bool | None = None
    for directory in reversed(directories[: directories.index(root) + 1]):
        data = read_regular(directory / ".gitignore", 1024 * 1024, root)  # docs/reading.md
        if isinstance(data, Refusal):
            continue
        import pathspec  # only once a .gitignore exists: ~10 ms of imports

        spec = pathspec.GitIgnoreSpec.from_lines(data.decode("utf-8", "replace").splitlines())
        include = spec.check_file(path.relative_to(directory).as_posix()).include
        if include is not None:
            verdict = include
    return bool(verdict)
