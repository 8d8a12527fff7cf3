"""Find the infra files under a root and say what kind each one is."""

from __future__ import annotations

import errno
import operator
import os
import re
import stat
from collections.abc import Callable
from dataclasses import field, fields, replace
from pathlib import Path
from typing import Any

from infradoctor.lazyre import lazy
from infradoctor.loaders.files import (
    Refusal,
    not_regular,
    open_regular,
    open_resolved,
    read_fd,
    resolve_within,
)
from infradoctor.loaders.names import Candidate, by_path_text
from infradoctor.loaders.names import by_name as _by_name
from infradoctor.loaders.skipped import may_skip_by_name
from infradoctor.model.source import FileKind, LoadError, Skipped
from infradoctor.records import record

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "vendor",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".terraform",
        "site-packages",
        "dist",
        "build",
        ".idea",
        ".vscode",
    }
)

# Build output: not walked for analysis (copies, bundles), but infrastructure files named
# as such in it are listed (mastodon's dist/nginx.conf is the config users deploy).
LISTED_DIRS = frozenset({"dist", "build"})
MAX_LISTED_ENTRIES = 20000  # entries looked at under one build-output directory
# nginx directives ending in `;` without any block: a snippet meant to be included
NGINX_SNIPPET_RE = lazy(
    r"^[ \t]*(?:ssl_\w+|proxy_\w+|fastcgi_\w+|uwsgi_\w+|add_header|more_set_headers|gzip\w*|"
    r"client_\w+|listen|server_name|access_log|error_log|keepalive_\w+|resolver|limit_\w+|"
    r"real_ip_\w+|set_real_ip_from|auth_\w+|return|rewrite|root|index|try_files|"
    r"expires|send_timeout|include|set(?=[ \t]+\$))[ \t]+[^;\n]*;",
    re.MULTILINE,
)
NGINX_SNIFF_RE = lazy(
    r"^\s*(server|http|upstream\s+[^\s{]+|location\s+[^\n{]*|events|map\s+\S+\s+\S+)\s*\{",
    re.MULTILINE,
)
# Handlebars/Jinja/Go-template markup: such an "nginx" file is a template, not a config.
TEMPLATE_MARKUP_RE = lazy(r"\{\{-?\s*[^\s{}][^\n{}]*\}\}|\{%-?\s*\w[^\n]*?%\}")
K8S_SNIFF_RE = lazy(r"^apiVersion:\s*\S+", re.MULTILINE)


@record
class Discovery:
    compose: list[Path] = field(default_factory=list)
    nginx: list[Path] = field(default_factory=list)
    dockerfiles: list[Path] = field(default_factory=list)
    env: list[Path] = field(default_factory=list)
    k8s: list[Path] = field(default_factory=list)
    helm: list[Path] = field(default_factory=list)
    terraform: list[Path] = field(default_factory=list)
    logrotate: list[Path] = field(default_factory=list)  # rotation configs (not loaded)
    skipped: list[Skipped] = field(default_factory=list)  # infra-looking, not read
    # nginx snippets (directives, no block): listed unless a config includes them
    snippets: list[Path] = field(default_factory=list)
    gitignored: int = 0  # files and directories a .gitignore leaves out (not walked)
    errors: list[LoadError] = field(default_factory=list)
    # absolute path -> real path of each listed file its directory entry showed to be a
    # plain file (no symlink): the reader needs no lstat or stat to trust it
    regular: dict[str, str] = field(default_factory=dict)
    # absolute path -> the whole content of the listed plain files a peek at their
    # content read to the end (the reader takes it instead of opening them again)
    contents: dict[str, bytes] = field(default_factory=dict)

    def copy(self) -> Discovery:
        """A copy whose lists and maps change apart from this one's (parsecache.py)."""
        values: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(self, **{k: v.copy() for k, v in values.items() if hasattr(v, "copy")})

    def count(self) -> int:
        return sum(
            len(x)
            for x in (
                self.compose,
                self.nginx,
                self.dockerfiles,
                self.env,
                self.k8s,
                self.helm,
                self.terraform,
            )
        )


