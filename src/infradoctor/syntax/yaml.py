"""Positioned YAML: libyaml's C composer turned into a small tree (`PNode`) in which every
mapping key and every value keeps its `Location` (file, 1-based line/column, char offsets).

Why not `yaml.safe_load`: rules must point at file:line and fixers edit spans of the
original text, so we need the node marks, and we need to survive hostile input:

* alias bombs: aliases share node objects, so conversion is memoised per node (a
  billion-laughs document converts in O(distinct nodes)) while the *expanded* size is
  counted; past the budget the file is refused with a LoadError kind "alias-bomb";
* deep nesting: libyaml's composer recurses in C and crashes the interpreter on very deep
  documents, so nesting is estimated before parsing and checked exactly while converting;
* recursive anchors (`&a [*a]`) are refused instead of looping.

Plain scalars are resolved with the YAML 1.2 core schema, as Docker Compose and kubectl
(go-yaml) read them: `yes`/`on` stay strings, `22:22` is not a base-60 integer and dates
stay strings. A number too big to represent (`1e400`, a 2000-digit integer) stays a
string, as in go-yaml; the loaders' number parsers (`syntax/numbers.py`) read it as huge. Merge keys (`<<: *a`, `<<: [*a, *b]`) follow YAML 1.1: explicit keys win,
then the first merged mapping wins over later ones. Tags such as `!reset`/`!override` are
kept on `PNode.tag` for the loaders that give them meaning.

`PNode.value` is the plain Python value (dict/list/str/int/float/bool/None). Shared
(aliased) nodes give shared Python objects: treat values as read-only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from types import MappingProxyType
from typing import Any, Literal

import yaml

from infradoctor.lazyre import lazy
from infradoctor.model.source import LoadError, Location, SourceFile

try:  # libyaml's C loader; the pure-Python one only as a fallback
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers  # first char -> [(tag, regex)]


class _LeanLoader(_Loader):  # type: ignore[misc,valid-type]
    """libyaml's loader with PyYAML's tag resolution (same tags) in one short method: the
    C composer calls `resolve` for every node, and the general one was a third of
    `compose_all` (no path resolvers are registered, so there is nothing to descend)."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:  # plain: keys and values repeat, each text is matched once
                tag = _RESOLVED.get(value)
                if tag is None:
                    tag = _plain_tag(value)
                    if len(value) <= 64 and len(_RESOLVED) < _RESOLVED_MAX:
                        _RESOLVED[value] = tag
                return tag
            return _STR_TAG
        return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


_RESOLVED: dict[str, str] = {}  # plain scalar text -> tag (short texts, bounded)
_RESOLVED_MAX = 20_000


def _plain_tag(value: str) -> str:
    """PyYAML's implicit tag of a plain scalar."""
    for tag, regexp in _IMPLICIT.get(value[:1], ()):
        if regexp.match(value):
            return tag  # type: ignore[no-any-return]
    return _STR_TAG


# resolvers `_LeanLoader` does not know about (registered by other code): PyYAML's own
_PLAIN_TAGS = None in _IMPLICIT or bool(yaml.resolver.Resolver.yaml_path_resolvers)
# what every libyaml compose of this tool uses (loaders and fixers: nodes compare alike)
COMPOSE_LOADER: Any = _Loader if _PLAIN_TAGS else _LeanLoader

MAX_EXPANDED_NODES = 1_000_000  # expanded (alias-resolved) nodes allowed per document
MAX_DEPTH = 200  # nesting levels allowed while converting
# Plain scalars longer than this that look numeric stay strings: int() of a long digit
# string is quadratic and refused past 4300 digits (int_max_str_digits).
MAX_NUMBER_CHARS = 1000
_PRESCAN_DEPTH = 5000  # estimated nesting that libyaml's C composer is allowed to see

