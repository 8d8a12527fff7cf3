"""Text of one language embedded in a file of another: nginx in a ConfigMap's `data:`
block scalar, a Terraform heredoc, a kustomize configMapGenerator file. Loaders that
find such text describe it with `EmbeddedText`; loaders/embedded.py parses it so every
Location points at the outer file's line and column (the line a user edits)."""

from __future__ import annotations

from infradoctor.records import record


@record(frozen=True)
class EmbeddedText:
    """`text` as the consuming program sees it (YAML/HCL quoting and indentation already
    removed), written in `path` from 1-based `line`/`column` on: content line i sits on
    outer line `line + i`, shifted right by `column - 1`. `exact` says the content is
    verbatim there (a literal block scalar, a heredoc, a whole file), so positions and
    offsets of the outer file are exact; otherwise every fact points at (`line`,
    `column`), the start of the value. `origin` names it for messages
    ("ConfigMap/web key nginx.conf")."""

    path: str
    text: str
    line: int
    column: int
    origin: str
    exact: bool = True
    name: str = ""  # the file name the text is mounted or rendered as (nginx.conf)
    namespace: str | None = None  # Kubernetes namespace of the object holding it, if known

    @property
    def last_line(self) -> int:
        """The outer line of the text's last line (its start line when not exact)."""
        if not self.exact:
            return self.line
        lines = self.text.count("\n") + (0 if self.text.endswith("\n") else 1)
        return self.line + max(lines, 1) - 1


__all__ = ["EmbeddedText"]