def _sniff(
    path: Path,
    root: Path,
    limit: int = 65536,
    real: Path | str | None = None,
    checked: bool = False,
    kept: dict[str, bytes] | None = None,
) -> str | Refusal:
    """The first `limit` bytes of a file as text ("" for a binary file), read the safe way
    (never blocking on a FIFO, never through a symlink leading out of `root`). `real`: the
    path already resolved inside `root`, if known; `checked`: its directory entry showed a
    plain file; `kept`: real path -> whole content of the plain files that fitted in a
    peek (read from there, added to there: the reader needs not open them again)."""
    key = os.fspath(real) if checked and real is not None and kept is not None else None
    raw = kept.get(key) if kept is not None and key is not None else None
    if raw is None:
        opened = (
            open_regular(path, root) if real is None else open_resolved(real, root, checked=checked)
        )
        if isinstance(opened, Refusal):
            return opened
        fd, _ = opened
        try:
            raw = read_fd(fd, limit)
        except OSError as exc:
            return Refusal("unreadable", f"cannot read: {exc.strerror or exc}")
        finally:
            os.close(fd)
        if kept is not None and key is not None and len(raw) <= limit:
            kept[key] = raw  # the whole file
    data = raw[:limit]
    if b"\0" in data:
        return ""
    return data.decode("utf-8", "replace")


def classify(path: Path, root: Path | None = None) -> FileKind:
    """The kind of one file, by name and (for ambiguous names) a peek at its content.
    `root`: the resolved scanned root the peek must not leave (default: the file's dir)."""
    kind, _ = _classify(path, root or path.parent.resolve())
    return kind


def _classify(
    path: Path,
    root: Path,
    real: Path | str | None = None,
    cand: Candidate | None = None,
    checked: bool = False,
    kept: dict[str, bytes] | None = None,
) -> tuple[FileKind, Refusal | None]:
    """`cand`: the name's candidate when the caller already has it (asked once a file)."""
    if cand is None:
        cand = _by_name(path)
    if cand is None:
        return FileKind.UNKNOWN, None
    if cand.sniff is None:
        return cand.kind or FileKind.UNKNOWN, None
    text = _sniff(path, root, 16384 if cand.sniff == "k8s" else 65536, real, checked, kept)
    if isinstance(text, Refusal):
        return FileKind.UNKNOWN, text
    if cand.sniff == "dump":  # a text file is nginx only as an `nginx -T` dump
        from infradoctor.syntax.nginx import is_nginx_t_dump

        return (FileKind.NGINX if is_nginx_t_dump(text) else FileKind.UNKNOWN), None
    if cand.sniff == "k8s":
        return (FileKind.K8S if K8S_SNIFF_RE.search(text) else FileKind.UNKNOWN), None
    return (FileKind.NGINX if NGINX_SNIFF_RE.search(text) else FileKind.UNKNOWN), None


def _nginx_template(
    path: Path,
    root: Path,
    real: Path | str | None,
    checked: bool = False,
    kept: dict[str, bytes] | None = None,
) -> str | None:
    """The template engine whose markup an nginx file holds, if any (never parsed)."""
    text = _sniff(path, root, 65536, real, checked, kept)
    if isinstance(text, Refusal):
        return None
    match = TEMPLATE_MARKUP_RE.search(text)
    if match is None:
        return None
    return "Jinja" if match.group().startswith("{%") else "Handlebars/Go"


def _scan_dir(directory: str) -> tuple[list[os.DirEntry[str]], OSError | None]:
    """The entries of a directory, or why it cannot be walked. A directory that can be
    listed but not searched (mode 644) is as unreadable as one that cannot be listed."""
    try:
        with os.scandir(directory) as it:
            entries = list(it)
        if entries:
            os.stat(os.path.join(directory, "."))  # needs search (x) permission
    except OSError as exc:
        return [], exc
    return entries, None


