"""Work the load does, counted (never timed): the load path's speed fixes of issue 8
(positioned YAML, Path objects, interpolation) stay fixed."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.loaders.compose import _ComposeLoader
from infradoctor.syntax import yaml as positioned
from infradoctor.syntax.yaml import PNode, load_positioned_all, source_from_text
from tests.conftest import require_corpus

# pathlib's own functions that build or walk Path objects (Python 3.11 and later)
PATH_OPS = frozenset(
    {"__new__", "__truediv__", "__rtruediv__", "joinpath", "parent", "parents", "relative_to"}
)


def _compose(n: int) -> str:
    parts = ["services:\n"]
    for i in range(n):
        parts.append(
            f"  app{i}:\n"
            f"    build: ./app{i}\n"
            f"    image: registry.example.com/app{i}:1\n"
            "    volumes:\n"
            f"      - ./data{i}:/data\n"
            "      - cache:/cache\n"
            "    environment:\n"
            "      MODE: production\n"
        )
    parts.append("volumes:\n  cache: {}\n")
    return "".join(parts)


def _path_ops(root: Path) -> int:
    profile = cProfile.Profile()
    profile.enable()
    stack = load_stack(root, LoadOptions(helm="off"))
    profile.disable()
    assert len(stack.projects[0].services) > 0
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return sum(
        v[1]
        for (file, _, name), v in stats.items()
        if file.endswith("pathlib.py") and name in PATH_OPS
    )


def test_path_objects_per_compose_service_stay_few(tmp_path: Path) -> None:
    """Directories are worked out once per file and build/mount paths handled as text:
    a service with a build context and a bind mount costs about one Path (the mount's
    host path), not twenty (issue 8: 26,000 Paths per corpus lint)."""
    counts = []
    for n in (10, 40):
        root = tmp_path / f"n{n}"
        root.mkdir()
        (root / "compose.yaml").write_text(_compose(n))
        counts.append(_path_ops(root))
    per_service = (counts[1] - counts[0]) / 30
    assert per_service <= 3, f"{per_service:.1f} Path operations per service ({counts})"


def test_compose_all_once_per_yaml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each YAML file goes through libyaml once per load, whatever reads it."""
    (tmp_path / "compose.yaml").write_text(_compose(3))
    (tmp_path / "compose.override.yaml").write_text("services:\n  app0:\n    restart: always\n")
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
        "spec:\n  template:\n    spec:\n      containers:\n        - name: web\n"
        "          image: nginx:1.27\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n"
    )
    calls: list[str] = []
    real = yaml.compose_all

    def counting(stream: str, Loader: type) -> object:  # noqa: N803 - PyYAML's name
        calls.append(stream[:20])
        return real(stream, Loader=Loader)

    monkeypatch.setattr(positioned.yaml, "compose_all", counting)
    stack = load_stack(tmp_path, LoadOptions(helm="off"))
    assert len(stack.k8s) == 2 and len(stack.projects) == 1
    assert len(calls) == 3, calls


