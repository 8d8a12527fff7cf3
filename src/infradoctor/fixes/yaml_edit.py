"""Format-preserving YAML edits for any YAML text (compose today, Kubernetes later).

We never re-serialise a document: libyaml's composer gives each node's character offsets,
and every helper here returns small `TextEdit`s (insert a key after the last line of a
block mapping with that mapping's indentation, replace one scalar, append one sequence
item, ...). Bytes outside the edited spans, comments, blank lines and quote styles stay
as the user wrote them. When the layout is one we cannot edit with certainty, helpers
raise `YamlEditError` and the caller offers the fix as display-only (or not at all)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class YamlEditError(Exception):
    """The text cannot be edited safely (parse error, alias where we would write, ...)."""


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace text[start:end] with `replacement` (character offsets)."""

    start: int
    end: int
    replacement: str


PathPart = str | int

# ---------------------------------------------------------------- parsing and lookup


def parse_documents(text: str) -> list[Node]:
    """All documents of a YAML stream as positioned node graphs (libyaml C composer)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [d for d in yaml.compose_all(text, Loader=loader) if d is not None]
    except yaml.YAMLError as exc:
        raise YamlEditError(f"YAML does not parse: {exc}") from None
    except RecursionError:
        raise YamlEditError("YAML nesting too deep") from None


def parse_document(text: str, index: int = 0) -> Node | None:
    docs = parse_documents(text)
    return docs[index] if index < len(docs) else None


def key_text(node: Node) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def find_pair(mapping: Node, key: str) -> tuple[ScalarNode, Node] | None:
    """The (key node, value node) of `key` written directly in `mapping` (not via `<<`)."""
    if not isinstance(mapping, MappingNode):
        return None
    found: tuple[ScalarNode, Node] | None = None
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and k.value == key:
            found = (k, v)  # the last one wins, as for a YAML loader
    return found


def find(node: Node | None, path: Sequence[PathPart]) -> Node | None:
    """Follow string keys through mappings and int indexes through sequences."""
    for part in path:
        if node is None:
            return None
        if isinstance(part, int):
            if not isinstance(node, SequenceNode) or not -len(node.value) <= part < len(node.value):
                return None
            node = node.value[part]
        else:
            pair = find_pair(node, part)
            node = pair[1] if pair else None
    return node


def is_alias_use(key: Node, value: Node) -> bool:
    """True when `value` was written as `*alias`: the composer hands back the anchored
    node, whose marks point at its definition earlier in the file."""
    return value.start_mark.index < key.start_mark.index


def is_null(node: Node) -> bool:
    return (
        isinstance(node, ScalarNode)
        and node.tag.endswith(":null")
        and node.value in ("", "~", "null", "Null", "NULL")
    )


# ---------------------------------------------------------------- text geometry


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    """Offset of the newline ending the line containing `offset` (or len(text))."""
    pos = text.find("\n", offset)
    return len(text) if pos == -1 else pos


def column_of(text: str, offset: int) -> int:
    """0-based column of an offset."""
    return offset - line_start(text, offset)


_ALIAS_AFTER = re.compile(r"[ \t]*(?::[ \t]*|-[ \t]+)?\*[^\s,\[\]{}]+")


def content_end(text: str, node: Node, after: int | None = None) -> int:
    """Offset just after the last character that belongs to `node`, ignoring the trailing
    comments and blank lines libyaml counts into block collections and block scalars.
    `after` is where the node's own text starts when the node was used as an alias."""
    if after is not None and node.start_mark.index < after:
        m = _ALIAS_AFTER.match(text, after)
        if not m:
            raise YamlEditError("cannot locate alias use")
        return m.end()
    if isinstance(node, MappingNode):
        if node.flow_style or not node.value:
            return node.end_mark.index
        k, v = node.value[-1]
        if is_null(v) and v.start_mark.index == v.end_mark.index:
            return _after_colon(text, k)
        return content_end(text, v, k.end_mark.index)
    if isinstance(node, SequenceNode):
        if node.flow_style or not node.value:
            return node.end_mark.index
        prev = node.value[-2].end_mark.index if len(node.value) > 1 else node.start_mark.index
        last = node.value[-1]
        if last.start_mark.index < node.start_mark.index:
            return content_end(text, last, prev)
        return content_end(text, last)
    end = node.end_mark.index
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        while end > node.start_mark.index and text[end - 1] in " \t\n":
            end -= 1
    return end


