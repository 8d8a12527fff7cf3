"""Format-preserving YAML edits for any YAML text (compose today, Kubernetes later).

We never re-serialise a document: libyaml's composer gives each node's character offsets,
and every helper here returns small `TextEdit`s (insert a key after the last line of a
block mapping with that mapping's indentation, replace one scalar, append one sequence
item, ...). Bytes outside the edited spans, comments, blank lines and quote styles stay
as the user wrote them. When the layout is one we cannot edit with certainty, helpers
raise `YamlEditError` and the caller offers the fix as display-only (or not at all)."""

from __future__ import annotations

import functools
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infradoctor.lazyre import lazy
from infradoctor.records import record
from infradoctor.runmemo import per_run, per_run_clear
from infradoctor.syntax.yaml import COMPOSE_LOADER


class YamlEditError(Exception):
    """The text cannot be edited safely (parse error, alias where we would write, ...)."""


Check = Callable[[], "str | None"]


@record(frozen=True, hot=True)
class TextEdit:
    """Replace text[start:end] with `replacement` (character offsets). `verify`, when set,
    checks that the group of edits it came with means what it was meant to (see
    `with_check`); it returns what is wrong, or None."""

    start: int
    end: int
    replacement: str
    verify: Check | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # A backwards or negative range is a bug in the helper that computed it (e.g. a
        # node reached through an alias, whose marks point at its anchor): never hand
        # it on, the caller offers no fix instead.
        if self.start < 0 or self.start > self.end:
            raise YamlEditError(f"bad edit range {self.start}..{self.end}")


PathPart = str | int

# ---------------------------------------------------------------- parsing and lookup


def parse_documents(text: str) -> list[Node]:
    """All documents of a YAML stream as positioned node graphs (libyaml C composer)."""
    loader = COMPOSE_LOADER
    try:
        return [d for d in yaml.compose_all(text, Loader=loader) if d is not None]
    except yaml.YAMLError as exc:
        raise YamlEditError(f"YAML does not parse: {exc}") from None
    except RecursionError:
        raise YamlEditError("YAML nesting too deep") from None


def parse_document(text: str, index: int = 0) -> Node | None:
    docs = parse_documents(text)
    return docs[index] if index < len(docs) else None


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


_ALIAS_AFTER = lazy(r"[ \t]*(?::[ \t]*|-[ \t]+)?\*[^\s,\[\]{}]+")


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


# The leading spaces of each line holding something other than spaces or a comment.
_CONTENT_INDENT = re.compile(r"^( *+)[^ \n#]", re.MULTILINE)


def detect_indent_unit(text: str) -> int:
    """The indentation step the file uses (2 when there is nothing to learn from)."""
    # one C scan, not a split; the steps (rises from the previous such line) in C too
    indents = list(map(len, _CONTENT_INDENT.findall(text)))
    steps = Counter(filter((0).__lt__, map(operator.sub, indents, [0, *indents])))
    if not steps:
        return 2
    return max(steps.items(), key=lambda kv: (kv[1], -kv[0]))[0]


def _sequence_indented(text: str, mapping: MappingNode) -> bool | None:
    """Whether the first block sequence value of `mapping` is indented under its key
    (None: the mapping holds none)."""
    for k, v in mapping.value:
        if isinstance(v, SequenceNode) and not v.flow_style and v.value and not is_alias_use(k, v):
            return column_of(text, v.start_mark.index) > column_of(text, k.start_mark.index)
    return None


class Style:
    """How a file writes things, learnt from its own text. A `Style.lazy` one learns the
    sequence indentation and the quote preference (a walk of every node) only when
    first asked: most fixes write plain scalars and no block sequence."""

    __slots__ = ("unit", "_indent_sequences", "_quote", "_source")

    def __init__(self, unit: int = 2, indent_sequences: bool = True, quote: str = '"') -> None:
        self.unit = unit  # indentation step
        self._indent_sequences = indent_sequences  # `key:\n  - x` (True) or `key:\n- x`
        self._quote = quote  # preferred quote for strings that need quoting
        self._source: tuple[str, Sequence[Node]] | None = None  # what is not learnt yet

    @property
    def indent_sequences(self) -> bool:
        if self._source is not None:
            self._learn()
        return self._indent_sequences

    @property
    def quote(self) -> str:
        if self._source is not None:
            self._learn()
        return self._quote

    def _learn(self) -> None:
        assert self._source is not None
        text, docs = self._source
        self._source = None
        self._indent_sequences, self._quote = _learn_style(text, docs)

    def _fields(self) -> tuple[int, bool, str]:
        return (self.unit, self.indent_sequences, self.quote)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Style) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        unit, indent_sequences, quote = self._fields()
        return f"Style(unit={unit!r}, indent_sequences={indent_sequences!r}, quote={quote!r})"

    @classmethod
    def of(cls, text: str, docs: Iterable[Node] = ()) -> Style:
        """The style of `text` from its documents `docs` (walked now: they may be a
        generator)."""
        return cls(detect_indent_unit(text), *_learn_style(text, docs))

    @classmethod
    def lazy(cls, text: str, docs: Sequence[Node]) -> Style:
        """`Style.of(text, docs)`, walking the documents only when a field needs it."""
        style = cls(detect_indent_unit(text))
        style._source = (text, docs)
        return style