_TAG = "tag:yaml.org,2002:"
_MERGE_TAG = _TAG + "merge"
_IMPLICIT_TAGS = frozenset(_TAG + t for t in ("null", "bool", "int", "float", "timestamp"))
_STR_TAG = _TAG + "str"
_SEQ_TAG = _TAG + "seq"
_MAP_TAG = _TAG + "map"
_INT_RE = re.compile(r"[-+]?[0-9]+")
_HEX_RE = re.compile(r"0x[0-9a-fA-F]+")
_OCT_RE = re.compile(r"0o[0-7]+")
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF_RE = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN_RE = re.compile(r"\.(nan|NaN|NAN)")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUES = frozenset({"true", "True", "TRUE"})
_FALSES = frozenset({"false", "False", "FALSE"})
_NUMBER_FIRST = frozenset("+-.0123456789")
_FLOW_BRACKETS = lazy(r"[\[\]{}]")
_BLOCK_PREFIX = re.compile(r"^[ \t?:-]*", re.MULTILINE)
_DEEP_FIRST = lazy(r"[ \t?:-]{2500}")  # half of _PRESCAN_DEPTH
_DEEP_LINE = lazy(r"\n[ \t?:-]{2500}")

NodeKind = Literal["scalar", "mapping", "sequence"]