def _after_colon(text: str, key: Node) -> int:
    pos = key.end_mark.index
    m = re.compile(r"[ \t]*:").match(text, pos)
    return m.end() if m else pos


def detect_indent_unit(text: str) -> int:
    """The indentation step the file uses (2 when there is nothing to learn from)."""
    steps: dict[int, int] = {}
    prev = 0
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        ind = len(line) - len(stripped)
        if ind > prev:
            steps[ind - prev] = steps.get(ind - prev, 0) + 1
        prev = ind
    if not steps:
        return 2
    return max(steps.items(), key=lambda kv: (kv[1], -kv[0]))[0]


def _walk(node: Node, seen: set[int] | None = None) -> list[Node]:
    seen = seen if seen is not None else set()
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        out.append(n)
        if isinstance(n, MappingNode):
            for k, v in n.value:
                stack.extend((k, v))
        elif isinstance(n, SequenceNode):
            stack.extend(n.value)
    return out


@dataclass(frozen=True, slots=True)
class Style:
    """How a file writes things, learnt from its own text."""

    unit: int = 2  # indentation step
    indent_sequences: bool = True  # `key:\n  - x` (True) or `key:\n- x` (False)
    quote: str = '"'  # preferred quote for strings that need quoting

    @classmethod
    def of(cls, text: str, docs: Sequence[Node] = ()) -> Style:
        unit = detect_indent_unit(text)
        indented = True
        singles = doubles = 0
        decided = False
        for doc in docs:
            for n in _walk(doc):
                if isinstance(n, ScalarNode):
                    if n.style == "'":
                        singles += 1
                    elif n.style == '"':
                        doubles += 1
                elif isinstance(n, MappingNode) and not decided:
                    for k, v in n.value:
                        if (
                            isinstance(v, SequenceNode)
                            and not v.flow_style
                            and v.value
                            and not is_alias_use(k, v)
                        ):
                            indented = column_of(text, v.start_mark.index) > column_of(
                                text, k.start_mark.index
                            )
                            decided = True
                            break
        return cls(unit, indented, "'" if singles > doubles else '"')


# ---------------------------------------------------------------- rendering values

_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./$][A-Za-z0-9_ ./$%@+=()-]*$")


@functools.lru_cache(maxsize=4096)
def _resolves_to_str(text: str) -> bool:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader) == text  # noqa: S506 - safe loader
    except yaml.YAMLError:
        return False