def _learn_style(text: str, docs: Iterable[Node]) -> tuple[bool, str]:
    """(indent_sequences, quote) of a file: the first block sequence under a key says
    the one, the majority of its quoted scalars the other."""
    indented: bool | None = None  # decided by the first block sequence under a key
    quotes = {"'": 0, '"': 0}
    # Without an anchor (`&`) no node is reached twice: the walk skips its `seen` set.
    shared = "&" in text
    for doc in docs:
        # depth first (entries pushed key then value, popped last first); each node
        # once (aliases); one isinstance per scalar: this runs over whole files
        seen: set[int] = set()
        stack = [doc]
        while stack:
            n = stack.pop()
            if shared:
                if id(n) in seen:
                    continue
                seen.add(id(n))
            if isinstance(n, ScalarNode):
                if n.style in quotes:
                    quotes[n.style] += 1
            elif isinstance(n, MappingNode):
                if indented is None:
                    indented = _sequence_indented(text, n)
                for k, v in n.value:
                    stack.append(k)
                    stack.append(v)
            elif isinstance(n, SequenceNode):
                stack.extend(n.value)
    singles, doubles = quotes["'"], quotes['"']
    return True if indented is None else indented, "'" if singles > doubles else '"'


# ---------------------------------------------------------------- rendering values

_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./$][A-Za-z0-9_ ./$%@+=()-]*$")
# Characters a double-quoted scalar must escape: C0/C1 controls, DEL, line and paragraph
# separators, BOM (libyaml rejects or folds them when written literally).
_NEEDS_ESCAPE = lazy('[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ufeff\\\\"]')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
_UNPRINTABLE = lazy("[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ufeff]")


@functools.lru_cache(maxsize=4096)
@functools.lru_cache(maxsize=4096)  # a parse per call; fixes write the same words again
def _resolves_to_str(text: str) -> bool:
    """`text` written plain reads back as this very string, both for PyYAML (YAML 1.1, as
    this tool's loaders resolve tags) and for the YAML 1.2 core schema (go-yaml: Docker
    Compose, kubectl)."""
    from infradoctor.syntax.yaml import resolve_plain_scalar

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        if yaml.load(text, Loader=loader) != text:  # noqa: S506 - safe loader
            return False
    except yaml.YAMLError:
        return False
    return resolve_plain_scalar(text) == text


def _double_quoted(text: str) -> str:
    def escape(m: re.Match[str]) -> str:
        ch = m.group()
        if ch in _ESCAPES:
            return _ESCAPES[ch]
        code = ord(ch)
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

    return '"' + _NEEDS_ESCAPE.sub(escape, text) + '"'


def quote_scalar(text: str, quote: str = '"') -> str:
    """`text` as a quoted scalar, in `quote` style when that style can hold it (single
    quotes cannot hold line breaks or control characters: those get double quotes)."""
    if quote == "'" and not _UNPRINTABLE.search(text):
        return "'" + text.replace("'", "''") + "'"
    return _double_quoted(text)


