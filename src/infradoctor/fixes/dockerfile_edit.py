"""Dockerfile edit machinery shared by DKR001 (a non-root USER) and DKR007 (a
HEALTHCHECK template): where a new instruction may go, and refusing files that do not
parse cleanly."""

from __future__ import annotations

import re

from infradoctor.fixes.context import FixContext, FixUnavailable
from infradoctor.model.stack import Dockerfile, Instruction


def editable(ctx: FixContext, df: Dockerfile) -> None:
    """Refuse a Dockerfile that does not parse cleanly: with an unterminated heredoc or
    an unknown instruction we cannot tell where an instruction would really land (the
    end of the file may be inside a heredoc body)."""
    for err in ctx.stack.errors:
        if err.file == df.path and err.kind == "parse-error":
            raise FixUnavailable(f"{df.path} does not parse cleanly: {err.message}")
    if df.open_continuation:
        raise FixUnavailable(f"{df.path} ends inside a line continuation")


def before_line(ctx: FixContext, df: Dockerfile, ins: Instruction) -> int:
    """Offset of the line of `ins`, moved up over the comment lines right above it (a
    comment above CMD describes CMD: keep them together)."""
    src = ctx.stack.files[df.path]
    line = ins.location.line
    while (
        line > 1
        and src.line_text(line - 1).lstrip().startswith("#")
        and not re.match(r"#\s*(syntax|escape|check)\s*=", src.line_text(line - 1).strip())
    ):
        line -= 1
    return src.offset_of(line, 1)


def after(ctx: FixContext, df: Dockerfile, ins: Instruction) -> tuple[int, str]:
    """Offset of the line after `ins` (continuations and heredoc bodies included) and
    the newline needed before new lines there."""
    text = ctx.text(df.path)
    src = ctx.stack.files[df.path]
    end = ins.location.end_offset
    if end is None:
        end = src.offset_of(ins.location.end_line or ins.location.line, 1)
    nl = text.find("\n", end)
    if nl == -1:
        return len(text), "\n"
    return nl + 1, ""


def insert_point(ctx: FixContext, df: Dockerfile) -> tuple[int, str]:
    """Offset before the final stage's CMD/ENTRYPOINT (else the end of the file) and the
    newline-prefix needed there."""
    text = ctx.text(df.path)
    stage = df.final
    if stage is None:
        raise FixUnavailable("no stage")
    tail = [i for i in (stage.last("CMD"), stage.last("ENTRYPOINT")) if i is not None]
    if tail:
        first = min(tail, key=lambda i: i.location.line)
        return before_line(ctx, df, first), ""
    return len(text), "" if text.endswith("\n") or not text else "\n"