def render_scalar(value: Any, quote: str = '"', flow: bool = False) -> str:
    """YAML text for a scalar, plain when that reads back as the same value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if (
        _PLAIN_SAFE.match(text)
        and not text.endswith(" ")
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and _resolves_to_str(text)
    ):
        return text
    if quote == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped + '"'


def render_flow(value: Any, quote: str = '"') -> str:
    if isinstance(value, dict):
        inner = ", ".join(
            f"{render_scalar(k, quote, True)}: {render_flow(v, quote)}" for k, v in value.items()
        )
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_flow(v, quote) for v in value) + "]"
    return render_scalar(value, quote, True)


@dataclass(frozen=True, slots=True)
class Raw:
    """Pre-rendered YAML text used verbatim (an alias like `*default-logging`)."""

    text: str


def _is_flow_leaf(value: Any) -> bool:
    return isinstance(value, Raw) or not isinstance(value, dict | list | tuple) or not value


def render_entry(key: str, value: Any, indent: int, style: Style) -> list[str]:
    """Lines (no newline) of `key: value` at column `indent`, block style."""
    pad = " " * indent
    k = render_scalar(key, style.quote)
    if isinstance(value, Raw):
        return [f"{pad}{k}: {value.text}"]
    if _is_flow_leaf(value):
        return [f"{pad}{k}: {render_flow(value, style.quote)}"]
    lines = [f"{pad}{k}:"]
    if isinstance(value, dict):
        for ck, cv in value.items():
            lines.extend(render_entry(str(ck), cv, indent + style.unit, style))
    else:
        item_indent = indent + style.unit if style.indent_sequences else indent
        for item in value:
            lines.extend(render_item(item, item_indent, style))
    return lines


def render_item(value: Any, indent: int, style: Style) -> list[str]:
    """Lines of one block sequence item `- value` with its dash at column `indent`."""
    pad = " " * indent
    if isinstance(value, Raw):
        return [f"{pad}- {value.text}"]
    if _is_flow_leaf(value):
        return [f"{pad}- {render_flow(value, style.quote)}"]
    if isinstance(value, dict):
        lines: list[str] = []
        for i, (ck, cv) in enumerate(value.items()):
            sub = render_entry(str(ck), cv, indent + 2, style)
            if i == 0:
                sub[0] = pad + "- " + sub[0][indent + 2 :]
            lines.extend(sub)
        return lines
    return [f"{pad}- {render_flow(value, style.quote)}"]


# ---------------------------------------------------------------- edits


def mapping_indent(text: str, mapping: MappingNode) -> int:
    """Column of the keys of a block mapping (learnt from its first key)."""
    if not mapping.value:
        raise YamlEditError("empty block mapping")
    return column_of(text, mapping.value[0][0].start_mark.index)


def insert_key(
    text: str,
    mapping: Node,
    key: str,
    value: Any,
    *,
    parent_key: Node | None = None,
    style: Style | None = None,
) -> list[TextEdit]:
    """Add `key: value` as the last entry of `mapping` (see `insert_keys`)."""
    return insert_keys(text, mapping, {key: value}, parent_key=parent_key, style=style)


def insert_keys(
    text: str,
    mapping: Node,
    entries: dict[str, Any],
    *,
    parent_key: Node | None = None,
    style: Style | None = None,
) -> list[TextEdit]:
    """Add entries after the last entry of `mapping`, as one edit.

    Block mappings get new lines at the mapping's own indentation, right after the last
    line of the last entry (so trailing comments stay below); flow mappings get
    `, key: value` before their `}`; a null value (`web:` with nothing) becomes a block
    mapping indented one step under `parent_key`."""
    style = style or Style.of(text)
    if isinstance(mapping, ScalarNode) and is_null(mapping):
        if parent_key is None:
            raise YamlEditError("null value without its key")
        indent = column_of(text, parent_key.start_mark.index) + style.unit
        body = "\n" + "\n".join(
            line for k, v in entries.items() for line in render_entry(k, v, indent, style)
        )
        edits: list[TextEdit] = []
        if mapping.end_mark.index > mapping.start_mark.index:  # explicit ~ / null
            edits.append(TextEdit(_after_colon(text, parent_key), mapping.end_mark.index, ""))
            pos = line_end(text, mapping.end_mark.index)
        else:
            pos = line_end(text, _after_colon(text, parent_key))
        edits.append(TextEdit(pos, pos, body))
        return edits
    if not isinstance(mapping, MappingNode):
        raise YamlEditError("not a mapping")
    for key in entries:
        if find_pair(mapping, key) is not None:
            raise YamlEditError(f"key {key!r} already present")
    if mapping.flow_style:
        return [
            _flow_insert(
                text,
                mapping,
                ", ".join(
                    f"{render_scalar(k, style.quote, True)}: {_flow_value(v, style)}"
                    for k, v in entries.items()
                ),
            )
        ]
    indent = mapping_indent(text, mapping)
    pos = line_end(text, content_end(text, mapping))
    body = "\n" + "\n".join(
        line for k, v in entries.items() for line in render_entry(k, v, indent, style)
    )
    return [TextEdit(pos, pos, body)]


def anchor_name(text: str, node: Node) -> str | None:
    """The `&name` written at the start of `node`, if any."""
    m = re.compile(r"&([^\s,\[\]{}]+)").match(text, node.start_mark.index)
    return m.group(1) if m else None


def _flow_value(value: Any, style: Style) -> str:
    return value.text if isinstance(value, Raw) else render_flow(value, style.quote)


def _flow_insert(text: str, node: Node, item_text: str) -> TextEdit:
    """Insert one entry into a flow collection before its closing bracket."""
    close = node.end_mark.index - 1
    if close < 0 or text[close] not in "]}":
        raise YamlEditError("flow collection without closing bracket")
    if node.value:
        last = node.value[-1]
        last_node = last[1] if isinstance(last, tuple) else last
        after = last[0].end_mark.index if isinstance(last, tuple) else None
        end = content_end(text, last_node, after)
        tail = text[end:close]
        if "#" in tail or "," in tail:
            raise YamlEditError("comment or trailing comma in flow collection")
        return TextEdit(end, end, ", " + item_text)
    return TextEdit(close, close, item_text)


def set_scalar(text: str, node: Node, value: Any, style: Style | None = None) -> list[TextEdit]:
    """Replace one scalar's text, keeping its quote style when it was quoted."""
    if not isinstance(node, ScalarNode):
        raise YamlEditError("not a scalar")
    style = style or Style.of(text)
    if node.style in ("'", '"') and isinstance(value, str):
        rendered = render_scalar(value, node.style)
        if not rendered.startswith(node.style):
            rendered = (
                node.style
                + (
                    value.replace("'", "''")
                    if node.style == "'"
                    else value.replace("\\", "\\\\").replace('"', '\\"')
                )
                + node.style
            )
    elif node.style in ("|", ">"):
        raise YamlEditError("block scalar")
    else:
        rendered = render_scalar(value, style.quote)
    return [TextEdit(node.start_mark.index, node.end_mark.index, rendered)]