def render_scalar(value: Any, quote: str = '"', flow: bool = False) -> str:
    """YAML text for a scalar, plain when that reads back as the same value. The result
    is safe in block and flow context alike (`flow` is accepted for symmetry)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)  # YAML 1.1 wants a dot in every float, and a signed exponent
        mantissa, e, exponent = text.partition("e")
        return (mantissa if "." in mantissa else mantissa + ".0") + e + exponent
    if isinstance(value, Raw):
        return _raw_text(value)
    if not isinstance(value, str):
        raise YamlEditError(f"cannot write a {type(value).__name__} as YAML")
    if _plain(value):
        return value
    return quote_scalar(value, quote)


def _plain(text: str) -> bool:
    """`text` may be written plain (else `render_scalar` quotes it)."""
    return bool(
        _PLAIN_SAFE.match(text)
        and not text.endswith(" ")
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and _resolves_to_str(text)
    )


# libyaml ends an implicit (simple) key within 1024 characters of its start, on one line:
# a longer `key:` is a syntax error in block context and not a key in flow context.
MAX_IMPLICIT_KEY = 1000


def implicit_key(text: str) -> str:
    """`text`, the YAML source of a mapping key about to be written before `: `, checked
    to be short enough for an implicit key (we never write the explicit `? key` form)."""
    if len(text.encode("utf-8")) > MAX_IMPLICIT_KEY or "\n" in text:
        raise YamlEditError(f"key of {len(text)} characters is too long for a YAML key")
    return text


def render_key(key: Any, quote: str = '"') -> str:
    """YAML text of a mapping key (a scalar rendered as `render_scalar`, checked by
    `implicit_key`)."""
    return implicit_key(render_scalar(key, quote, True))


@record(frozen=True, hot=True)
class Raw:
    """Pre-rendered YAML text used verbatim (an alias like `*default-logging`, a JSON
    array, a scalar in a quote style of its own). One line: it must fit in flow context."""

    text: str


def _raw_text(value: Raw) -> str:
    if not value.text.strip() or "\n" in value.text or "\r" in value.text:
        raise YamlEditError(f"raw YAML {value.text!r} is not one line of text")
    return value.text


def render_flow(value: Any, quote: str = '"') -> str:
    """Flow-style YAML for any value: mappings `{k: v}`, sequences `[a, b]`, `Raw` text
    verbatim and scalars quoted when needed, at any depth."""
    if isinstance(value, Raw):
        return _raw_text(value)
    if isinstance(value, dict):
        inner = ", ".join(
            f"{render_key(k, quote)}: {render_flow(v, quote)}" for k, v in value.items()
        )
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_flow(v, quote) for v in value) + "]"
    return render_scalar(value, quote, True)


def _is_flow_leaf(value: Any) -> bool:
    return isinstance(value, Raw) or not isinstance(value, dict | list | tuple) or not value


def render_entry(key: Any, value: Any, indent: int, style: Style) -> list[str]:
    """Lines (no newline) of `key: value` at column `indent`, block style."""
    pad = " " * indent
    k = render_key(key, style.quote)
    if _is_flow_leaf(value):
        return [f"{pad}{k}: {render_flow(value, style.quote)}"]
    lines = [f"{pad}{k}:"]
    if isinstance(value, dict):
        for ck, cv in value.items():
            lines.extend(render_entry(ck, cv, indent + style.unit, style))
    else:
        item_indent = indent + style.unit if style.indent_sequences else indent
        for item in value:
            lines.extend(render_item(item, item_indent, style))
    return lines


def render_item(value: Any, indent: int, style: Style) -> list[str]:
    """Lines of one block sequence item `- value` with its dash at column `indent`."""
    pad = " " * indent
    if _is_flow_leaf(value):
        return [f"{pad}- {render_flow(value, style.quote)}"]
    if isinstance(value, dict):
        lines: list[str] = []
        for i, (ck, cv) in enumerate(value.items()):
            sub = render_entry(ck, cv, indent + 2, style)
            if i == 0:
                sub[0] = pad + "- " + sub[0][indent + 2 :]
            lines.extend(sub)
        return lines
    return [f"{pad}- {render_flow(value, style.quote)}"]


# ---------------------------------------------------------------- checking what an edit means
#
# Every helper below attaches a check to the edits it returns: applied to the text they
# were computed on, the edits must leave every document exactly as it was except the one
# node they are about, which must read back as the value intended (with the same scalar
# resolution as the loaders: YAML 1.1 tags, YAML 1.2 core-schema values). A value that is
# rendered wrong (a repr() instead of YAML, a lost quote, an entry indented into the
# parent) is caught here even though the file still parses. The check runs when a fix is
# applied (`infradoctor.fixes.apply`), not at lint time.

ANY: Any = object()  # an intended value that is not checked (an alias such as `*logging`)
_IMPLICIT = frozenset(
    "tag:yaml.org,2002:" + t for t in ("null", "bool", "int", "float", "timestamp")
)
_MERGE = "tag:yaml.org,2002:merge"
_MAX_VALUE_NODES = 200_000  # the least a check may walk; more for a bigger file (`_Budget`)
_MIN_ALONE = 16  # checks run alone (a full parse each) per file: at least these,
_ALONE_CHARS = 8_000_000  # and as many more as fit this many characters of the file


class _Known(dict[str, tuple[Node, ...]]):
    """Texts already composed (see `remember`), with their characters counted as they
    come and go (summing them on every `remember` made a pass over many files quadratic)."""

    chars = 0

    def put(self, text: str, docs: tuple[Node, ...]) -> None:
        if self.pop(text, None) is not None:
            self.chars -= len(text)
        self[text] = docs
        self.chars += len(text)

    def drop_oldest(self) -> None:
        text = next(iter(self))
        del self[text]
        self.chars -= len(text)

    def clear(self) -> None:
        super().clear()
        self.chars = 0


_KNOWN = per_run(_Known())  # emptied after an in-process lint (runmemo)
# A fix pass may edit hundreds of files: each is composed once. The texts held are
# bounded in number and in characters (a big manifest's nodes are tens of MB).
_KNOWN_MAX = 512
_KNOWN_CHARS = 16_000_000


def remember(text: str, docs: Sequence[Node]) -> None:
    """`docs` are the non-empty documents of `text` as libyaml composes them (the
    loader's nodes, or a checked edit's result): the checks need not parse it again."""
    _KNOWN.put(text, tuple(docs))
    while len(_KNOWN) > 1 and (len(_KNOWN) > _KNOWN_MAX or _KNOWN.chars > _KNOWN_CHARS):
        _KNOWN.drop_oldest()


def known_documents(text: str) -> list[Node] | None:
    """`parse_documents(text)` when `text` was composed before (`remember`), else None."""
    known = _KNOWN.get(text)
    return None if known is None else [d for d in known if d is not None]


def composes(text: str) -> bool:
    """`text` is a YAML stream libyaml composes without error."""
    return text in _KNOWN or _composed(text) is not None


def _documents(text: str) -> tuple[Node, ...] | None:
    known = _KNOWN.get(text)
    return known if known is not None else _composed(text)


def documents(text: str) -> tuple[Node, ...] | None:
    """libyaml's documents of `text` (None: it does not compose), parsed once."""
    return _documents(text)


