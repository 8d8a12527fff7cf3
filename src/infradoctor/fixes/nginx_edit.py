"""Format-preserving nginx edits on the parsed directive tree's character offsets.

Every helper returns `Edit`s for the file that really holds the text it touches (a block
spliced in by `include` lives in another file than its parent). New directives take the
indentation of their siblings (or the block's own indentation plus the file's step),
comments and blank lines elsewhere are untouched."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence

from infradoctor.findings import Edit
from infradoctor.model.nginx import Directive, NginxConfig

_NEEDS_QUOTES = re.compile(r"""[\s;{}"'#]""")


class NginxEditError(Exception):
    """The block cannot be edited safely (no offsets, unknown layout)."""


def quote_arg(arg: str) -> str:
    """An argument as nginx source: quoted when it is empty or has special characters."""
    if arg == "" or _NEEDS_QUOTES.search(arg):
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return arg


def render(name: str, *args: str) -> str:
    return " ".join([name, *(quote_arg(a) for a in args)]) + ";"


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    pos = text.find("\n", offset)
    return len(text) if pos == -1 else pos


def line_indent(text: str, offset: int) -> str:
    start = line_start(text, offset)
    m = re.compile(r"[ \t]*").match(text, start)
    return m.group(0) if m else ""


def indent_unit(text: str) -> str:
    """The file's indentation step: a tab, or the most common step in spaces (4 default).
    It reads the whole file: callers editing one file many times pass it on (`unit=`)."""
    steps: dict[str, int] = {}
    prev = ""
    for line in text.split("\n"):
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        ind = line[: len(line) - len(stripped)]
        if len(ind) > len(prev) and ind.startswith(prev):
            step = ind[len(prev) :]
            steps[step] = steps.get(step, 0) + 1
        prev = ind
    if not steps:
        return "    "
    return max(steps.items(), key=lambda kv: kv[1])[0]


def _is_first_on_line(text: str, offset: int) -> bool:
    return text[line_start(text, offset) : offset].strip() == ""


def child_indent(text: str, block: Directive, unit: str | None = None) -> str:
    """Indentation for a new directive inside `block` (in block's own file); `unit` is
    `indent_unit(text)` when the caller knows it."""
    for child in block.block or ():
        off = child.location.offset
        if child.file == block.file and off is not None and _is_first_on_line(text, off):
            return line_indent(text, off)
    if block.name == "":
        return ""
    if block.location.offset is None:
        raise NginxEditError("block without offsets")
    return line_indent(text, block.location.offset) + (indent_unit(text) if unit is None else unit)


def insert_into_block(
    text: str,
    block: Directive,
    lines: Sequence[str],
    *,
    at_start: bool = False,
    unit: str | None = None,
    ends: ChildEnds | None = None,
) -> Edit:
    """Insert directives (already rendered, one per entry) into `block`: before its
    closing `}` (default) or right after its opening line. The synthetic root block of a
    snippet file (name "") takes them at the top or the end of the file. Refused right
    after a directive missing its `;` (a recovered parse error): the new text would
    become that directive's arguments. `ends`: `child_ends(block)`, for a caller that
    inserts into one block many times."""
    edit = _insert_edit(text, block, lines, at_start=at_start, unit=unit)
    if _follows_unterminated(text, block, edit.start, ends):
        raise NginxEditError("the directive before the insert point has no `;`")
    return edit


# The end offsets of a block's children in its own file, ascending, each with the first
# child (in block order) that ends there.
ChildEnds = tuple[list[int], list[Directive]]


def child_ends(block: Directive) -> ChildEnds:
    """The index `_follows_unterminated` searches (scanning every child per insert made
    the fixes of a big http{} or conf.d file quadratic)."""
    found: dict[int, Directive] = {}
    for c in block.block or ():
        end = c.location.end_offset
        if end is not None and c.file == block.file and end not in found:
            found[end] = c
    offsets = sorted(found)
    return offsets, [found[e] for e in offsets]


def _follows_unterminated(
    text: str, block: Directive, pos: int, ends: ChildEnds | None = None
) -> bool:
    """Whether the child of `block` last before `pos` (the one ending last at or before
    it; the first such in block order) is a simple directive without its `;` (nginx
    reads on through comments and newlines into whatever follows)."""
    offsets, children = ends if ends is not None else child_ends(block)
    i = bisect.bisect_right(offsets, pos) - 1
    last = children[i] if i >= 0 else None
    if last is None or last.block is not None:
        return False
    end = last.location.end_offset
    return end is not None and text[end - 1 : end] != ";"


