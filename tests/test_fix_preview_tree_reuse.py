"""`fix --diff` (the in-memory preview) walks the tree once and opens each file once
(parsecache.py, `sharing(disk_fixed=True)`): nothing is written, so every lint of the
run sees the tree the first one saw. A real `fix` rewrites files between passes and
walks and reads again. No timing: walks and opens are counted."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from infradoctor import parsecache
from infradoctor.fixes.apply import preview_fixes, run_fixes
from infradoctor.loaders import discover as discover_module
from infradoctor.loaders import files as files_module
from infradoctor.loaders.discover import discover
from tests.conftest import bench_synth, write_tree


class Counts:
    """Walks of the tree and files opened by the reader while installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.walks = 0
        self.opened: Counter[str] = Counter()
        walk, open_resolved = discover_module.discover, files_module.open_resolved

        def counted_walk(root: Path) -> Any:
            self.walks += 1
            return walk(root)

        def counted_open(path: Any, *args: Any, **kwargs: Any) -> Any:
            self.opened[str(path)] += 1
            return open_resolved(path, *args, **kwargs)

        monkeypatch.setattr(discover_module, "discover", counted_walk)
        monkeypatch.setattr(files_module, "open_resolved", counted_open)


def _tree(tmp_path: Path) -> Path:
    """A stack whose fix needs two passes and a big compose file (over discovery's
    peek, so the reader opens it), with a Dockerfile and an env file beside it."""
    root: Path = bench_synth().write(tmp_path / "s", "stack", 40)
    write_tree(root, {"app/Dockerfile": "FROM python:3.12\nCMD python app.py\n", ".env": "A=1\n"})
    return root


def test_preview_walks_once_and_opens_each_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    counts = Counts(monkeypatch)
    run = preview_fixes(root)
    assert run.passes >= 2  # three lints: the first and one per pass
    assert run.diff()
    assert counts.walks == 1
    assert counts.opened, "the compose file is read by opening it"
    assert max(counts.opened.values()) == 1, counts.opened


def test_real_fix_walks_and_reads_every_lint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    counts = Counts(monkeypatch)
    run = run_fixes(root, durable=False)
    assert run.passes >= 2
    assert counts.walks == run.passes + 1  # files change on disk: each lint walks again
    assert max(counts.opened.values()) == run.passes + 1


def test_preview_output_same_as_real_fix(tmp_path: Path) -> None:
    """What the preview shows is what the real run writes (the shared walk and bytes
    change nothing)."""
    root = _tree(tmp_path)
    before = {p: p.read_text() for p in root.rglob("*") if p.is_file()}
    shown = preview_fixes(root).diff(redact=False)
    assert {p: p.read_text() for p in root.rglob("*") if p.is_file()} == before
    written = run_fixes(root, durable=False)
    assert shown == written.diff(redact=False)


def test_each_lint_gets_its_own_copy_of_the_walk(tmp_path: Path) -> None:
    """The reader takes what discovery read out of `contents`: a shared walk is copied
    for every lint, and nothing is kept once the preview is over or outside one."""
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
    root = write_tree(
        tmp_path / "t",
        {"compose.yaml": "services:\n  a:\n    image: x:1\n", "k8s/c.yaml": manifest},
    )
    with parsecache.sharing(disk_fixed=True):
        first = parsecache.discovery(discover, root)
        assert first.contents  # the manifest, peeked to its end
        first.contents.clear()
        first.compose.clear()
        second = parsecache.discovery(discover, root)
        assert second.compose == [root / "compose.yaml"]
        assert second.contents
        parsecache.keep_bytes(str(root / "compose.yaml"), b"kept")
        assert parsecache.file_bytes(str(root / "compose.yaml")) == b"kept"
    assert parsecache.file_bytes(str(root / "compose.yaml")) is None
    with parsecache.sharing():  # a real fix run: the disk changes between passes
        parsecache.keep_bytes(str(root / "compose.yaml"), b"kept")
        assert parsecache.file_bytes(str(root / "compose.yaml")) is None
        assert parsecache.discovery(discover, root) is not parsecache.discovery(discover, root)


def test_kept_bytes_stay_within_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsecache, "KEPT_BYTES_TOTAL", 10)
    with parsecache.sharing(disk_fixed=True):
        parsecache.keep_bytes("/a", b"123456")
        parsecache.keep_bytes("/b", b"123456")  # over the budget: not kept
        parsecache.keep_bytes("/c", b"1234")
        assert parsecache.file_bytes("/a") == b"123456"
        assert parsecache.file_bytes("/b") is None
        assert parsecache.file_bytes("/c") == b"1234"


