"""Reading a scanned tree (see docs/reading.md); the safe-read helpers live in infradoctor.textio.

They are re-exported here so `from infradoctor.loaders.files import read_regular` keeps working.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from infradoctor import parsecache
from infradoctor.model.source import FileKind, LoadError, SourceFile
from infradoctor.textio import (
    MAX_FILE_BYTES,
    MAX_SYMLINKS,
    MAX_TOTAL_BYTES,
    YAML_KEPT_BREAKS,
    YAML_KINDS,
    Decoded,
    Refusal,
    _check_within,
    _os_refusal,
    _realpath,
    decode_text,
    describe_mode,
    is_within,
    lexical_path,
    normalise_newlines,
    not_regular,
    open_in_root,
    open_regular,
    open_resolved,
    read_fd,
    read_regular,
    resolve_in_root,
    resolve_within,
    stat_or_refusal,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_SYMLINKS",
    "MAX_TOTAL_BYTES",
    "YAML_KEPT_BREAKS",
    "YAML_KINDS",
    "Decoded",
    "Refusal",
    "SourceReader",
    "decode_text",
    "describe_mode",
    "is_within",
    "lexical_path",
    "normalise_newlines",
    "not_regular",
    "open_in_root",
    "open_regular",
    "open_resolved",
    "read_fd",
    "read_regular",
    "resolve_in_root",
    "resolve_within",
]


def _read_to_end(fd: int, size: int, cap: int) -> bytes:
    """`read_fd(fd, cap)` for a file fstat said holds `size` bytes: one read when it
    still does (no second read to see the end), else read on as `read_fd` does."""
    try:
        first = os.read(fd, min(size, cap) + 1)
    except BlockingIOError:  # cannot happen for regular files; read_fd stops there too
        first = b""
    if len(first) != size or size > cap:  # grown, shrunk or over the cap: read on
        return first + read_fd(fd, cap - len(first)) if len(first) <= cap else first
    return first


def _real_text(path: str) -> str | Refusal:
    """The strict realpath of `path` as text, or why it has none."""
    real = _realpath(path)
    return real if isinstance(real, Refusal) else str(real)


class SourceReader:
    """Reads files under `root` once and caches them (loaders share one reader). Never
    reads outside `root` (a symlink leading out is refused), never blocks on a special
    file, and stops at `max_total_bytes` for the whole run."""

    def __init__(
        self,
        root: Path,
        max_bytes: int = MAX_FILE_BYTES,
        max_total_bytes: int = MAX_TOTAL_BYTES,
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.max_bytes = max_bytes
        self.max_total_bytes = max_total_bytes
        self.total_bytes = 0
        self.cache: dict[str, SourceFile | LoadError] = {}
        # relative path -> text read in place of the file's content (same checks apply)
        self.overrides: Mapping[str, str] = overrides or {}
        # Files the user named explicitly (`-f`): read wherever they are.
        self.explicit: set[Path] = set()
        self._root_text = str(self.root)
        self._real: dict[str, str | Refusal] = {}  # normalised path -> realpath (strict)
        # normalised path -> realpath of files a directory listing showed to be plain
        self._regular: dict[str, str] = {}
        self._contents: dict[str, bytes] = {}  # normalised path -> bytes discovery read
        self._dirs: dict[str, str] = {}  # directory -> its realpath
        self._relpaths: dict[str, str] = {}  # path as given -> relpath (asked ~2x per file)

    def know_regular(
        self, regular: Mapping[str, str], contents: Mapping[str, bytes] | None = None
    ) -> None:
        """Files discovery listed as plain files (path -> real path): reading one needs no
        lstat to resolve it nor stat before opening it (the fstat after opening and the
        check of where the descriptor leads still run). `contents`: path -> the whole
        bytes discovery read of some of them (taken instead of opening them again, once)."""
        self._regular.update(regular)
        self._real.update(regular)
        relpaths = self._relpaths
        for key, real in regular.items():  # what `_relpath` would work out for each
            rel = self._rel(real)
            if rel is not None:
                relpaths.setdefault(key, rel)
        if contents:
            self._contents.update(contents)

    def _resolve(self, path: Path) -> tuple[str, str | Refusal]:
        """(normalised absolute path, its strict realpath or why it has none), cached:
        one file is resolved once whoever asks (discovery, loaders, includes)."""
        key = os.path.abspath(path)
        real = self._real.get(key)
        if real is None:
            real = self._real[key] = self._realpath(key)
        return key, real

    def _realpath(self, key: str) -> str | Refusal:
        """realpath(strict) with the directory part cached: files of one directory cost
        one lstat each, not one per path component."""
        head, name = os.path.split(key)
        if not name:
            return _real_text(key)
        real_head = self._real_dir(head)
        if real_head is None:
            return _real_text(key)  # the full walk says what is wrong
        full = os.path.join(real_head, name)
        st = stat_or_refusal(full, follow=False)
        if isinstance(st, Refusal):
            return st
        if stat.S_ISLNK(st.st_mode):
            return _real_text(full)
        return full

    def _real_dir(self, head: str) -> str | None:
        """A directory's strict realpath (None: it has none) from its parent's, cached:
        one lstat per directory, not one realpath walk per directory."""
        real = self._dirs.get(head)
        if real is not None:
            return real
        parent, name = os.path.split(head)
        real_parent = self._real_dir(parent) if name and parent != head else None
        if real_parent is None:
            resolved = _realpath(head)  # the filesystem root, or a parent with no realpath
            if isinstance(resolved, Refusal):
                return None
            real = str(resolved)
        else:
            full = os.path.join(real_parent, name)
            try:
                st = os.lstat(full)
            except (OSError, ValueError):
                return None
            if stat.S_ISLNK(st.st_mode):
                resolved = _realpath(full)
                if isinstance(resolved, Refusal):
                    return None
                real = str(resolved)
            elif stat.S_ISDIR(st.st_mode):
                real = full
            else:
                return None
        self._dirs[head] = real
        return real

    def _rel(self, real: str) -> str | None:
        root = self._root_text
        if real == root:
            return "."
        prefix = root if root.endswith("/") else root + "/"
        return real[len(prefix) :] if real.startswith(prefix) else None

    def allow(self, path: Path) -> None:
        """Trust a file the user named on the command line even outside the root."""
        try:
            self.explicit.add(path.resolve(strict=True))
        except (OSError, RuntimeError):
            pass

    def relpath(self, path: Path) -> str:
        """Path relative to the root (posix). A symlink inside the tree to a file inside
        it is named by its target; one leading out of the tree by its own place in the
        tree (never by its target); a path outside the tree stays absolute."""
        asked = os.fspath(path)
        known = self._relpaths.get(asked)
        if known is None:
            known = self._relpaths[asked] = self._relpath(path)
        return known

    def _relpath(self, path: Path) -> str:
        key, real = self._resolve(path)
        if isinstance(real, Refusal):  # missing, loop, unsearchable: where it would be
            try:
                real_text = os.path.realpath(key)
            except (OSError, ValueError):
                real_text = key
        else:
            real_text = real
        rel = self._rel(real_text)
        if rel is None:
            rel = self._rel(lexical_path(key))
        return rel if rel is not None else Path(key).as_posix()

    def inside(self, path: Path) -> bool:
        """Whether `path` is inside the root once symlinks are resolved (a missing file:
        where it would be)."""
        try:
            return is_within(os.path.realpath(path), self.root)
        except (OSError, ValueError):
            return False

    def lexically_inside(self, path: Path) -> bool:
        """Whether `path` itself (its directory resolved, not a symlink at its end) lies
        inside the root."""
        return not self.relpath(path).startswith("/")

    def exists(self, path: Path) -> bool:
        """Whether something is at `path` (a dangling symlink counts as nothing); never
        raises (an unsearchable directory on the way counts as something, so that reading
        it reports the problem)."""
        try:
            os.stat(path)
            return True
        except OSError as exc:
            return exc.errno not in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)
        except ValueError:
            return False

    def read(self, path: Path, kind: FileKind) -> SourceFile | LoadError:
        rel = self.relpath(path)
        cached = self.cache.get(rel)
        if cached is not None:
            if isinstance(cached, SourceFile) and cached.kind is FileKind.UNKNOWN:
                cached.kind = kind
            elif isinstance(cached, SourceFile) and kind not in (cached.kind, FileKind.UNKNOWN):
                # One file under two names (a symlink `Dockerfile.link -> nginx.conf`):
                # it is loaded once, as the kind it was first read as.
                own = self._rel(lexical_path(path))
                name = own if own is not None and own != rel else rel
                return LoadError(
                    name,
                    f"same file as {rel}, already read as {cached.kind}; not read again as {kind}",
                    "duplicate",
                )
            return cached
        result = self._read(path, rel, kind)
        self.cache[rel] = result
        return result

    def read_optional(self, path: Path, kind: FileKind) -> SourceFile | LoadError | None:
        """Like `read`, but None when there is no file at `path` (optional files such as
        `.env`); anything else that prevents reading it is still a LoadError."""
        if not self.exists(path):
            return None
        return self.read(path, kind)

    def _read(self, path: Path, rel: str, kind: FileKind) -> SourceFile | LoadError:
        data = self._bytes(path, rel)
        if isinstance(data, LoadError):
            return data
        self.total_bytes += len(data)
        if b"\0" in data:
            return LoadError(rel, "binary file (contains NUL bytes); skipped", "binary")
        decoded = decode_text(data)
        text = decoded.text
        # Offsets stay simple: text is LF; fixers write back with `newline`.
        text, newline = normalise_newlines(text, kind)
        replaced_at = decoded.replaced_at
        if rel in self.overrides:  # the fix loop's check of the text it is about to write
            text = self.overrides[rel]
            replaced_at = None
        return SourceFile(rel, path, kind, text, newline, replaced_at=replaced_at)

    def _bytes(self, path: Path, rel: str) -> bytes | LoadError:
        """The file's bytes within the caps, or why not."""
        kept: str | None = None  # an in-tree file's real path: its bytes may be kept
        if self._explicit(path):
            opened = open_resolved(path, None)
        else:
            key, real = self._resolve(path)
            if isinstance(real, Refusal):
                opened = real
            elif is_within(real, self._root_text):
                known = self._contents.pop(key, None)
                if known is None:  # read before in this preview (parsecache.py)?
                    known = parsecache.file_bytes(real)
                if known is not None:  # discovery (or an earlier lint) read all of it
                    return self._over_cap(rel, len(known)) or known
                opened = open_resolved(real, self.root, checked=key in self._regular)
                kept = real
            else:  # leads out of the tree: _check_within says how
                refused = _check_within(path, Path(real), self.root)
                opened = (
                    refused if isinstance(refused, Refusal) else open_resolved(refused, self.root)
                )
        if isinstance(opened, Refusal):
            return opened.error(rel)
        fd, st = opened
        try:
            over = self._over_cap(rel, st.st_size)
            if over is not None:
                return over
            cap = min(self.max_bytes, self.max_total_bytes - self.total_bytes)
            data = _read_to_end(fd, st.st_size, cap)
        except OSError as exc:
            return _os_refusal(exc).error(rel)
        finally:
            os.close(fd)
        if len(data) > cap:
            return LoadError(rel, "file grew past its cap while being read; skipped", "too-large")
        if kept is not None and len(data) == st.st_size:
            parsecache.keep_bytes(kept, data)
        return data

    def _over_cap(self, rel: str, size: int) -> LoadError | None:
        """Why a file of `size` bytes is not read (the per-file or the run's cap)."""
        if size > self.max_bytes:
            return LoadError(
                rel,
                f"file is {size} bytes, over the {self.max_bytes}-byte cap; skipped",
                "too-large",
            )
        if size > self.max_total_bytes - self.total_bytes:
            return LoadError(
                rel,
                f"not read: this run already read {self.total_bytes} bytes and the "
                f"total cap is {self.max_total_bytes} bytes",
                "read-budget",
            )
        return None

    def _explicit(self, path: Path) -> bool:
        if not self.explicit:
            return False
        try:
            return path.resolve() in self.explicit
        except (OSError, RuntimeError):
            return False

    def encoding_warnings(self) -> list[LoadError]:
        """One `encoding` warning per file read that was not valid UTF-8."""
        out: list[LoadError] = []
        for rel, res in self.cache.items():
            if isinstance(res, SourceFile) and res.replaced_at is not None:
                line, column = res.replaced_at
                out.append(
                    LoadError(
                        rel,
                        "not valid UTF-8: invalid bytes were read as U+FFFD and the file was "
                        "still checked; `fix` will not write it (save it as UTF-8)",
                        "encoding",
                        line,
                        column,
                    )
                )
        return out
