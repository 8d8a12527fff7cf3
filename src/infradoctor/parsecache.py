"""Per-file parse results shared by the lints of one `fix` run (issue 8).

`fix` lints the tree once, then once more per pass with the files as the pass would
leave them; most files hold text an earlier lint (or the pass's own checks) already
parsed. While `sharing()` is open, a loader asks here first and parses a file only when
its path last held other text (kept: one version per path, so the cache never outgrows
one lint's parse results).

Only per-file products are kept, and only ones nothing changes after they are built:
the nginx parse tree (the loader copies directives when it splices includes), a
compose file's positioned YAML with libyaml's nodes (the compose model is built from
them without editing them), a Kubernetes manifest's positioned documents (the objects
are built from them without editing them), a Terraform file's HCL body and a
Dockerfile's model (only read after it is built). What depends
on other files (includes, extends, env files, kustomize renders, Helm charts, links
between services and configs) is computed again by every lint. Outside `sharing()`
(every plain `lint`) nothing is kept.

In the in-memory preview (`sharing(disk_fixed=True)`: `fix --diff` writes nothing, so
the tree on disk stays as the first lint saw it) discovery's walk is kept too (each lint
gets its own copy: the reader takes contents out of it), the bytes of the files read
(up to KEPT_BYTES_TOTAL) and the loaders' other questions to the disk (`on_disk`: where
COPY and bind mounts lead, package.json scripts, start scripts): a later lint opens no
file it read before. A real fix run rewrites files between passes and keeps none of them.

A fix pass changes few files: on a tree of manifests and Terraform modules, re-parsing
the unchanged ones was a third of `fix --diff` (issue 8)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from pathlib import Path

    from infradoctor.model.source import LoadError, SourceFile
    from infradoctor.model.stack import Dockerfile
    from infradoctor.syntax.hcl import Attribute, Block
    from infradoctor.syntax.nginx import ParsedFile
    from infradoctor.syntax.yaml import PNode

# (product, path, detail) -> (text, product); None when no fix run is sharing
_active: dict[tuple[str, str, Any], tuple[str, Any]] | None = None
# Manifests' converted documents take about 70 bytes per character of text: a manifest
# longer than KEPT_MANIFEST_CHARS keeps none (the loader streams it one document at a
# time: a 5,000-object file), and once the kept ones add up to KEPT_MANIFESTS_TOTAL no
# other is kept. What is not kept is read again by each pass, as without sharing.
KEPT_MANIFEST_CHARS = 200_000
KEPT_MANIFESTS_TOTAL = 1_000_000
_kept_manifests: dict[str, int] = {}  # path -> characters of its kept version
# The preview's tree (disk_fixed): discovery per root and the bytes read per real path.
KEPT_BYTES_TOTAL = 16_000_000
_walks: dict[str, Any] = {}
_bytes: dict[str, bytes] = {}
_bytes_total = 0
_disk: dict[tuple[str, Hashable], Any] = {}  # (question, its arguments) -> answer
_disk_fixed = False


@contextmanager
def sharing(*, disk_fixed: bool = False) -> Iterator[None]:
    """Share parse results between the lints inside the block (re-entrant). With
    `disk_fixed` (nothing under the root is written while it is open) the walk and the
    files' bytes are shared too."""
    global _active, _disk_fixed, _bytes_total
    if _active is not None:
        yield
        return
    _active = {}
    _disk_fixed = disk_fixed
    _kept_manifests.clear()
    try:
        yield
    finally:
        _active = None
        _disk_fixed = False
        _kept_manifests.clear()
        _walks.clear()
        _bytes.clear()
        _bytes_total = 0
        _disk.clear()


class _Copyable(Protocol):
    def copy(self: _W) -> _W: ...


_W = TypeVar("_W", bound=_Copyable)


def discovery(discover: Callable[[Path], _W], root: Path) -> _W:
    """`discover(root)` (`loaders.discover.discover`), walked once while the disk stays
    as it is; each caller gets a copy of its lists and maps (the reader consumes them)."""
    if not _disk_fixed:
        return discover(root)
    held: _W | None = _walks.get(str(root))
    if held is None:
        held = _walks[str(root)] = discover(root)
    return held.copy()