@functools.lru_cache(maxsize=32)
def _composed(text: str) -> tuple[Node, ...] | None:
    """The documents of `text` (cached: many fixes are checked against one file). The
    nodes are only read, never constructed in place."""
    loader = COMPOSE_LOADER
    try:
        return tuple(d for d in yaml.compose_all(text, Loader=loader) if d is not None)
    except (yaml.YAMLError, RecursionError):
        return None


per_run_clear(_composed.cache_clear)


class _Budget:
    """Nodes a check may visit: `_MAX_VALUE_NODES`, or one per character of the texts it
    reads (a check walks the whole file, so a fixed cap refused every edit of a big one)."""

    def __init__(self, *texts: str) -> None:
        self.left = max(_MAX_VALUE_NODES, sum(map(len, texts)))

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise YamlEditError("value too large to check")


def plain_value(node: Node, budget: _Budget | None = None) -> Any:
    """The Python value of a composed node as the loaders read it: plain scalars with an
    implicit tag resolved by the YAML 1.2 core schema, `<<` merges applied (explicit keys
    win, then earlier merged mappings), aliases shared."""
    from infradoctor.syntax.yaml import resolve_plain_scalar

    budget = budget or _Budget()
    memo: dict[int, Any] = {}
    busy = object()

    def conv(n: Node, depth: int) -> Any:
        budget.spend()
        if id(n) in memo:
            if memo[id(n)] is busy:
                raise YamlEditError("recursive alias")
            return memo[id(n)]
        if depth > 400:
            raise YamlEditError("YAML nested too deeply to check")
        if isinstance(n, ScalarNode):
            if not n.style and n.tag in _IMPLICIT:
                value: Any = resolve_plain_scalar(n.value)
            else:
                value = n.value
            memo[id(n)] = value
            return value
        memo[id(n)] = busy
        if isinstance(n, SequenceNode):
            out: Any = [conv(c, depth + 1) for c in n.value]
        else:
            own: dict[Any, Any] = {}
            merged: list[dict[Any, Any]] = []
            for k, v in n.value:
                if k.tag == _MERGE:
                    sources = v.value if isinstance(v, SequenceNode) else [v]
                    merged.extend(
                        m for m in (conv(s, depth + 1) for s in sources) if isinstance(m, dict)
                    )
                    continue
                key = conv(k, depth + 1)
                own[key if _hashable(key) else repr(key)] = conv(v, depth + 1)
            out = {}
            for m in reversed(merged):
                out.update(m)
            out.update(own)
        memo[id(n)] = out
        return out

    return conv(node, 0)


def old_value(node: Node, budget: _Budget | None = None) -> Any:
    """`plain_value(node, budget)` of a node of a text as it is (parsed documents are only
    read), converted once: each check of an edit into a mapping reads the mapping as it
    was, and the joint check reads it again. A reading spends from `budget` what the
    conversion did, so a too large value fails as it would."""
    budget = budget or _Budget()
    held = _OLD_VALUES.get(id(node))
    if held is not None and held[0] is node:
        budget.left -= held[2]
        if budget.left < 0:
            raise YamlEditError("value too large to check")
        return held[1]
    left = budget.left
    value = plain_value(node, budget)
    if len(_OLD_VALUES) >= _OLD_VALUES_MAX:
        _OLD_VALUES.clear()
    _OLD_VALUES[id(node)] = (node, value, left - budget.left)
    return value