def _insert_edit(
    text: str,
    block: Directive,
    lines: Sequence[str],
    *,
    at_start: bool,
    unit: str | None,
) -> Edit:
    """Where and what `insert_into_block` inserts."""
    file = block.file
    if block.name == "":
        if at_start:
            pos = _after_leading_comments(text)
            return Edit(file, pos, pos, "".join(f"{ln}\n" for ln in lines))
        pos = len(text)
        prefix = "" if text.endswith("\n") or not text else "\n"
        return Edit(file, pos, pos, prefix + "".join(f"{ln}\n" for ln in lines))
    if block.block_open is None or block.block_close is None:
        raise NginxEditError(f"{block.name} block without brace offsets")
    indent = child_indent(text, block, unit)
    if at_start:
        open_ = block.block_open
        rest = text[open_ + 1 : line_end(text, open_)]
        if rest.strip() == "" or rest.strip().startswith("#"):
            pos = line_end(text, open_)
            if pos >= len(text):
                return Edit(file, pos, pos, "".join(f"\n{indent}{ln}" for ln in lines))
            pos += 1
            return Edit(file, pos, pos, "".join(f"{indent}{ln}\n" for ln in lines))
        return Edit(file, open_ + 1, open_ + 1, "".join(f" {ln}" for ln in lines))
    after = _after_simple_directives(text, block)
    if after is not None:
        return Edit(file, after, after, "".join(f"{indent}{ln}\n" for ln in lines))
    close = block.block_close
    if _is_first_on_line(text, close):
        pos = line_start(text, close)
        return Edit(file, pos, pos, "".join(f"{indent}{ln}\n" for ln in lines))
    # One-line block (`location / { proxy_pass x; }`): keep it on one line.
    sep = "" if text[close - 1 : close] in (" ", "\t") else " "
    return Edit(file, close, close, sep + " ".join(lines) + " ")


def _after_simple_directives(text: str, block: Directive) -> int | None:
    """In a block that holds nested blocks (a server with locations), the offset after the
    last simple directive before the first nested block, so new settings sit with the
    block's other settings instead of after its locations. None: insert before `}`."""
    children = [c for c in block.block or () if c.file == block.file]
    first_block = next((i for i, c in enumerate(children) if c.block is not None), None)
    if first_block is None:
        return None
    before = [c for c in children[:first_block] if c.location.end_offset is not None]
    if before:
        end = before[-1].location.end_offset
        assert end is not None
        rest = text[end : line_end(text, end)].strip()
        if rest and not rest.startswith("#"):
            return None
        pos = line_end(text, end)
        return pos + 1 if pos < len(text) else None
    head = children[first_block]
    off = head.location.offset
    if off is None or not _is_first_on_line(text, off):
        return None
    pos = line_start(text, off)
    while pos > 0:  # keep a comment above the nested block attached to it
        prev = line_start(text, pos - 1)
        if not text[prev:pos].strip().startswith("#"):
            break
        pos = prev
    if block.block_open is not None and pos <= block.block_open:
        return None
    return pos


def _after_leading_comments(text: str) -> int:
    """Offset after the comment/blank lines at the top of a file (a licence header stays
    first)."""
    pos = 0
    while pos < len(text):
        end = line_end(text, pos)
        stripped = text[pos:end].strip()
        if stripped and not stripped.startswith("#"):
            break
        pos = end + 1
    return min(pos, len(text))


def replace_directive(d: Directive, new_text: str) -> Edit:
    if d.location.offset is None or d.location.end_offset is None:
        raise NginxEditError(f"{d.name} without offsets")
    return Edit(d.file, d.location.offset, d.location.end_offset, new_text)


def directive_text(texts: Mapping[str, str], d: Directive) -> str:
    """The directive as written in its file (quotes and spacing kept)."""
    text = texts.get(d.file)
    if text is None or d.location.offset is None or d.location.end_offset is None:
        return render(d.name, *d.args)
    return text[d.location.offset : d.location.end_offset]


MAP_UPGRADE = ("map $http_upgrade $connection_upgrade {", "default upgrade;", "''      \"\";", "}")


def find_upgrade_map(configs: Sequence[NginxConfig]) -> str | None:
    """The variable name of an existing `map $http_upgrade $var` in any of `configs`."""
    for cfg in configs:
        for d in cfg.walk():
            if d.name == "map" and len(d.args) >= 2 and d.args[0] == "$http_upgrade":
                return d.args[1].lstrip("$")
    return None