class GitIgnores:
    """The .gitignore files met while walking down from `root` (read with pathspec's
    git-compatible matcher). A deeper file's decision wins over a shallower one's."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.specs: dict[str, Any] = {}  # directory (absolute text) -> its spec

    def enter(self, directory: str, entries: list[os.DirEntry[str]]) -> None:
        if not any(e.name == ".gitignore" for e in entries):
            return
        text = _sniff(Path(directory, ".gitignore"), self.root, 1024 * 1024)
        if isinstance(text, Refusal) or not text.strip():
            return
        import pathspec

        self.specs[directory] = pathspec.GitIgnoreSpec.from_lines(text.splitlines())

    def ignored(self, path: str, is_dir: bool) -> bool:
        """`path`: absolute and normalised, below the root."""
        if not self.specs:
            return False
        verdict: bool | None = None
        suffix = "/" if is_dir else ""
        parent = os.path.dirname(path)
        chain = [parent]  # the directories above `path`, deepest first
        while True:
            up = os.path.dirname(parent)
            if up == parent:
                break
            chain.append(parent := up)
        for parent in reversed(chain):
            spec = self.specs.get(parent)
            if spec is None:
                continue
            rel = path[len(parent) :].lstrip("/") + suffix
            include = spec.check_file(rel).include
            if include is not None:
                verdict = include
        return bool(verdict)


_BY_NAME = operator.attrgetter("name")  # sort key of directory entries

# one walked file: (absolute path, is a symlink, a regular file by its directory entry,
# and whether its directory's name holds "logrotate")
_Target = tuple[str, bool, bool, bool]


def discover(root: Path) -> Discovery:
    """Walk `root` (no symlinked dirs, no vendored dirs) and classify every file. A file
    given as root is classified on its own. Never raises: a directory that cannot be read,
    a symlink leading out of the tree, a FIFO or device named like an infra file, a file
    that cannot be opened to peek at it: each becomes an error naming it."""
    found = Discovery()
    root = Path(os.path.abspath(root))
    if not os.path.isdir(root):
        # A single file given by the user: what it points to is what they asked for.
        try:
            root = root.resolve(strict=True)
        except (OSError, RuntimeError):
            pass
    base = root if os.path.isdir(root) else root.parent
    real_base = base.resolve()
    walk = _Walk(found, base, real_base)
    if base != root:
        in_logrotate = "logrotate" in base.name.lower()
        walk.targets.append((str(root), os.path.islink(root), False, in_logrotate))
    else:
        walk.tree(root)
    for target in walk.targets:
        walk.classify(*target)
    return found


class _Walk:
    """One discovery: the tree walked as text paths (a Path only for each file found),
    each entry's type from its directory listing (no stat for a plain file)."""

    def __init__(self, found: Discovery, base: Path, real_base: Path) -> None:
        self.found = found
        self.base = base
        self.real_base = real_base
        self.base_text = str(base)
        self.real_base_text = str(real_base)
        self.same_base = real_base == base  # no symlink above the root: walked paths are real
        self.prefix = self.base_text.rstrip("/") + "/"
        self.targets: list[_Target] = []
        self.kept: dict[str, bytes] = {}  # see _sniff
        self.buckets = {
            FileKind.COMPOSE: found.compose,
            FileKind.NGINX: found.nginx,
            FileKind.DOCKERFILE: found.dockerfiles,
            FileKind.ENV: found.env,
            FileKind.K8S: found.k8s,
            FileKind.HELM: found.helm,
            FileKind.TERRAFORM: found.terraform,
        }

    def rel(self, path: str) -> str:
        if path == self.base_text:
            return "."
        return path[len(self.prefix) :] if path.startswith(self.prefix) else path

    def rel_path(self, path: Path) -> str:
        return self.rel(str(path))

    def tree(self, root: Path) -> None:
        """Every file below `root` into `targets`, in name order, directories depth first."""
        found = self.found
        ignores = GitIgnores(root)
        pending = [str(root)]
        while pending:
            directory = pending.pop()
            entries, problem = _scan_dir(directory)
            if problem is not None:
                found.errors.append(
                    LoadError(
                        self.rel(directory),
                        f"cannot read directory: {problem.strerror or problem}; "
                        "its files were not checked",
                        "unreadable",
                    )
                )
                continue
            ignores.enter(directory, entries)
            entries.sort(key=_BY_NAME)
            in_logrotate = "logrotate" in os.path.basename(directory).lower()
            subdirs = self._entries(entries, ignores, in_logrotate)
            pending.extend(reversed(subdirs))

    def _entries(
        self, entries: list[os.DirEntry[str]], ignores: GitIgnores, in_logrotate: bool
    ) -> list[str]:
        """One directory's entries: its files into `targets`; its subdirectories to walk."""
        subdirs: list[str] = []
        targets = self.targets
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            path = entry.path
            if ignores.specs and ignores.ignored(path, is_dir):
                self.found.gitignored += 1
                continue
            name = entry.name
            if is_dir:
                if name in LISTED_DIRS:
                    _list_build_output(Path(path), self.found, self.rel_path)
                elif name not in SKIP_DIRS:
                    subdirs.append(path)
                continue
            try:
                link = entry.is_symlink()
            except OSError:
                link = True
            try:
                regular = not link and entry.is_file(follow_symlinks=False)
            except OSError:
                regular = False
            targets.append((path, link, regular, in_logrotate))
        return subdirs

    def classify(self, text: str, link: bool, regular: bool, in_logrotate: bool) -> None:  # noqa: C901
        """Put one walked file in its bucket, or say why it is not read."""
        found = self.found
        cand = by_path_text(text)
        if cand is None and not link and not in_logrotate:
            name = text[text.rfind("/") + 1 :]
            if "logrotate" not in name.lower() and not may_skip_by_name(name):
                return  # most files: nothing to read or note, no Path built
        path = Path(text)
        real: Path | str | None = None
        if link:
            resolved = self._resolve_link(path, text, cand)
            if resolved is None:
                return
            real = resolved
        if in_logrotate or "logrotate" in path.name.lower():
            found.logrotate.append(path)
        if cand is None:
            _note_skipped(found, path, self.base)
            return
        if real is None:
            # Walked without following symlinks: its real path is known without syscalls.
            real = text if self.same_base else self.real_base_text + text[len(self.base_text) :]
        if cand.sniff is None and not regular:
            # Named like infrastructure: a FIFO, socket or device of that name is listed
            # here (never opened), even if no loader reads files of its kind.
            try:
                mode = os.stat(real).st_mode
            except OSError:
                mode = stat.S_IFREG  # the loader reading it says what is wrong
            if not stat.S_ISREG(mode):
                found.errors.append(not_regular(mode).error(self.rel(text)))
                return
        kind, refusal = _classify(path, self.real_base, real, cand, regular, self.kept)
        if refusal is not None:
            if cand.reported:
                found.errors.append(refusal.error(self.rel(text)))
            return
        self._place(path, text, kind, cand, real, regular)

    def _resolve_link(self, path: Path, text: str, cand: Candidate | None) -> Path | None:
        """Where a symlinked file leads inside the tree; None (reported where it looks
        like infrastructure) when it leads out, nowhere, or to a directory."""
        found = self.found
        resolved = resolve_within(path, self.real_base)
        if isinstance(resolved, Refusal):
            if resolved.kind == "symlink-outside-root":
                if cand is not None and cand.reported:
                    found.errors.append(resolved.error(self.rel(text)))
                return None
            if resolved.kind == "symlink-loop" or resolved.errno in (
                errno.ENOENT,
                errno.ENOTDIR,
            ):
                found.errors.append(
                    LoadError(self.rel(text), "broken symlink or symlink loop", "symlink-loop")
                )
            else:  # e.g. it leads into a directory we may not search
                found.errors.append(resolved.error(self.rel(text)))
            return None
        if os.path.isdir(resolved):
            return None  # symlinked directories are not walked
        return resolved

    def _place(
        self,
        path: Path,
        text: str,
        kind: FileKind,
        cand: Candidate,
        real: Path | str,
        regular: bool,
    ) -> None:
        found = self.found
        bucket = self.buckets.get(kind)
        if kind == FileKind.NGINX and (
            engine := _nginx_template(path, self.real_base, real, regular, self.kept)
        ):
            found.skipped.append(
                Skipped(
                    self.rel(text),
                    f"{engine} template markup in an nginx file: not rendered, so not checked",
                    "template",
                )
            )
        elif bucket is not None:
            bucket.append(path)
            if regular:
                found.regular[text] = real_text = str(real)
                if (content := self.kept.pop(real_text, None)) is not None:
                    found.contents[text] = content
        elif kind == FileKind.UNKNOWN:
            _note_skipped(found, path, self.base)
            if (
                cand.sniff == "nginx"
                and cand.reported
                and _is_snippet(path, self.real_base, real, regular, self.kept)
            ):
                found.snippets.append(path)