def file_bytes(real: str) -> bytes | None:
    """The bytes of the file at `real` read earlier in this preview (see `keep_bytes`)."""
    return _bytes.get(real) if _disk_fixed else None


def keep_bytes(real: str, data: bytes) -> None:
    """The whole content of the in-tree file at `real`, kept for the preview's later
    lints while the kept bytes stay within KEPT_BYTES_TOTAL."""
    global _bytes_total
    if _disk_fixed and real not in _bytes and _bytes_total + len(data) <= KEPT_BYTES_TOTAL:
        _bytes[real] = data
        _bytes_total += len(data)


_T = TypeVar("_T")


def on_disk(question: str, key: Hashable, answer: Callable[[], _T]) -> _T:
    """`answer()`, a fact read off the disk, asked once per preview (`disk_fixed`) and
    every time otherwise; the caller never changes what it gets back."""
    if not _disk_fixed:
        return answer()
    held = _disk.get((question, key), _disk)
    if held is _disk:
        held = _disk[(question, key)] = answer()
    return held  # type: ignore[no-any-return]


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


def manifest_documents(
    load_all: Callable[..., tuple[list[PNode | None], list[LoadError]]],
    src: SourceFile,
    each: Callable[[PNode | None], None],
) -> list[LoadError]:
    """`load_all(src, each=each)` (`syntax.yaml.load_positioned_all`: a Kubernetes
    manifest handed document by document to `each`) with the documents converted once
    per text of a path (see `manifest`); returns the problems."""
    if _active is None or len(src.text) > KEPT_MANIFEST_CHARS:
        return load_all(src, each=each)[1]
    docs, errors = manifest(load_all, src)
    try:
        for doc in docs:
            each(doc)
    except RecursionError:  # as load_all reports one in `each`
        from infradoctor.model.source import LoadError

        errors.append(LoadError(src.path, "YAML nested too deeply; file skipped", "invalid"))
    return errors


def manifest(
    load_all: Callable[..., tuple[list[PNode | None], list[LoadError]]], src: SourceFile
) -> tuple[list[PNode | None], list[LoadError]]:
    """`load_all(src)` (`syntax.yaml.load_positioned_all`) of a Kubernetes manifest, once
    per text of a path: the loaders only read the documents (kustomize copies what it
    patches), so a later lint of the same text gets the same ones."""
    if _active is None or len(src.text) > KEPT_MANIFEST_CHARS:
        return load_all(src)
    held: tuple[tuple[PNode | None, ...], tuple[LoadError, ...]] | None
    held = _get("manifest", src.path, None, src.text)
    if held is None:
        docs, errors = load_all(src)
        held = (tuple(docs), tuple(errors))
        _keep_manifest(src, held)
    return list(held[0]), list(held[1])


def _keep_manifest(src: SourceFile, held: Any) -> None:
    """Keep `held` for the path, in place of its earlier version, within the budget."""
    assert _active is not None
    _active.pop(("manifest", src.path, None), None)
    _kept_manifests.pop(src.path, None)
    if sum(_kept_manifests.values()) + len(src.text) <= KEPT_MANIFESTS_TOTAL:
        _kept_manifests[src.path] = len(src.text)
        _put("manifest", src.path, None, src.text, held)


def hcl_body(parse: Callable[[str], list[Attribute | Block]], src: SourceFile) -> list[Any]:
    """`parse(src.text)` (`syntax.hcl.parse`), once per text of a path; a text that does
    not parse raises every time (its error is reported by every lint)."""
    held: list[Attribute | Block] | None = _get("hcl", src.path, None, src.text)
    if held is None:
        held = parse(src.text)
        _put("hcl", src.path, None, src.text, held)
    return held


def dockerfile(
    load: Callable[[SourceFile], tuple[Dockerfile | None, list[LoadError]]], src: SourceFile
) -> tuple[Dockerfile | None, list[LoadError]]:
    """`load(src)` (`loaders.dockerfile.load_dockerfile`), once per text of a path."""
    held: tuple[Dockerfile | None, tuple[LoadError, ...]] | None
    held = _get("dockerfile", src.path, None, src.text)
    if held is None:
        df, errors = load(src)
        held = (df, tuple(errors))
        _put("dockerfile", src.path, None, src.text, held)
    return held[0], list(held[1])