def resolve_plain_scalar(text: str) -> Any:
    """YAML 1.2 core-schema value of an unquoted scalar (what go-yaml v3 would give)."""
    if text in _NULLS:
        return None
    if text in _TRUES:
        return True
    if text in _FALSES:
        return False
    if not text or text[0] not in _NUMBER_FIRST:
        return text  # every number, .inf and .nan starts with one of these
    if len(text) > MAX_NUMBER_CHARS:
        return text  # no number is this long: a string (a huge number stays text, as in go-yaml)
    if _INT_RE.fullmatch(text):
        return int(text)
    if _HEX_RE.fullmatch(text):
        return int(text[2:], 16)
    if _OCT_RE.fullmatch(text):
        return int(text[2:], 8)
    if _FLOAT_RE.fullmatch(text):
        value = float(text)
        # `1e400` overflows to inf: go-yaml then keeps the string, and so do we (a
        # literal `.inf` below is a real infinity).
        return value if math.isfinite(value) else text
    if _INF_RE.fullmatch(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN_RE.fullmatch(text):
        return float("nan")
    return text


class PEntry:
    """One mapping entry: the key, where the key is written, and the value node.
    `merged` is True when the entry came in through a `<<` merge key. Like a PNode's,
    the key's Location is built from libyaml's marks when first read."""

    __slots__ = ("key", "_key_location", "value", "merged", "_marks")
    __hash__ = None  # type: ignore[assignment]  # compared by value, as a dataclass

    def __init__(
        self,
        key: Hashable,
        key_location: Location | None,
        value: PNode,
        merged: bool = False,
        marks: _Marks | None = None,
    ) -> None:
        self.key = key
        self._key_location = key_location
        self.value = value
        self.merged = merged
        self._marks = marks

    @property
    def key_location(self) -> Location:
        loc = self._key_location
        if loc is None:
            place, start, end = self._marks  # type: ignore[misc]  # set when no Location
            loc = self._key_location = place.location(start, end)
            self._marks = None
        return loc

    @key_location.setter
    def key_location(self, location: Location) -> None:
        self._key_location, self._marks = location, None

    def with_value(self, value: PNode) -> PEntry:
        """This entry holding another value (the key's Location still unbuilt if it was)."""
        return PEntry(self.key, self._key_location, value, self.merged, self._marks)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not PEntry:
            return NotImplemented
        assert isinstance(other, PEntry)
        mine = (self.key, self.key_location, self.value, self.merged)
        return mine == (other.key, other.key_location, other.value, other.merged)

    def __repr__(self) -> str:
        return (
            f"PEntry(key={self.key!r}, key_location={self.key_location!r}, "
            f"value={self.value!r}, merged={self.merged!r})"
        )


class PNode:
    """A YAML node with its location. Mappings: `get`, `key_location`, `entries`;
    sequences: `items`; scalars: `scalar` (resolved) and `raw` (source text).
    A converted node keeps libyaml's two marks and builds its Location when first read:
    most nodes' locations never are."""

    __slots__ = (
        "kind",
        "tag",
        "_location",
        "raw",
        "scalar",
        "items",
        "entries",
        "style",
        "_plain",
        "_marks",
    )

    def __init__(
        self,
        kind: NodeKind,
        location: Location | None,
        tag: str | None = None,
        scalar: Any = None,
        raw: str | None = None,
        items: list[PNode] | None = None,
        entries: dict[Hashable, PEntry] | None = None,
        style: str | None = None,
        marks: _Marks | None = None,
    ) -> None:
        self.kind: NodeKind = kind
        self._location = location
        self.tag = tag
        self.scalar = scalar
        self.raw = raw
        self.items: list[PNode] = items if items is not None else []
        self.entries: dict[Hashable, PEntry] = entries if entries is not None else {}
        self.style = style
        self._plain: Any = _UNSET
        self._marks = marks

    @property
    def location(self) -> Location:
        loc = self._location
        if loc is None:
            place, start, end = self._marks  # type: ignore[misc]  # set when no Location
            loc = self._location = place.location(start, end)
            self._marks = None  # the marks go with their node graph
        return loc

    @location.setter
    def location(self, location: Location) -> None:
        self._location, self._marks = location, None

    # -------------------------------------------------------------- constructors
    def copy_with(
        self,
        *,
        scalar: Any = None,
        items: list[PNode] | None = None,
        entries: dict[Hashable, PEntry] | None = None,
    ) -> PNode:
        """A new node of this one's kind, tag, style, source text and place (its Location
        still unbuilt if this one's is) with other contents."""
        return PNode(
            self.kind,
            self._location,
            self.tag,
            scalar,
            self.raw,
            items,
            entries,
            self.style,
            self._marks,
        )

    @classmethod
    def new_scalar(
        cls, value: Any, location: Location, *, raw: str | None = None, tag: str | None = None
    ) -> PNode:
        return cls(
            "scalar", location, scalar=value, raw=str(value) if raw is None else raw, tag=tag
        )

    @classmethod
    def new_mapping(
        cls, entries: dict[Hashable, PEntry], location: Location, *, tag: str | None = None
    ) -> PNode:
        return cls("mapping", location, entries=entries, tag=tag)

    @classmethod
    def new_sequence(
        cls, items: list[PNode], location: Location, *, tag: str | None = None
    ) -> PNode:
        return cls("sequence", location, items=items, tag=tag)

    # -------------------------------------------------------------- access
    @property
    def is_mapping(self) -> bool:
        return self.kind == "mapping"

    @property
    def is_sequence(self) -> bool:
        return self.kind == "sequence"

    @property
    def is_scalar(self) -> bool:
        return self.kind == "scalar"

    def get(self, key: Hashable, default: PNode | None = None) -> PNode | None:
        entry = self.entries.get(key) if self.kind == "mapping" else None
        return entry.value if entry is not None else default

    def entry(self, key: Hashable) -> PEntry | None:
        return self.entries.get(key) if self.kind == "mapping" else None

    def key_location(self, key: Hashable) -> Location | None:
        entry = self.entry(key)
        return entry.key_location if entry is not None else None

    def keys(self) -> list[Hashable]:
        return list(self.entries) if self.kind == "mapping" else []

    def pairs(self) -> Iterator[tuple[Hashable, PNode]]:
        if self.kind == "mapping":
            for key, entry in self.entries.items():
                yield key, entry.value

    def at(self, *path: Hashable) -> PNode | None:
        """The node at a path of mapping keys and sequence indexes
        (`root.at("services", "web", "ports", 0)`), or None."""
        node: PNode | None = self
        for step in path:
            if node is None:
                return None
            if node.kind == "sequence" and isinstance(step, int) and not isinstance(step, bool):
                node = node.items[step] if -len(node.items) <= step < len(node.items) else None
            else:
                node = node.get(step)
        return node

    def __contains__(self, key: object) -> bool:
        return self.kind == "mapping" and key in self.entries

    def __len__(self) -> int:
        if self.kind == "mapping":
            return len(self.entries)
        if self.kind == "sequence":
            return len(self.items)
        return 0

    def __repr__(self) -> str:
        return f"PNode({self.kind}, {self.location}, tag={self.tag!r})"

    @property
    def value(self) -> Any:
        """Plain Python value (cached; shared for aliased nodes, so read-only)."""
        if self._plain is _UNSET:
            if self.kind == "scalar":
                self._plain = self.scalar
            elif self.kind == "sequence":
                self._plain = [item.value for item in self.items]
            else:
                self._plain = {key: e.value.value for key, e in self.entries.items()}
        return self._plain

    def text(self) -> str | None:
        """A scalar as text (numbers/bools as written); None for null and collections."""
        if self.kind != "scalar" or self.scalar is None:
            return None
        if isinstance(self.scalar, str):
            return self.scalar
        return self.raw if self.raw is not None else str(self.scalar)


_UNSET: Any = object()
# A converted scalar's `items` and `entries` (a mapping's `items`, a sequence's `entries`):
# shared and read-only, instead of an empty list and dict per node.
_NO_ITEMS: Any = ()
_NO_ENTRIES: Any = MappingProxyType({})


class _Place:
    """Turns libyaml's marks into the Locations of one file's nodes. Usually from the mark
    index, the character offset (lines break on LF only and no BOM, which libyaml does
    not count): a mark past the last LF (a text without a final newline) counts from the
    last line's start, as SourceFile's lines do. Else through line starts."""

    __slots__ = ("src", "path", "size", "newlines", "tail", "starts", "last", "odd")

    def __init__(self, src: SourceFile) -> None:
        text = src.text
        self.src = src
        self.path = src.path
        self.size = len(text)
        self.newlines = text.count("\n")
        self.tail = text.rfind("\n") + 1
        self.odd = "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text
        self.starts: list[int] | None = None
        if self.odd:  # libyaml breaks lines on CR, NEL, LS and PS too; SourceFile only on LF
            starts = [0]
            for m in re.finditer("[\n\r\x85\u2028\u2029]", text):
                starts.append(m.end())
            self.starts = starts
        elif "\ufeff" in text:
            self.starts = src.line_starts
        self.last = len(self.starts) - 1 if self.starts is not None else 0

    def location(self, start: Any, end: Any) -> Location:
        """The Location between two marks."""
        size, starts = self.size, self.starts
        line, end_line = start.line, end.line
        if starts is None:
            offset = start.index if line <= self.newlines else self.tail + start.column
            end_offset = end.index if end_line <= self.newlines else self.tail + end.column
        else:
            last = self.last
            offset = starts[line if line < last else last] + start.column
            end_offset = starts[end_line if end_line < last else last] + end.column
        offset = offset if offset < size else size
        end_offset = end_offset if end_offset < size else size
        if self.odd:  # libyaml's lines (odd breaks too) -> offsets -> SourceFile's (LF) lines
            return self.src.location(offset, end_offset)
        return Location(
            self.path, line + 1, start.column + 1, end_line + 1, end.column + 1, offset, end_offset
        )


_Marks = tuple[_Place, Any, Any]  # (file, start mark, end mark)


class _Refused(Exception):
    """Internal: stop converting (alias bomb, recursion, depth)."""

    def __init__(self, kind: str, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.node = node


class _Converter:
    """Turns composed libyaml nodes into PNodes, once per node (aliases stay shared)."""

    def __init__(self, src: SourceFile, max_nodes: int, max_depth: int) -> None:
        self.src = src
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.memo: dict[int, tuple[PNode, int] | None] = {}  # None = being converted
        self.distinct = 0
        self.duplicates: list[LoadError] = []
        self.place = _Place(src)
        # no `*` anywhere: no alias, so no node is shared (once per file, not per document)
        self.alias_free = "*" not in src.text

    def tree(self, root: yaml.Node) -> PNode:
        """The PNode tree of a document: `convert`, or `_plain_tree` when the text has
        no alias (then no node is shared: nothing to memoise or count)."""
        if self.alias_free:
            return self._plain_tree(root, 0)
        self.memo = {}  # ids are only unique while the document's nodes live
        self.distinct = 0
        return self.convert(root, 0)[0]

    def _plain_tree(self, node: yaml.Node, depth: int) -> PNode:
        """`convert` without aliases: one call per node, no memo, no expansion count."""
        if depth > self.max_depth:
            raise _Refused("invalid", f"YAML nested deeper than {self.max_depth} levels", node)
        marks = (self.place, node.start_mark, node.end_mark)
        cls = node.__class__
        if cls is _ScalarNode or (
            cls is not _MappingNode and cls is not _SequenceNode and isinstance(node, _ScalarNode)
        ):
            text: str = node.value
            tag: str = node.tag
            style = node.style or None  # the C loader says "" for plain scalars
            value: Any = (
                resolve_plain_scalar(text) if style is None and tag in _IMPLICIT_TAGS else text
            )
            return PNode("scalar", None, tag, value, text, _NO_ITEMS, _NO_ENTRIES, style, marks)
        flow = "flow" if node.flow_style else None
        if cls is _SequenceNode or (cls is not _MappingNode and isinstance(node, _SequenceNode)):
            plain_tree = self._plain_tree
            items = [plain_tree(child, depth + 1) for child in node.value]
            return PNode("sequence", None, node.tag, None, None, items, _NO_ENTRIES, flow, marks)
        entries = self._plain_entries(node, depth)
        return PNode("mapping", None, node.tag, None, None, _NO_ITEMS, entries, flow, marks)

    def _plain_entries(self, node: yaml.MappingNode, depth: int) -> dict[Hashable, PEntry]:
        """`_mapping`'s entries, for `_plain_tree`."""
        entries: dict[Hashable, PEntry] = {}
        merges: list[PNode] = []
        plain_tree = self._plain_tree
        place = self.place
        for key_node, value_node in node.value:
            value = plain_tree(value_node, depth + 1)
            if key_node.tag == _MERGE_TAG:
                if value.kind == "mapping":
                    merges.append(value)
                elif value.kind == "sequence":
                    merges.extend(v for v in value.items if v.kind == "mapping")
                continue
            if key_node.__class__ is _ScalarNode:  # most keys: no PNode, only its value and place
                text: str = key_node.value
                key: Hashable = (
                    resolve_plain_scalar(text)
                    if not key_node.style and key_node.tag in _IMPLICIT_TAGS
                    else text
                )
                entry = PEntry(
                    key, None, value, False, (place, key_node.start_mark, key_node.end_mark)
                )
            else:  # a collection as key (the value was converted first: same depth check)
                key_pnode = plain_tree(key_node, depth + 1)
                key = key_pnode.scalar if key_pnode.kind == "scalar" else _hashable(key_pnode.value)
                entry = PEntry(key, None, value, False, key_pnode._marks)
            if key in entries:
                self._duplicate(key, entries[key], entry.key_location)
            entries[key] = entry
        if merges:
            _merge(entries, merges)
        return entries

    def _duplicate(self, key: Hashable, first: PEntry, at: Location) -> None:
        line = first.key_location.line
        self.duplicates.append(
            LoadError(
                self.src.path,
                f"duplicate key {key!r} (first at line {line}); the last one is used",
                "invalid",
                at.line,
                at.column,
            )
        )

    def convert(self, node: yaml.Node, depth: int) -> tuple[PNode, int]:
        """(PNode, expanded size) of `node`."""
        key = id(node)
        memo = self.memo
        done = memo.get(key, _UNSET)
        if done is not _UNSET:
            if done is None:
                raise _Refused(
                    "alias-bomb", "recursive YAML alias (an anchor refers to itself)", node
                )
            return done
        if depth > self.max_depth:
            raise _Refused("invalid", f"YAML nested deeper than {self.max_depth} levels", node)
        self.distinct += 1
        cls = node.__class__
        if cls is _ScalarNode:  # most nodes: no recursion, nothing to mark as in progress
            result: tuple[PNode, int] = (self._scalar(node), 1)
            memo[key] = result
            return result
        memo[key] = None
        if cls is _SequenceNode or (
            cls is not _MappingNode and isinstance(node, yaml.SequenceNode)
        ):
            result = self._sequence(node, depth)
        elif cls is _MappingNode or isinstance(node, yaml.MappingNode):
            result = self._mapping(node, depth)
        else:  # a ScalarNode subclass
            result = (self._scalar(node), 1)
        size = result[1]
        if size > self.max_nodes and size > 4 * self.distinct:
            raise _Refused(
                "alias-bomb",
                f"YAML aliases expand to more than {self.max_nodes} nodes (alias bomb?); "
                "file skipped",
                node,
            )
        memo[key] = result
        return result

    def _scalar(self, node: yaml.ScalarNode) -> PNode:
        text: str = node.value
        tag: str = node.tag
        style = node.style or None  # the C loader says "" for plain scalars
        value: Any = resolve_plain_scalar(text) if style is None and tag in _IMPLICIT_TAGS else text
        marks = (self.place, node.start_mark, node.end_mark)
        return PNode("scalar", None, tag, value, text, _NO_ITEMS, _NO_ENTRIES, style, marks)

    def _sequence(self, node: yaml.SequenceNode, depth: int) -> tuple[PNode, int]:
        items: list[PNode] = []
        size = 1
        convert = self.convert
        for child in node.value:
            pnode, csize = convert(child, depth + 1)
            items.append(pnode)
            size += csize
        marks = (self.place, node.start_mark, node.end_mark)
        flow = "flow" if node.flow_style else None
        return PNode("sequence", None, node.tag, None, None, items, _NO_ENTRIES, flow, marks), size

    def _mapping(self, node: yaml.MappingNode, depth: int) -> tuple[PNode, int]:
        entries: dict[Hashable, PEntry] = {}
        merges: list[PNode] = []
        size = 1
        convert = self.convert
        for key_node, value_node in node.value:
            value, vsize = convert(value_node, depth + 1)
            size += vsize + 1
            if key_node.tag == _MERGE_TAG:
                if value.kind == "mapping":
                    merges.append(value)
                elif value.kind == "sequence":
                    merges.extend(v for v in value.items if v.kind == "mapping")
                continue
            key_pnode, _ = convert(key_node, depth + 1)
            key = key_pnode.scalar if key_pnode.kind == "scalar" else _hashable(key_pnode.value)
            entry = PEntry(key, key_pnode._location, value, False, key_pnode._marks)
            if key in entries:
                self._duplicate(key, entries[key], entry.key_location)
            entries[key] = entry
        if merges:
            _merge(entries, merges)
        marks = (self.place, node.start_mark, node.end_mark)
        flow = "flow" if node.flow_style else None
        return PNode("mapping", None, node.tag, None, None, _NO_ITEMS, entries, flow, marks), size


def _merge(entries: dict[Hashable, PEntry], merges: list[PNode]) -> None:
    """`<<` keys: explicit keys win, then earlier merged mappings."""
    for merged in merges:
        for key, entry in merged.entries.items():
            if key not in entries:
                entries[key] = PEntry(key, entry._key_location, entry.value, True, entry._marks)


_ScalarNode = yaml.ScalarNode
_SequenceNode = yaml.SequenceNode
_MappingNode = yaml.MappingNode


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value  # type: ignore[no-any-return]


def estimated_depth(text: str) -> int:
    """A cheap over-estimate of nesting depth (flow brackets + block indentation)."""
    flow = 0
    if text.count("[") + text.count("{") > 64:
        depth = 0
        for m in _FLOW_BRACKETS.finditer(text):
            if m.group() in "[{":
                depth += 1
                flow = max(flow, depth)
            else:
                depth = max(0, depth - 1)
    block = max(map(len, _BLOCK_PREFIX.findall(text)), default=0)
    return flow + block


def _may_nest(text: str) -> bool:
    """False when `estimated_depth(text)` cannot pass `_PRESCAN_DEPTH`: at most half of it
    in brackets and no line opening with half of it in indentation (cheap C scans)."""
    half = _PRESCAN_DEPTH // 2
    if text.count("[") + text.count("{") > half:
        return True
    return _DEEP_FIRST.match(text) is not None or _DEEP_LINE.search(text) is not None


def _mark_error(src: SourceFile, exc: yaml.YAMLError) -> LoadError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{problem} ({exc.context}"
            if exc.context_mark is not None and exc.context_mark is not mark:
                problem += f" at line {exc.context_mark.line + 1}"
            problem += ")"
        if mark is not None:
            return LoadError(
                src.path, f"invalid YAML: {problem}", "parse-error", mark.line + 1, mark.column + 1
            )
        return LoadError(src.path, f"invalid YAML: {problem}", "parse-error")
    if isinstance(exc, yaml.reader.ReaderError):
        line, col = src.position_of(min(max(exc.position, 0), len(src.text)))
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return LoadError(
            src.path,
            f"invalid YAML: {exc.reason} (character #x{ord(char):04x})",
            "parse-error",
            line,
            col,
        )
    return LoadError(src.path, f"invalid YAML: {exc}", "parse-error")


def load_positioned_all(
    src: SourceFile,
    *,
    max_nodes: int = MAX_EXPANDED_NODES,
    max_depth: int = MAX_DEPTH,
    keep_nodes: bool = False,
    each: Callable[[PNode | None], None] | None = None,
    composed: Iterable[yaml.Node] | None = None,
) -> tuple[list[PNode | None], list[LoadError]]:
    """Every document of a YAML stream (None for empty documents). On a parse error the
    documents before it are returned together with the error. Never raises. With
    `keep_nodes`, a stream read to its end leaves libyaml's non-empty document nodes in
    `src.yaml_nodes` (what `fixes.yaml_edit.parse_documents` would return). With `each`,
    every document is handed to it as soon as it is read and none is returned (a
    5,000-object file never holds all its documents' nodes at once). `composed`: libyaml's
    documents of `src.text`, already composed (infradoctor/parsecache.py)."""
    # brackets and indentation are different characters: a short text cannot nest deeper
    text = src.text
    depth = estimated_depth(text) if len(text) > _PRESCAN_DEPTH and _may_nest(text) else 0
    if depth > _PRESCAN_DEPTH:
        return [], [
            LoadError(
                src.path, f"YAML nested about {depth} levels deep; file skipped", "invalid", 1, 1
            )
        ]
    docs: list[PNode | None] = []
    errors: list[LoadError] = []
    converter = _Converter(src, max_nodes, max_depth)
    nodes: list[yaml.Node] = []
    try:
        loader = _Loader if _PLAIN_TAGS else _LeanLoader
        stream = yaml.compose_all(src.text, Loader=loader) if composed is None else composed
        for root in stream:
            if root is None:
                if each is None:
                    docs.append(None)
                else:
                    each(None)
                continue
            if each is None:
                docs.append(converter.tree(root))
            else:
                each(converter.tree(root))
            if keep_nodes:  # else each document's nodes are freed as soon as converted
                nodes.append(root)
        if keep_nodes:
            src.yaml_nodes = nodes
    except _Refused as exc:
        line, col = exc.node.start_mark.line + 1, exc.node.start_mark.column + 1
        errors.append(LoadError(src.path, f"{exc.message} (at line {line})", exc.kind, line, col))
    except yaml.YAMLError as exc:
        errors.append(_mark_error(src, exc))
    except RecursionError:
        errors.append(LoadError(src.path, "YAML nested too deeply; file skipped", "invalid"))
    except (ValueError, TypeError, OverflowError) as exc:  # defensive: odd scalars
        errors.append(LoadError(src.path, f"invalid YAML: {exc}", "parse-error"))
    errors[:0] = converter.duplicates
    return docs, errors


def load_positioned(
    src: SourceFile,
    *,
    max_nodes: int = MAX_EXPANDED_NODES,
    max_depth: int = MAX_DEPTH,
    keep_nodes: bool = False,
    composed: Iterable[yaml.Node] | None = None,
) -> tuple[PNode | None, list[LoadError]]:
    """The first document of `src` as a PNode tree (None when empty or unparseable) and the
    problems found (parse error, alias bomb, duplicate keys). Never raises."""
    docs, errors = load_positioned_all(
        src, max_nodes=max_nodes, max_depth=max_depth, keep_nodes=keep_nodes, composed=composed
    )
    root = next((d for d in docs if d is not None), None)
    return root, errors


_SHARED = ("syntax.yaml", "first document")  # key of `load_positioned_shared`'s memo


def load_positioned_shared(src: SourceFile) -> tuple[PNode | None, list[LoadError]]:
    """`load_positioned(src)`, once per text of a SourceFile, for a file several loaders
    read (a kustomization: kustomize renders it, the k8s loader finds it and reports its
    errors). The tree is shared: read-only."""
    held = src.facts_memo.get(_SHARED)
    if held is not None and held[0] is src.text:
        return held[1], list(held[2])
    root, errors = load_positioned(src)
    src.facts_memo[_SHARED] = (src.text, root, tuple(errors))
    return root, errors


def source_from_text(text: str, path: str = "<string>") -> SourceFile:
    """A SourceFile for YAML given as a string (tests, fixers re-parsing a buffer)."""
    from pathlib import Path

    from infradoctor.model.source import FileKind

    return SourceFile(path, Path(path), FileKind.UNKNOWN, text.replace("\r\n", "\n"))


__all__ = [
    "MAX_DEPTH",
    "MAX_EXPANDED_NODES",
    "PEntry",
    "PNode",
    "estimated_depth",
    "load_positioned",
    "load_positioned_all",
    "load_positioned_shared",
    "resolve_plain_scalar",
    "source_from_text",
]