# id(node) -> (the node, its plain value, the budget its conversion spent); the node is
# held so that its id stays its own
_OLD_VALUES: dict[int, tuple[Node, Any, int]] = per_run({})  # emptied after a lint (runmemo)
_OLD_VALUES_MAX = 4096


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def intended(value: Any) -> Any:
    """The value a fixer means by `value` once written: `Raw` text read as YAML (an alias
    is not checked), tuples as lists. The result is only read (the checks compare it)."""
    if isinstance(value, Raw):
        found = _RAW_VALUES.get(value.text, _RAW_VALUES)
        if found is _RAW_VALUES:
            found = _raw_value(value)
            if len(_RAW_VALUES) >= _RAW_VALUES_MAX:
                _RAW_VALUES.clear()
            _RAW_VALUES[value.text] = found
        return found
    if isinstance(value, dict):
        return {k: intended(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [intended(v) for v in value]
    return value


def _intended_of(value: Any, frozen: Hashable | None) -> Any:
    """`intended(value)`, memoised by `_frozen(value)` (equal keys: equal values)."""
    if frozen is None:
        return intended(value)
    found = _WANTS.get(frozen, _WANTS)
    if found is _WANTS:
        found = intended(value)
        if len(_WANTS) >= _RAW_VALUES_MAX:
            _WANTS.clear()
        _WANTS[frozen] = found
    return found


_WANTS: dict[Hashable, Any] = {}  # frozen entries -> their intended value (only read)

# `Raw` text -> its value: fixes write the same healthcheck tests and log limits into
# many services, and reading one back composes a YAML document.
_RAW_VALUES: dict[str, Any] = {}
_RAW_VALUES_MAX = 4096


def _raw_value(value: Raw) -> Any:
    text = _raw_text(value).strip()
    if text.startswith("*"):
        return ANY
    # not through `_composed`: these short texts would push whole files' documents out
    docs = _composed.__wrapped__(f"k: {text}\n")
    if not docs or not isinstance(docs[0], MappingNode):
        raise YamlEditError(f"raw YAML {value.text!r} does not parse")
    return plain_value(docs[0].value[0][1])


def same_value(actual: Any, expected: Any) -> bool:
    """Strict equality of loaded values (`True` is not `1`, `1` is not `1.0`); `ANY`
    matches anything. Shared (aliased) values are compared once."""
    seen: set[tuple[int, int]] = set()
    stack = [(actual, expected)]
    while stack:
        a, e = stack.pop()
        if e is ANY or a is e:  # a value is the same as itself (NaN too, as below)
            continue
        if (id(a), id(e)) in seen:
            continue
        seen.add((id(a), id(e)))
        if isinstance(e, dict):
            if not isinstance(a, dict) or set(a) != set(e):
                return False
            stack.extend((a[k], e[k]) for k in e)
        elif isinstance(e, list):
            if not isinstance(a, list) or len(a) != len(e):
                return False
            stack.extend(zip(a, e, strict=True))
        elif type(a) is not type(e):
            return False
        elif isinstance(e, float) and math.isnan(e):
            if not math.isnan(a):
                return False
        elif a != e:
            return False
    return True


def _same_node(a: Node, b: Node) -> bool:
    return (
        type(a) is type(b)
        and a.start_mark.index == b.start_mark.index
        and a.end_mark.index == b.end_mark.index
    )


def check_edit(text: str, edits: Sequence[TextEdit], node: Node, expected: Any) -> str | None:
    """What is wrong with `edits` (None: nothing): applied to `text`, they must leave every
    document as it was except `node`, which must then read back as `expected`."""
    old = _documents(text)
    if old is None:
        return "the file did not parse before the edit"
    new_text = apply_text_edits(text, edits)
    loader = COMPOSE_LOADER
    try:
        new = tuple(d for d in yaml.compose_all(new_text, Loader=loader) if d is not None)
    except yaml.YAMLError as exc:
        return f"the edit would leave invalid YAML ({str(exc).splitlines()[0]})"
    except RecursionError:
        return "the edit would leave YAML nested too deeply"
    remember(new_text, new)  # a file's only edit: what it will be once written
    if len(new) != len(old):
        return "the edit would change the number of YAML documents"
    budget = _Budget(text, new_text)
    seen: set[tuple[int, int]] = set()
    found = False
    stack: list[tuple[Node, Node, str]] = [
        (o, n, f"document {i + 1}") for i, (o, n) in enumerate(zip(old, new, strict=True))
    ]
    try:
        while stack:
            o, n, where = stack.pop()
            if (id(o), id(n)) in seen:
                continue
            seen.add((id(o), id(n)))
            budget.spend()
            if _same_node(o, node) and o.tag == node.tag:
                found = True
                actual = plain_value(n, budget)
                if not same_value(actual, expected):
                    return f"{where} would read {actual!r}, not {expected!r}"
                continue
            if type(o) is not type(n) or o.tag != n.tag:
                return f"the edit would change {where}"
            if isinstance(o, ScalarNode):
                if o.value != n.value:
                    return f"the edit would change {where} ({o.value!r} -> {n.value!r})"
                continue
            if len(o.value) != len(n.value):
                return f"the edit would change {where}"
            if isinstance(o, MappingNode):
                for (ok, ov), (nk, nv) in zip(o.value, n.value, strict=True):
                    label = f"{where} > {ok.value if isinstance(ok, ScalarNode) else '?'}"
                    stack.append((ok, nk, label))
                    stack.append((ov, nv, label))
            else:
                for i, (oi, ni) in enumerate(zip(o.value, n.value, strict=True)):
                    stack.append((oi, ni, f"{where} > [{i}]"))
    except YamlEditError as exc:
        return str(exc)
    if not found:
        return "the edited node is not in the file"
    return None


@record(frozen=True, eq=False, hot=True)
class EditCheck:
    """A deferred `check_edit` of one group of edits (see `with_check`). Called alone it
    checks its edits alone; `check_all` checks many on one file with one parse."""

    text: str
    edits: tuple[TextEdit, ...]
    node: Node
    expected: Any  # the value, or a zero-argument callable giving it

    def want(self) -> Any:
        """The intended value (raises YamlEditError when it cannot be computed)."""
        return self.expected() if callable(self.expected) else self.expected

    def __call__(self) -> str | None:
        try:
            want = self.want()
        except YamlEditError as exc:
            return str(exc)
        return check_edit(self.text, self.edits, self.node, want)


def with_check(text: str, edits: Sequence[TextEdit], node: Node, expected: Any) -> list[TextEdit]:
    """`edits` with a deferred `check_edit` attached to the first one: `node` must read
    back as `expected` (use `intended(...)` for values given to the renderers; a
    zero-argument callable is called when the check runs) and nothing else may change."""
    out = list(edits)
    if not out:
        return out
    # plain constructor calls: `dataclasses.replace` costs 4x (one per fix in a report)
    frozen = tuple(TextEdit(e.start, e.end, e.replacement) for e in out)
    first = out[0]
    out[0] = TextEdit(
        first.start, first.end, first.replacement, EditCheck(text, frozen, node, expected)
    )
    return out


def check_all(checks: Sequence[EditCheck]) -> list[str | None]:
    """`check()` of each check, with one parse and one walk per file for all the checks
    on it (one per fix would be quadratic): their edits applied together must leave
    every document as it was except their nodes, each reading back as intended (the
    entries several checks add to one mapping, all of them). A check no joint reading
    can vouch for (a wrong or nested node, a parse error; see `_unvouched`) runs alone,
    as before, and gives its own message."""
    verdicts: list[str | None] = [None] * len(checks)
    per_text: dict[str, list[int]] = {}
    for i, c in enumerate(checks):
        per_text.setdefault(c.text, []).append(i)
    for text, indexes in per_text.items():
        # each reading parses the whole file: a bounded number per file, never one per
        # check (quadratic); the checks past the bound are refused unchecked
        parses = max(_MIN_ALONE, _ALONE_CHARS // max(len(text), 1))
        alone, unchecked, parses = _unvouched(
            text, checks, indexes, parses + 4 * len(indexes).bit_length()
        )
        refusal = _UNCHECKED.format(len(alone) + len(unchecked))
        for i in unchecked + alone[parses:]:
            verdicts[i] = refusal
        for i in alone[:parses]:
            verdicts[i] = checks[i]()
    return verdicts


_UNCHECKED = "not checked: {} edits to this file could not be checked together"


def _unvouched(
    text: str, checks: Sequence[EditCheck], indexes: list[int], parses: int
) -> tuple[list[int], list[int], int]:
    """The checks of `indexes` (all on `text`) no joint reading vouches for, those left
    unread when `parses` ran out, and the parses left. The checks the reading of a group
    leaves out are read again together, and a group none of whose checks holds is
    halved: one bad edit must not send every other edit of a big file to a check of its
    own (a full parse each: quadratic)."""
    todo, out = [indexes], []
    while todo and parses > 0:
        group = todo.pop()
        if len(group) == 1:
            out.extend(group)
            continue
        parses -= 1
        vouched = _check_together(text, [checks[i] for i in group])
        left = [i for i, ok in zip(group, vouched, strict=True) if not ok]
        if not left:
            continue
        if len(left) < len(group):
            todo.append(left)
        else:
            todo += [group[len(group) // 2 :], group[: len(group) // 2]]
    return sorted(out), sorted(i for g in todo for i in g), parses


_NodeKey = tuple[type, int, int, str]


def _node_key(node: Node) -> _NodeKey:
    return (type(node), node.start_mark.index, node.end_mark.index, node.tag)


def _check_together(text: str, checks: Sequence[EditCheck]) -> list[bool]:
    """Which of `checks` (all on `text`) the joint reading of all their edits vouches
    for: every node but theirs unchanged, theirs reading as intended."""
    old = _documents(text)
    edits = sorted((e for c in checks for e in c.edits), key=lambda e: (e.start, e.end))
    if old is None or any(b.start < a.end for a, b in zip(edits, edits[1:], strict=False)):
        return [False] * len(checks)
    targets: dict[_NodeKey, list[int]] = {}
    wants: dict[int, Any] = {}
    for i, c in enumerate(checks):
        try:
            wants[i] = c.want()
        except YamlEditError:
            continue
        targets.setdefault(_node_key(c.node), []).append(i)
    loader = COMPOSE_LOADER
    new_text = apply_text_edits(text, edits)
    try:
        new = tuple(d for d in yaml.compose_all(new_text, Loader=loader) if d is not None)
    except (yaml.YAMLError, RecursionError):
        return [False] * len(checks)
    remember(new_text, new)  # what the file will be once written: parsed, and parses
    if len(new) != len(old):
        return [False] * len(checks)
    failed: list[tuple[int, int]] = []  # spans of the nodes that did not read as intended
    try:
        budget = _Budget(text, new_text)
        shared = "&" in text or "&" in new_text  # without anchors no node is reached twice
        held = _walk_together(old, new, targets, wants, failed, budget, shared=shared)
    except YamlEditError:
        return [False] * len(checks)

    def clear(c: EditCheck) -> bool:
        # an edit into a node that reads wrong may be what made it wrong: alone, then
        return not any(e.start <= end and e.end >= start for e in c.edits for start, end in failed)

    return [i in held and clear(c) for i, c in enumerate(checks)]


def _walk_together(
    old: Sequence[Node],
    new: Sequence[Node],
    targets: dict[_NodeKey, list[int]],
    wants: Any,
    failed_spans: list[tuple[int, int]],
    budget: _Budget,
    *,
    shared: bool = True,
) -> set[int]:
    """The checks whose nodes read as intended (empty: some other node changed); the
    spans of the nodes that did not go to `failed_spans`. Without `shared` (no anchor in
    either text) no node is reached twice and the walk keeps no `seen` set; it runs over
    the whole file once per pass of `fix`, so each node costs as little as it can."""
    seen: set[tuple[int, int]] = set()
    held: set[int] = set()
    failed: set[int] = set()
    target_starts = {key[1] for key in targets}
    stack: list[tuple[Node, Node]] = list(zip(old, new, strict=True))
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        o, n = pop()
        if shared:
            if (id(o), id(n)) in seen:
                continue
            seen.add((id(o), id(n)))
        budget.left -= 1  # budget.spend(), inline
        if budget.left < 0:
            raise YamlEditError("value too large to check")
        mine = targets.get(_node_key(o)) if o.start_mark.index in target_starts else None
        if mine is not None:
            want = _joint_want(o, [wants[i] for i in mine], budget)
            ok = want is not None and same_value(plain_value(n, budget), want[0])
            (held if ok else failed).update(mine)
            if not ok:
                failed_spans.append((o.start_mark.index, o.end_mark.index))
            continue
        kind = type(o)
        if kind is not type(n) or o.tag != n.tag:
            return set()
        if kind is ScalarNode:
            if o.value != n.value:
                return set()
            continue
        if len(o.value) != len(n.value):
            return set()
        if kind is MappingNode:
            for (ok_, ov), (nk, nv) in zip(o.value, n.value, strict=True):
                push((ok_, nk))
                push((ov, nv))
        else:
            extend(zip(o.value, n.value, strict=True))
    return held - failed


def _joint_want(old: Node, wants: list[Any], budget: _Budget) -> tuple[Any] | None:
    """What a node must read as after all of `wants` (each meant for it alone): one of
    them as is; several mappings that each add new keys to the node's mapping, the
    node's mapping with all of those keys (None: they cannot be joined)."""
    if len(wants) == 1:
        return (wants[0],)
    base = old_value(old, budget)
    if not isinstance(base, dict) or not all(isinstance(w, dict) for w in wants):
        return None
    joint = dict(base)
    for w in wants:
        if not set(base) <= set(w) or not same_value({k: w[k] for k in base}, base):
            return None
        added = {k: v for k, v in w.items() if k not in base}
        if set(added) & (set(joint) - set(base)):
            return None
        joint.update(added)
    return (joint,)


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
    mapping indented one step under `parent_key` (in a flow mapping: `{k: v}`)."""
    style = style or Style.of(text)
    frozen = _frozen(entries)
    want = _intended_of(entries, frozen)
    if isinstance(mapping, ScalarNode) and is_null(mapping):
        if parent_key is None:
            raise YamlEditError("null value without its key")
        return with_check(
            text, _fill_null(text, mapping, parent_key, entries, style, frozen), mapping, want
        )
    if not isinstance(mapping, MappingNode):
        raise YamlEditError("not a mapping")
    for key in entries:
        if find_pair(mapping, key) is not None:
            raise YamlEditError(f"key {key!r} already present")
    if mapping.flow_style:
        edits = [
            _flow_insert(
                text,
                mapping,
                ", ".join(
                    f"{render_key(k, style.quote)}: {render_flow(v, style.quote)}"
                    for k, v in entries.items()
                ),
            )
        ]
    else:
        indent = mapping_indent(text, mapping)
        pos = line_end(text, content_end(text, mapping))
        body = "\n" + _block_body(entries, indent, style, frozen)
        edits = [TextEdit(pos, pos, body)]
    return with_check(text, edits, mapping, lambda: {**old_value(mapping), **want})


def _block_body(
    entries: dict[str, Any], indent: int, style: Style, frozen: Hashable | None = None
) -> str:
    """The lines of `entries` in block style at column `indent`, memoised by value:
    fixes insert the same settings (log limits, restart, healthchecks) into many
    services, and rendering checks each plain scalar with a YAML parse. Only the style
    fields the entries need are read (`_needs`): a lazy style stays unlearnt."""
    key = frozen if frozen is not None else _frozen(entries)
    if key is None:
        return _render_block(entries, indent, style)
    needs = _NEEDS.get(key)
    if needs is None:
        needs = _NEEDS[key] = _needs(entries)
    lists, quoting = needs
    sequences = style.indent_sequences if lists else None
    quote = style.quote if quoting else None
    memo_key = (key, indent, style.unit, sequences, quote)
    body = _BODIES.get(memo_key)
    if body is None:
        view = Style(style.unit, True if sequences is None else sequences, quote or '"')
        body = _render_block(entries, indent, view)
        if len(_BODIES) >= _BODIES_MAX:
            _BODIES.clear()
            _NEEDS.clear()
        _BODIES[memo_key] = body
    return body


def _needs(value: Any) -> tuple[bool, bool]:
    """Whether rendering `value` may read the style's sequence indentation (it holds a
    list) and its quote (a string that is not written plain, or a type rendering
    refuses), at any depth: (lists, quoting). Errs on the side of True."""
    lists = quoting = False
    todo = [value]
    while todo:
        v = todo.pop()
        t = type(v)
        if t is dict:
            todo.extend(v)
            todo.extend(v.values())
        elif t is list or t is tuple:
            lists = True
            todo.extend(v)
        elif t is str:
            quoting = quoting or not _plain(v)
        elif not (v is None or t is bool or t is int or t is Raw):
            quoting = True  # floats are never quoted, but err on the safe side
    return lists, quoting


def _render_block(entries: dict[str, Any], indent: int, style: Style) -> str:
    return "\n".join(line for k, v in entries.items() for line in render_entry(k, v, indent, style))


_BODIES: dict[Hashable, str] = {}
_BODIES_MAX = 1024
_NEEDS: dict[Hashable, tuple[bool, bool]] = {}  # frozen entries -> `_needs`


def _frozen(value: Any) -> Hashable | None:
    """A hashable stand-in equal only for values that render alike (types included:
    `True` is not `1`), or None for what it cannot vouch for (floats: `-0.0 == 0.0`)."""
    if value is None or type(value) in (str, int, bool):
        return (type(value), value)
    if type(value) is Raw:
        return (Raw, value.text)
    if type(value) is dict:
        items = []
        for k, v in value.items():
            fk, fv = _frozen(k), _frozen(v)
            if fk is None or fv is None:
                return None
            items.append((fk, fv))
        return (dict, tuple(items))
    if type(value) in (list, tuple):
        parts = tuple(_frozen(v) for v in value)
        return None if any(p is None for p in parts) else (type(value), parts)
    return None


def _fill_null(
    text: str,
    null: ScalarNode,
    key: Node,
    entries: dict[str, Any],
    style: Style,
    frozen: Hashable | None = None,
) -> list[TextEdit]:
    """Edits that turn the null value of `key` into the mapping `entries`."""
    if null.start_mark.index < key.end_mark.index:
        # `key: *anchor` of a null: the node's marks are the anchor's, not this key's
        raise YamlEditError("null value used through an alias")
    colon = _after_colon(text, key)
    has_colon = colon > key.end_mark.index
    explicit = null.end_mark.index > null.start_mark.index  # `~` / `null`
    after = null.end_mark.index if explicit else colon
    rest = text[after : line_end(text, after)].lstrip(" \t")
    if rest[:1] in (",", "}", "]") or not has_colon:
        # inside a flow mapping: `{db}`, `{db: }`, `{db: ~}`
        flow = render_flow(entries, style.quote)
        if explicit:
            return [TextEdit(null.start_mark.index, null.end_mark.index, flow)]
        return [TextEdit(colon, colon, (" " if has_colon else ": ") + flow)]
    indent = column_of(text, key.start_mark.index) + style.unit
    body = "\n" + _block_body(entries, indent, style, frozen)
    edits: list[TextEdit] = []
    if explicit:
        edits.append(TextEdit(colon, null.end_mark.index, ""))
        pos = line_end(text, null.end_mark.index)
    else:
        pos = line_end(text, colon)
    edits.append(TextEdit(pos, pos, body))
    return edits


def anchor_name(text: str, node: Node) -> str | None:
    """The `&name` written at the start of `node`, if any."""
    m = re.compile(r"&([^\s,\[\]{}]+)").match(text, node.start_mark.index)
    return m.group(1) if m else None


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
    """Replace one scalar's text, keeping its quote style when it was quoted (and when
    that style can hold the new value)."""
    if not isinstance(node, ScalarNode):
        raise YamlEditError("not a scalar")
    style = style or Style.of(text)
    if node.style in ("|", ">"):
        raise YamlEditError("block scalar")
    if node.style in ("'", '"') and isinstance(value, str):
        rendered = quote_scalar(value, node.style)
    else:
        rendered = render_scalar(value, style.quote)
    edits = [TextEdit(node.start_mark.index, node.end_mark.index, rendered)]
    return with_check(text, edits, node, intended(value))


def append_item(text: str, seq: Node, value: Any, style: Style | None = None) -> list[TextEdit]:
    """Append one item to a block or flow sequence."""
    if not isinstance(seq, SequenceNode):
        raise YamlEditError("not a sequence")
    style = style or Style.of(text)
    if seq.flow_style or not seq.value:
        edits = [_flow_insert(text, seq, render_flow(value, style.quote))]
    else:
        dash = _dash_before(text, seq.value[0].start_mark.index)
        if dash is None:
            raise YamlEditError("cannot find the sequence dash")
        indent = column_of(text, dash)
        pos = line_end(text, content_end(text, seq))
        edits = [TextEdit(pos, pos, "\n" + "\n".join(render_item(value, indent, style)))]
    want = intended(value)
    return with_check(text, edits, seq, lambda: [*old_value(seq), want])


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
    edits = [TextEdit(node.start_mark.index, node.end_mark.index, render_flow(value, style.quote))]
    return with_check(text, edits, node, intended(value))


def apply_text_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """Splice edits (non-overlapping) into text, from the end so offsets stay valid."""
    order = sorted(range(len(edits)), key=lambda i: (edits[i].start, edits[i].end, i))
    spans = [edits[i] for i in order]
    if any(b.start < a.end for a, b in zip(spans, spans[1:], strict=False)):
        return _splice_from_end(text, spans)
    parts, at = [], 0  # one join: splicing each edit into a copy is quadratic
    for e in spans:
        parts += [text[at : e.start], e.replacement]
        at = e.end
    parts.append(text[at:])
    return "".join(parts)


def _splice_from_end(text: str, spans: Sequence[TextEdit]) -> str:
    """Overlapping edits, spliced one by one from the last (as `apply_text_edits` always
    did) so the result of a bad edit set is the one its check reports on."""
    out = text
    for e in reversed(spans):
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
