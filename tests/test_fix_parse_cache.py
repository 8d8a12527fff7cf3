"""`fix` parses each file at most once per content version (issue 8, parsecache.py): the
lints of a fix run share per-file parse results, and the lint after a pass converts
the nodes the pass's edit checks composed instead of composing the text again.

No timing: parses are counted per (path, text)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from infradoctor import parsecache
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.fixes import yaml_edit
from infradoctor.fixes.apply import preview_fixes, run_fixes
from infradoctor.loaders import nginx as nginx_loader
from infradoctor.syntax import nginx as nginx_syntax
from infradoctor.syntax import yaml as positioned_yaml
from tests.conftest import bench_synth

REPO = Path(__file__).resolve().parents[1]


class Tally:
    """Counts of the parses made while it is installed, per (what, path, text)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.converted: Counter[tuple[str, str]] = Counter()
        self.nginx: Counter[tuple[str, str, Any]] = Counter()
        self.composed: Counter[str] = Counter()
        load_all, parse, compose_all = (
            positioned_yaml.load_positioned_all,
            nginx_syntax.parse_nginx,
            yaml.compose_all,
        )

        def counted_load(src: Any, *args: Any, **kwargs: Any) -> Any:
            self.converted[(src.path, src.text)] += 1
            return load_all(src, *args, **kwargs)

        def counted_parse(src: Any, *args: Any) -> Any:
            self.nginx[(src.path, src.text, args)] += 1
            return parse(src, *args)

        def counted_compose(stream: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(stream, str):
                self.composed[stream] += 1
            return compose_all(stream, *args, **kwargs)

        yaml_edit._composed.cache_clear()
        yaml_edit._KNOWN.clear()
        monkeypatch.setattr(positioned_yaml, "load_positioned_all", counted_load)
        monkeypatch.setattr(nginx_syntax, "parse_nginx", counted_parse)
        monkeypatch.setattr(nginx_loader, "parse_nginx", counted_parse)
        monkeypatch.setattr(yaml, "compose_all", counted_compose)

    def file_versions(self, path: str) -> list[str]:
        return [text for (p, text) in self.converted if p == path]


def test_fix_parses_each_file_once_per_content_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = bench_synth().write(tmp_path / "s", "stack", 20)
    tally = Tally(monkeypatch)
    run = preview_fixes(root, LintConfig())
    assert run.passes >= 2 and run.applied and not run.refused
    versions = tally.file_versions("compose.yaml")
    assert len(versions) == run.passes + 1  # the original, then each pass's result
    assert versions[-1] == run.results["compose.yaml"]
    # each version converted once, and composed once: by the loader (the original) or by
    # the pass's edit checks (whose nodes the next lint converts)
    assert max(tally.converted.values()) == 1
    assert [tally.composed[text] for text in versions] == [1] * len(versions)
    nginx = [(n, key) for key, n in tally.nginx.items() if key[0] == "nginx/nginx.conf"]
    assert len(nginx) == run.passes + 1  # the original, then each pass's result
    assert all(n == 1 for n, _ in nginx), nginx
    # nothing else was parsed twice either (the check's parse under a made-up name aside)
    assert max(n for (path, _, _), n in tally.nginx.items() if path != "f") == 1


def test_unchanged_files_are_parsed_once_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass that edits the compose file re-lints the tree without parsing the nginx
    config again (and writes what a run without the cache writes)."""
    root = tmp_path / "p"
    shutil.copytree(REPO / "examples" / "profiles", root)
    tally = Tally(monkeypatch)
    run = run_fixes(root, LintConfig())
    assert run.passes == 1 and run.applied
    assert run.changed_files == ["compose.yaml"]
    assert [n for key, n in tally.nginx.items() if key[0] == "nginx/default.conf"] == [1]
    assert max(tally.converted.values()) == 1


def test_plain_lints_share_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a fix run every lint parses what it reads (nothing is kept)."""
    root = bench_synth().write(tmp_path / "s", "stack", 3)
    tally = Tally(monkeypatch)
    first, second = lint(root, LintConfig()), lint(root, LintConfig())
    assert [f.message for f in first.findings] == [f.message for f in second.findings]
    assert set(tally.converted.values()) == {2}
    assert {n for key, n in tally.nginx.items()} == {2}
    assert parsecache._active is None


def test_a_new_text_is_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same path, other text: a miss; the cache keeps one version per path."""
    from infradoctor.model.source import FileKind, SourceFile

    tally = Tally(monkeypatch)
    a = SourceFile("x.conf", Path("x.conf"), FileKind.NGINX, "events {}\n")
    b = SourceFile("x.conf", Path("x.conf"), FileKind.NGINX, "events { }\n")
    with parsecache.sharing():
        first = parsecache.nginx_parsed(nginx_syntax.parse_nginx, a)
        assert parsecache.nginx_parsed(nginx_syntax.parse_nginx, a) is first
        assert parsecache.nginx_parsed(nginx_syntax.parse_nginx, b) is not first
        assert parsecache.nginx_parsed(nginx_syntax.parse_nginx, a) is not first  # replaced
    assert sum(tally.nginx.values()) == 3
