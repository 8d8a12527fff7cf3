"""Finding and reading the tree's files costs few system calls, counted (never timed):
discovery takes each entry's type from its directory listing (no stat for a plain file),
the reader trusts what discovery listed (no lstat to resolve it, no stat before opening
it), and a file discovery peeked at to the end is not opened again. The reading policy
still holds: a FIFO named like infrastructure is refused, a symlink leading out of the
tree is not followed."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import write_tree

from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.loaders.discover import discover
from infradoctor.loaders.files import SourceReader
from infradoctor.model.source import FileKind, SourceFile

COMPOSE = "services:\n  web:\n    image: nginx:1.27\n"
K8S = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n"
NGINX = "events {}\nhttp {\n  server {\n    listen 80;\n  }\n}\n"


def _tree(root: Path, n: int = 6) -> Path:
    files: dict[str, str] = {}
    for i in range(n):
        files[f"p{i}/compose.yaml"] = COMPOSE
        files[f"p{i}/deploy/svc.yaml"] = K8S
        files[f"p{i}/nginx/site.conf"] = NGINX
        files[f"p{i}/Dockerfile"] = "FROM alpine:3.20\n"
    return write_tree(root, files)


@contextmanager
def _counting(
    monkeypatch: pytest.MonkeyPatch, names: tuple[str, ...]
) -> Iterator[Counter[tuple[str, str]]]:
    """Count os.<name>(path) calls by (name, basename of the path)."""
    calls: Counter[tuple[str, str]] = Counter()

    def wrap(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def counted(path: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(path, (str, os.PathLike)):
                calls[(name, os.path.basename(os.fspath(path)))] += 1
            return real(path, *args, **kwargs)

        return counted

    with monkeypatch.context() as m:
        for name in names:
            m.setattr(os, name, wrap(name, getattr(os, name)))
        yield calls


def test_plain_files_are_never_stat_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path / "s")
    with _counting(monkeypatch, ("stat", "lstat")) as calls:
        stack = load_stack(root, LoadOptions(helm="off"))
    assert len(stack.projects) == 6 and len(stack.nginx) == 6 and len(stack.dockerfiles) == 6
    for name in ("compose.yaml", "svc.yaml", "site.conf", "Dockerfile"):
        assert calls[("stat", name)] == 0, calls
        assert calls[("lstat", name)] == 0, calls


def test_a_peeked_file_is_opened_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path / "s")
    with _counting(monkeypatch, ("open",)) as calls:
        stack = load_stack(root, LoadOptions(helm="off"))
    assert len([o for o in stack.k8s if o.kind == "Service"]) == 6
    # discovery peeks at svc.yaml (is it a manifest?) and site.conf (is it nginx?) and
    # reads them to the end: the reader takes those bytes instead of a second open
    assert calls[("open", "svc.yaml")] == 6, calls
    assert calls[("open", "site.conf")] == 6, calls
    assert calls[("open", "compose.yaml")] == 6, calls


def test_kept_bytes_obey_the_caps(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", {"a/svc.yaml": K8S, "b/svc.yaml": K8S})
    found = discover(root)
    assert len(found.contents) == 2
    reader = SourceReader(root, max_bytes=len(K8S) - 1)
    reader.know_regular(found.regular, found.contents)
    res = reader.read(root / "a" / "svc.yaml", FileKind.K8S)
    assert not isinstance(res, SourceFile)
    assert (res.file, res.kind) == ("a/svc.yaml", "too-large")
    assert res.message == f"file is {len(K8S)} bytes, over the {len(K8S) - 1}-byte cap; skipped"
    budget = SourceReader(root, max_total_bytes=len(K8S) + 1)
    budget.know_regular(found.regular, found.contents)
    first = budget.read(root / "a" / "svc.yaml", FileKind.K8S)
    second = budget.read(root / "b" / "svc.yaml", FileKind.K8S)
    assert isinstance(first, SourceFile) and first.text == K8S
    assert not isinstance(second, SourceFile) and second.kind == "read-budget"


def test_kept_bytes_read_as_the_file(tmp_path: Path) -> None:
    """The same SourceFile whether the reader opens the file or takes discovery's bytes
    (CRLF normalised, BOM dropped, invalid UTF-8 flagged)."""
    root = tmp_path / "s"
    (root / "k").mkdir(parents=True)
    data = b"\xef\xbb\xbf# c\r\napiVersion: v1\r\nkind: ConfigMap\r\ndata:\r\n  a: \xff\r\n"
    (root / "k" / "cm.yaml").write_bytes(data)
    found = discover(root)
    assert list(found.contents.values()) == [data]
    seeded = SourceReader(root)
    seeded.know_regular(found.regular, found.contents)
    a = seeded.read(root / "k" / "cm.yaml", FileKind.K8S)
    b = SourceReader(root).read(root / "k" / "cm.yaml", FileKind.K8S)
    assert isinstance(a, SourceFile) and isinstance(b, SourceFile)
    assert (a.path, a.text, a.newline, a.replaced_at) == (b.path, b.text, b.newline, b.replaced_at)
    assert a.replaced_at == (5, 6) and a.newline == "\r\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_like_infrastructure_is_still_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", {"ok/compose.yaml": COMPOSE})
    (root / "bad").mkdir()
    os.mkfifo(root / "bad" / "compose.yaml")
    os.mkfifo(root / "bad" / "deploy.yaml")  # sniffed by content: never opened
    found = discover(root)
    assert [p.name for p in found.compose] == ["compose.yaml"]
    assert str(root / "bad" / "compose.yaml") not in found.regular
    messages = {e.file: e.message for e in found.errors}
    assert messages["bad/compose.yaml"] == "a FIFO (named pipe), not a regular file; not read"
    assert messages["bad/deploy.yaml"] == "a FIFO (named pipe), not a regular file; not read"


def test_symlinked_files_are_not_trusted_as_listed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", {"real/compose.yaml": COMPOSE})
    outside = write_tree(tmp_path / "out", {"compose.yaml": COMPOSE})
    (root / "link").mkdir()
    (root / "link" / "compose.yaml").symlink_to(outside / "compose.yaml")
    (root / "alias.yaml").symlink_to(root / "real" / "compose.yaml")
    found = discover(root)
    assert sorted(found.regular) == [str(root / "real" / "compose.yaml")]
    assert [e.kind for e in found.errors] == ["symlink-outside-root"]
    stack = load_stack(root, LoadOptions(helm="off"))
    assert "real/compose.yaml" in stack.files and "link/compose.yaml" not in stack.files
