"""Source files and locations: every fact in the stack model points back to file:line:column."""

from __future__ import annotations

import bisect
from dataclasses import field
from enum import StrEnum
from itertools import accumulate
from pathlib import Path
from typing import Any

from infradoctor.records import record

_PLUS_ONE = (1).__add__


class FileKind(StrEnum):
    COMPOSE = "compose"
    NGINX = "nginx"
    DOCKERFILE = "dockerfile"
    ENV = "env"
    K8S = "k8s"
    HELM = "helm"
    TERRAFORM = "terraform"
    CONFIG = "config"
    UNKNOWN = "unknown"


@record(unsafe_hash=True, hot=True)
class Location:
    """A place in a source file. Lines and columns are 1-based; offsets are 0-based
    character offsets into `SourceFile.text` (used by fixers to build text edits).
    Immutable by convention (hashed, shared between nodes): not `frozen`, because a
    frozen dataclass's `__init__` costs 3-4x a plain one and a lint builds ~60,000."""

    file: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None
    offset: int | None = None
    end_offset: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@record(hot=True)
class SourceFile:
    """The original text of one file. `path` is relative to the scanned root (posix),
    `abspath` is where it lives on disk."""

    path: str
    abspath: Path
    kind: FileKind
    text: str
    newline: str = "\n"  # "\r\n" when the file on disk uses CRLF (text is always LF)
    # (line, column) of the first byte that was not valid UTF-8: the text holds U+FFFD
    # there, so the file is checked but never written back by `fix`.
    replaced_at: tuple[int, int] | None = None
    _line_starts: list[int] | None = field(default=None, repr=False, compare=False)
    # libyaml's node graphs of every document (compose files), kept by the loader so that
    # the fixers edit what was parsed instead of parsing the file again
    yaml_nodes: list[Any] | None = field(default=None, repr=False, compare=False)
    # what the facts layer derived from this text once (facts/varrefs.py)
    facts_memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            lines = self.text.split("\n")
            lines.pop()  # the last line starts after the last newline
            # each start is the previous one plus that line's length and its newline
            self._line_starts = list(accumulate(map(_PLUS_ONE, map(len, lines)), initial=0))
        return self._line_starts

    def offset_of(self, line: int, column: int = 1) -> int:
        """Character offset of a 1-based line/column."""
        starts = self.line_starts
        line = max(1, min(line, len(starts)))
        return min(starts[line - 1] + column - 1, len(self.text))

    def position_of(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        starts = self.line_starts
        idx = bisect.bisect_right(starts, offset) - 1
        return idx + 1, offset - starts[idx] + 1

    def line_text(self, line: int) -> str:
        starts = self.line_starts
        if line < 1 or line > len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[starts[line - 1] : end]

    def location(self, start: int, end: int | None = None) -> Location:
        """A Location from character offsets."""
        line, col = self.position_of(start)
        if end is None:
            return Location(self.path, line, col, offset=start)
        eline, ecol = self.position_of(end)
        return Location(self.path, line, col, eline, ecol, start, end)


@record(frozen=True)
class LoadError:
    """A file that could not be (fully) loaded. Never fatal: the rest of the stack is
    still checked. `kind` is one of: parse-error, invalid, alias-bomb, include-cycle
    (these fail the run), too-large, binary, unreadable, not-regular,
    symlink-outside-root, symlink-loop, read-budget, include-budget, include-repeated,
    include-missing, include-outside, interpolation, duplicate, not-rendered and
    render-failed (a Helm chart read from values.yaml only), not-applied (a kustomization
    step not applied), encoding (a warning: the
    file was still checked); the engine adds `internal` (a rule crashed) and `timeout` (a
    rule overran its time budget) entries. docs/reading.md describes the reading policy
    behind each kind."""

    file: str
    message: str
    kind: str = "parse-error"
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "kind": self.kind,
            "message": self.message,
        }


@record(frozen=True, hot=True)
class Skipped:
    """Something that looks like infrastructure but was not analysed, and why (JSON
    `stats.skipped`, the text summary's "N files not analysed", `lint --show-files`):
    never a silent skip. Any loader may add one to `Stack.skipped`; `line` points into
    the file when the skipped part is one block of it (a Terraform resource)."""

    path: str
    reason: str
    kind: str = "other"  # template | tiltfile | crd | chart | kustomize | terraform | other
    line: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "kind": self.kind, "reason": self.reason, "line": self.line}
