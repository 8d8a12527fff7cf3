"""Per-file parse results shared by the lints of one `fix` run (issue 8).

`fix` lints the tree once, then once more per pass with the files as the pass would
leave them; most files hold text an earlier lint (or the pass's own checks) already
parsed. While `sharing()` is open, a loader asks here first and parses a file only when
its path last held other text (kept: one version per path, so the cache never outgrows
one lint's parse results).

Only per-file products are kept, and only ones nothing changes after they are built:
the nginx parse tree (the loader copies directives when it splices includes) and a
compose file's positioned YAML with libyaml's nodes (the compose model is built from
them without editing them). What depends on other files (includes, extends, env files,
links between services and configs) is computed again by every lint. Outside
`sharing()` (every plain `lint`) nothing is kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infradoctor.model.source import LoadError, SourceFile
    from infradoctor.syntax.nginx import ParsedFile
    from infradoctor.syntax.yaml import PNode

# (product, path, detail) -> (text, product); None when no fix run is sharing
_active: dict[tuple[str, str, Any], tuple[str, Any]] | None = None


@contextmanager
def sharing() -> Iterator[None]:
    """Share parse results between the lints inside the block (re-entrant)."""
    global _active
    if _active is not None:
        yield
        return
    _active = {}
    try:
        yield
    finally:
        _active = None


def _get(product: str, path: str, detail: Any, text: str) -> Any | None:
    if _active is None:
        return None
    held = _active.get((product, path, detail))
    return held[1] if held is not None and held[0] == text else None


def _put(product: str, path: str, detail: Any, text: str, value: Any) -> None:
    if _active is not None:
        _active[(product, path, detail)] = (text, value)


def nginx_parsed(
    parse: Callable[..., ParsedFile], src: SourceFile, start: int = 0, end: int | None = None
) -> ParsedFile:
    """`parse(src, start, end)` (`syntax.nginx.parse_nginx`), once per text of a path."""
    parsed: ParsedFile | None = _get("nginx", src.path, (start, end), src.text)
    if parsed is None:
        parsed = parse(src) if start == 0 and end is None else parse(src, start, end)
        _put("nginx", src.path, (start, end), src.text, parsed)
    return parsed


def offer_yaml_nodes(path: str, text: str, nodes: Sequence[Any]) -> None:
    """libyaml's documents of `text` (composed by the fix checks): the next lint that
    reads `path` with that text converts them instead of composing the text again."""
    if _active is not None and (held := _active.get(("yaml", path, None))) is not None:
        if held[0] == text:
            return  # already converted
    _put("yaml", path, None, text, tuple(nodes))


def compose_yaml(src: SourceFile) -> tuple[PNode | None, list[LoadError]]:
    """`syntax.yaml.load_positioned(src, keep_nodes=True)`, once per text of a path:
    the first document and the problems, with libyaml's nodes in `src.yaml_nodes`."""
    from infradoctor.syntax.yaml import load_positioned

    held = _get("yaml", src.path, None, src.text)
    if isinstance(held, _Positioned):
        src.yaml_nodes = held.nodes
        return held.root, list(held.errors)
    root, errors = load_positioned(src, keep_nodes=True, composed=held)
    _put("yaml", src.path, None, src.text, _Positioned(root, tuple(errors), src.yaml_nodes))
    return root, errors


class _Positioned:
    """A compose file's converted first document, its problems and libyaml's nodes."""

    __slots__ = ("root", "errors", "nodes")

    def __init__(
        self, root: PNode | None, errors: tuple[LoadError, ...], nodes: list[Any] | None
    ) -> None:
        self.root, self.errors, self.nodes = root, errors, nodes