def _disk_tree(tmp_path: Path) -> Path:
    """A service built from a context with package.json and a COPY, a bind mount and a
    start script: the loaders ask the disk where they lead and what they hold."""
    compose = (
        "services:\n"
        "  web:\n"
        "    build: ./app\n"
        "    command: sh start.sh\n"
        "    depends_on: [db]\n"
        "    env_file: [web.env]\n"
        "    volumes:\n"
        "      - ./conf:/etc/conf\n"
        "  db:\n"
        "    image: postgres:16\n"
    )
    return write_tree(
        tmp_path / "d",
        {
            "compose.yaml": compose,
            "app/Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . /app\nCMD npm start\n",
            "app/package.json": '{"scripts": {"start": "node server.js"}}\n',
            "app/start.sh": "#!/bin/sh\nexec npm start\n",
            "app/lib/x.js": "1\n",
            "conf/a.conf": "x\n",
            "web.env": "A=1\n",
            ".env.example": "A=\n",
            ".env.prod": "A=2\n",
            "compose.prod.yaml": "services:\n  web:\n    restart: always\n",
            "Makefile": "up:\n\tdocker compose -f compose.yaml -f compose.prod.yaml up\n",
            "nginx/nginx.conf": "events {}\nhttp {\n  include conf.d/*.conf;\n}\n",
            "nginx/conf.d/a.conf": "server {\n  listen 80;\n  location / {\n"
            "    proxy_pass http://web:3000;\n  }\n}\n",
        },
    )


def _count_disk_questions(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str]]:
    from infradoctor.loaders import container_paths, disk_facts, envfiles, nginx, variants

    asked: Counter[tuple[str, str]] = Counter()

    def counting(name: str, answer: Any) -> Any:
        def counted(*args: Any) -> Any:
            asked[(name, repr(args))] += 1
            return answer(*args)

        return counted

    for module, name in [
        (container_paths, "_is_dir_now"),
        (container_paths, "_expand_now"),
        (disk_facts, "_package_scripts"),
        (disk_facts, "_subdirs"),
        (disk_facts, "_read_now"),
        (envfiles, "_listed"),
        (envfiles, "_exists"),
        (envfiles, "_disk_text"),
        (nginx, "_files_matching"),
        (variants, "_hint_files_now"),
        (variants, "_read"),
    ]:
        monkeypatch.setattr(module, name, counting(name, getattr(module, name)))
    return asked


def test_preview_asks_the_disk_each_question_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _disk_tree(tmp_path)
    asked = _count_disk_questions(monkeypatch)
    run = preview_fixes(root)
    assert run.passes >= 1 and run.diff()
    kinds = {name for name, _ in asked}
    assert kinds >= {
        "_is_dir_now",
        "_expand_now",
        "_package_scripts",
        "_read_now",
        "_listed",
        "_exists",
        "_disk_text",
        "_files_matching",
        "_hint_files_now",
        "_read",
    }, asked
    assert max(asked.values()) == 1, asked


def test_real_fix_asks_the_disk_every_lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _disk_tree(tmp_path)
    asked = _count_disk_questions(monkeypatch)
    run = run_fixes(root, durable=False)
    assert run.passes >= 1
    assert asked[("_package_scripts", repr((root / "app", root.resolve())))] == run.passes + 1


def test_disk_facts_same_with_and_without_sharing(tmp_path: Path) -> None:
    """The loaders' answers in a preview are the ones a plain lint gets."""
    from infradoctor.loaders import load_stack

    root = _disk_tree(tmp_path)

    def facts() -> list[Any]:
        stack = load_stack(root)
        services = [
            (s.name, s.package_scripts, s.start_scripts, s.gunicorn_config, s.env_file_refs)
            for s in stack.services
        ]
        return services + [(p.dotenv_names, p.env_files) for p in stack.projects]

    plain = facts()
    with parsecache.sharing(disk_fixed=True):
        assert facts() == plain
        assert facts() == plain
    assert any(facts[1] for facts in plain[:-1])  # package.json scripts
    assert plain[-1][0] == [".env.example", ".env.prod"] and ".env.example" in plain[-1][1]
