"""Reading files safely: size cap, binary detection, unreadable files and symlink loops
become LoadErrors instead of exceptions."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from infradoctor.model.source import FileKind, LoadError, SourceFile

MAX_FILE_BYTES = 4 * 1024 * 1024


class SourceReader:
    """Reads files under `root` once and caches them (loaders share one reader)."""

    def __init__(
        self,
        root: Path,
        max_bytes: int = MAX_FILE_BYTES,
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.max_bytes = max_bytes
        self.cache: dict[str, SourceFile | LoadError] = {}
        # relative path -> text read in place of the file's content (same checks apply)
        self.overrides: Mapping[str, str] = overrides or {}

    def relpath(self, path: Path) -> str:
        """Path relative to the root (posix); absolute if outside it."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()
        except OSError:
            return path.as_posix()

    def inside(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.root)
            return True
        except (ValueError, OSError, RuntimeError):
            return False

    def read(self, path: Path, kind: FileKind) -> SourceFile | LoadError:
        rel = self.relpath(path)
        cached = self.cache.get(rel)
        if cached is not None:
            if isinstance(cached, SourceFile) and cached.kind is FileKind.UNKNOWN:
                cached.kind = kind
            return cached
        result = self._read(path, rel, kind)
        self.cache[rel] = result
        return result

    def _read(self, path: Path, rel: str, kind: FileKind) -> SourceFile | LoadError:
        try:
            st = path.stat()
        except RuntimeError:
            return LoadError(rel, "symlink loop", "symlink-loop")
        except OSError as exc:
            if exc.errno == 40:  # ELOOP
                return LoadError(rel, "symlink loop", "symlink-loop")
            return LoadError(rel, f"cannot read: {exc.strerror or exc}", "unreadable")
        if not path.is_file():
            return LoadError(rel, "not a regular file", "unreadable")
        if st.st_size > self.max_bytes:
            return LoadError(
                rel,
                f"file is {st.st_size} bytes, over the {self.max_bytes}-byte cap; skipped",
                "too-large",
            )
        try:
            with open(path, "rb") as fh:
                data = fh.read(self.max_bytes + 1)
        except OSError as exc:
            return LoadError(rel, f"cannot read: {exc.strerror or exc}", "unreadable")
        if b"\0" in data[:8192]:
            return LoadError(rel, "binary file (contains NUL bytes); skipped", "binary")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            return LoadError(rel, f"not valid UTF-8 ({exc.reason})", "binary", line=line)
        if text.startswith("\ufeff"):
            text = text[1:]
        newline = "\n"
        if "\r\n" in text:
            # Offsets stay simple: text is LF; fixers write back with `newline`.
            text = text.replace("\r\n", "\n")
            newline = "\r\n"
        if rel in self.overrides:
            text = self.overrides[rel]
        return SourceFile(rel, path, kind, text, newline)


def is_readable_dir(path: Path) -> bool:
    return os.access(path, os.R_OK | os.X_OK)
