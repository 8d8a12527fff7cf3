"""A multi-document YAML file the fixers read one document at a time.

libyaml's node graphs of a 5,000-object manifest take about 120 MB; the k8s fixers only
ever edit the document a finding is in. `DocStream.scan` composes the stream once to
learn each document's span (and the file's `Style`) and keeps no node; `document(i)`
then composes the stream again up to document `i`, holding only that one. Findings come
sorted by line, so the documents are asked for in order; a jump back restarts the
stream, and after a few jumps the whole file is parsed once and kept (as before)."""

from __future__ import annotations

import bisect
from collections.abc import Iterator

import yaml
from yaml.nodes import Node

from infradoctor.fixes.yaml_edit import Style, YamlEditError, parse_documents
from infradoctor.syntax.yaml import COMPOSE_LOADER

MAX_RESTARTS = 3  # jumps back before the whole file is kept


def _compose(text: str) -> Iterator[Node]:
    """The non-empty documents of `text`, one at a time."""
    for doc in yaml.compose_all(text, Loader=COMPOSE_LOADER):
        if doc is not None:
            yield doc


class DocStream:
    """The documents of one text, by index or by an offset inside one of them."""

    __slots__ = ("text", "starts", "ends", "composed", "_iter", "_pos", "_doc", "_all", "_restarts")

    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        self.text = text
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]
        self.composed = 0  # documents composed after the scan (tests count the work)
        self._iter: Iterator[Node] | None = None
        self._pos = -1
        self._doc: Node | None = None
        self._all: list[Node] | None = None
        self._restarts = 0

    @classmethod
    def scan(cls, text: str) -> tuple[DocStream, Style]:
        """The stream of `text` and its style, from one pass that keeps no node. Raises
        YamlEditError when the text does not compose (as `parse_documents`)."""
        spans: list[tuple[int, int]] = []

        def each() -> Iterator[Node]:
            for doc in _compose(text):
                spans.append((doc.start_mark.index, doc.end_mark.index))
                yield doc

        try:
            style = Style.of(text, each())
        except yaml.YAMLError as exc:
            raise YamlEditError(f"YAML does not parse: {exc}") from None
        except RecursionError:
            raise YamlEditError("YAML nesting too deep") from None
        return cls(text, spans), style

    def __len__(self) -> int:
        return len(self.starts)

    def index_at(self, offset: int) -> int | None:
        """The document whose root spans `offset` (None: between documents)."""
        i = bisect.bisect_right(self.starts, offset) - 1
        return i if i >= 0 and offset <= self.ends[i] else None

    def all(self) -> list[Node]:
        """Every document, parsed once and kept (for callers walking the whole file)."""
        if self._all is None:
            self._iter, self._doc = None, None
            self._all = parse_documents(self.text)
        return self._all

    def document(self, i: int) -> Node:
        """Document `i`; the one held before is released."""
        if self._all is not None:
            return self._all[i]
        if i == self._pos and self._doc is not None:
            return self._doc
        if i < self._pos or self._iter is None:
            if self._iter is not None:
                self._restarts += 1
                if self._restarts > MAX_RESTARTS:
                    return self.all()[i]
            self._iter, self._pos = _compose(self.text), -1
        self._doc = None  # released before the next one is built
        while self._pos < i:
            self._doc = next(self._iter)
            self._pos += 1
            self.composed += 1
        assert self._doc is not None
        return self._doc