def test_alias_free_yaml_is_converted_without_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document without `*alias` has no shared node: one pass, no per-node memo or
    expansion count (the memoised path stays for documents with aliases)."""
    memoised: list[object] = []
    real = positioned._Converter.convert

    def counting(self: positioned._Converter, node: yaml.Node, depth: int) -> object:
        memoised.append(node)
        return real(self, node, depth)

    monkeypatch.setattr(positioned._Converter, "convert", counting)
    plain = source_from_text("a: 1\nb: [x, {c: d}]\n")
    docs, errors = load_positioned_all(plain)
    assert errors == [] and memoised == []
    assert docs[0] is not None and docs[0].value == {"a": 1, "b": ["x", {"c": "d"}]}
    b = docs[0].get("b")
    assert b is not None and (b.items[1].location.line, b.items[1].location.column) == (2, 8)
    # the memoised way builds the same tree from the same nodes
    node = yaml.compose(plain.text, Loader=positioned._Loader)
    converter = positioned._Converter(plain, positioned.MAX_EXPANDED_NODES, positioned.MAX_DEPTH)
    assert _shape(converter.convert(node, 0)[0]) == _shape(docs[0])
    memoised.clear()

    aliased = source_from_text("base: &b {x: 1}\none: *b\ntwo: *b\n")
    docs, errors = load_positioned_all(aliased)
    assert errors == [] and memoised
    root = docs[0]
    assert root is not None and root.get("one") is root.get("two")  # still shared


def _shape(node: PNode | None) -> object:
    """Everything a PNode tree holds: values, tags, styles and every Location."""
    if node is None:
        return None
    own = (node.kind, node.tag, node.style, node.raw, node.scalar, node.location)
    if node.kind == "sequence":
        return own, [_shape(i) for i in node.items]
    return own, [(k, e.key_location, e.merged, _shape(e.value)) for k, e in node.entries.items()]


def test_alias_free_yaml_keeps_its_limits() -> None:
    """The one-pass conversion still refuses nesting past the depth limit and reports
    duplicate keys, as the memoised one does."""
    deep = source_from_text("a: " + "[" * 30 + "]" * 30 + "\n")
    _docs, errors = load_positioned_all(deep, max_depth=10)
    assert [e.kind for e in errors] == ["invalid"] and "deeper than 10" in errors[0].message
    dup = source_from_text("a: 1\nb: 2\na: 3\n")
    docs, errors = load_positioned_all(dup)
    assert [(e.kind, e.line) for e in errors] == [("invalid", 3)]
    assert docs[0] is not None and docs[0].value == {"a": 3, "b": 2}


def test_compose_without_dollar_is_not_interpolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A compose file with no `$` anywhere has nothing to expand: its tree is used as
    parsed; a file with one `${VAR}` is interpolated once."""
    import infradoctor.loaders.compose as compose

    calls: list[int] = []
    real = compose.interpolate_tree

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compose, "interpolate_tree", counting)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "compose.yaml").write_text(_compose(5))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "compose.yaml").write_text(
        "services:\n  web:\n    image: nginx:${TAG:-1.27}\n"
    )
    stack = load_stack(tmp_path, LoadOptions(helm="off"))
    images = {s.image for p in stack.projects for s in p.services.values()}
    assert "nginx:1.27" in images and "registry.example.com/app0:1" in images
    assert len(calls) == 1


def test_escaped_dollar_is_still_interpolated(tmp_path: Path) -> None:
    """`"\\x24{VAR}"` is a `$` only once YAML reads it: such a file is interpolated."""
    (tmp_path / "compose.yaml").write_text(
        'services:\n  web:\n    image: "nginx:\\x24{TAG:-1.27}"\n'
    )
    stack = load_stack(tmp_path, LoadOptions(helm="off"))
    assert stack.projects[0].services["web"].image == "nginx:1.27"


def test_directories_are_worked_out_once_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compose loader builds a file's directory once, not once per service/key."""
    asked: list[str] = []
    real = _ComposeLoader.abspath

    def counting(self: _ComposeLoader, rel: str) -> Path:
        asked.append(rel)
        return real(self, rel)

    monkeypatch.setattr(_ComposeLoader, "abspath", counting)
    (tmp_path / "compose.yaml").write_text(_compose(25))
    load_stack(tmp_path, LoadOptions(helm="off"))
    assert len(asked) <= 2, asked


def _tags(node: yaml.Node) -> Iterator[tuple[str, int, int, str]]:
    yield node.tag, node.start_mark.line, node.start_mark.column, type(node).__name__
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _tags(item)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _tags(key)
            yield from _tags(value)


SCALARS = (
    "a: [~, null, Null, '', yes, no, on, off, true, False, 0, -1, +3, 0x1F, 0o17, 017, 1_000,"
    " 22:22, 1.5, .5, 1e3, .inf, -.Inf, .nan, 2024-01-01, 2024-01-01T10:00:00Z, '1', \"2\","
    " =, <<, !!str 3, ! 4, !custom 5, -, ., 0b101, 190:20:30, 'x: y']\n"
    "b: |\n  text\nc: >\n  folded\n<<: {d: 1}\n? [complex, key]\n: v\n"
)


def test_lean_resolver_gives_pyyaml_tags() -> None:
    """The loader's short `resolve` gives every node the tag PyYAML's resolver gives:
    on odd scalars and on every YAML file of the corpus."""
    texts = [SCALARS]
    for path in sorted(require_corpus().rglob("*.y*ml")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 1_000_000:
            texts.append(path.read_text(errors="replace"))
    assert len(texts) > 300
    compared = 0
    for text in texts:
        try:
            ours = [list(_tags(d)) for d in yaml.compose_all(text, Loader=positioned._LeanLoader)]
        except yaml.YAMLError:
            continue
        theirs = [list(_tags(d)) for d in yaml.compose_all(text, Loader=positioned._Loader)]
        assert ours == theirs
        compared += sum(map(len, ours))
    assert compared > 50_000