def _is_snippet(
    path: Path,
    root: Path,
    real: Path | str | None,
    checked: bool = False,
    kept: dict[str, bytes] | None = None,
) -> bool:
    """nginx directives without a block (ssl.conf, proxy-params): at least two."""
    text = _sniff(path, root, 65536, real, checked, kept)
    if isinstance(text, Refusal):
        return False
    matches = NGINX_SNIPPET_RE.finditer(text)
    return next(matches, None) is not None and next(matches, None) is not None


def _list_build_output(directory: Path, found: Discovery, rel: Callable[[Path], str]) -> None:
    """Files in a build-output directory (dist/, build/) whose names alone say
    infrastructure: listed as not analysed, never read (the directory is not walked
    for analysis)."""
    seen = 0
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            seen += 1
            if seen > MAX_LISTED_ENTRIES:
                return
            path = Path(dirpath) / name
            cand = _by_name(path)
            if cand is not None and cand.kind is not None and cand.kind is not FileKind.ENV:
                found.skipped.append(
                    Skipped(
                        rel(path),
                        f"in the build-output directory {directory.name}/, which is not "
                        f"checked: {cand.kind} file not analysed",
                        "other",
                    )
                )


def _note_skipped(found: Discovery, path: Path, base: Path) -> None:
    """Record a file no loader reads whose name says infrastructure (a template,
    a Tiltfile): never skipped silently."""
    from infradoctor.loaders.skipped import skip_by_name

    try:
        rel = path.relative_to(base)
    except ValueError:
        rel = Path(path.name)
    entry = skip_by_name(rel)
    if entry is not None:
        found.skipped.append(entry)