def append_item(text: str, seq: Node, value: Any, style: Style | None = None) -> list[TextEdit]:
    """Append one item to a block or flow sequence."""
    if not isinstance(seq, SequenceNode):
        raise YamlEditError("not a sequence")
    style = style or Style.of(text)
    if seq.flow_style or not seq.value:
        return [_flow_insert(text, seq, _flow_value(value, style))]
    dash = _dash_before(text, seq.value[0].start_mark.index)
    if dash is None:
        raise YamlEditError("cannot find the sequence dash")
    indent = column_of(text, dash)
    pos = line_end(text, content_end(text, seq))
    return [TextEdit(pos, pos, "\n" + "\n".join(render_item(value, indent, style)))]


def _dash_before(text: str, offset: int) -> int | None:
    """Offset of the `-` introducing the sequence item that starts at `offset`."""
    pos = offset - 1
    while pos >= 0 and text[pos] in " \t":
        pos -= 1
    if pos >= 0 and text[pos] == "-":
        return pos
    return None


def replace_node(
    text: str, node: Node, value: Any, style: Style | None = None, key: Node | None = None
) -> list[TextEdit]:
    """Replace a whole node with the flow rendering of `value` (for flow collections and
    scalars; block collections would need re-indentation and are refused)."""
    if key is not None and is_alias_use(key, node):
        raise YamlEditError("value is an alias")
    if isinstance(node, MappingNode | SequenceNode) and not node.flow_style:
        raise YamlEditError("block collection")
    style = style or Style.of(text)
    return [TextEdit(node.start_mark.index, node.end_mark.index, _flow_value(value, style))]


def node_text(text: str, node: Node) -> str:
    return text[node.start_mark.index : content_end(text, node)]


def apply_text_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """Splice edits (non-overlapping) into text, from the end so offsets stay valid."""
    out = text
    order = sorted(range(len(edits)), key=lambda i: (edits[i].start, edits[i].end, i), reverse=True)
    for i in order:
        e = edits[i]
        out = out[: e.start] + e.replacement + out[e.end :]
    return out


def anchors(text: str) -> dict[str, int]:
    """Anchor name -> offset of its `&name` definition (first one)."""
    found: dict[str, int] = {}
    for m in re.finditer(r"(?<![^\s\[{,:-])&([^\s,\[\]{}]+)", text):
        found.setdefault(m.group(1), m.start())
    return found


def alias_uses(text: str, name: str) -> list[int]:
    return [m.start() for m in re.finditer(r"\*" + re.escape(name) + r"(?![^\s,\]}])", text)]
