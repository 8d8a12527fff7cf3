"""An in-process `lint` leaves nothing of its stack reachable once it returns: the
per-stack memos and the fixers' composed documents are released (runmemo.py), so the
collector's first pass after the lint walks only the model's own cycles (counted)."""

from __future__ import annotations

import contextlib
import gc
import io
from collections import Counter
from pathlib import Path

import pytest
from yaml.nodes import Node

from infradoctor import runmemo
from infradoctor.cli.main import main
from infradoctor.model.k8s import K8sObject
from infradoctor.model.nginx import Directive, NginxConfig
from infradoctor.model.stack import Service, Stack
from tests.conftest import REPO

KINDS = (Stack, Service, K8sObject, NginxConfig, Directive, Node)


def _alive() -> Counter[str]:
    """Model and YAML node objects reachable now (after a full collection)."""
    gc.collect()
    return Counter(type(o).__name__ for o in gc.get_objects() if isinstance(o, KINDS))


def _lint_examples() -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        main(["lint", str(REPO / "examples"), "--format", "json"])


def test_lint_leaves_no_model_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    held: list[int] = []
    release = runmemo.release

    def counting_release() -> None:  # what the memos held when the lint released them
        memos = [getattr(c, "__self__", None) for c in runmemo._CLEARS]
        held.append(sum(len(m) for m in memos if type(m) is dict))
        release()

    monkeypatch.setattr(runmemo, "release", counting_release)
    _lint_examples()  # first-use work (lazy imports, classes) out of the count
    before = _alive()
    _lint_examples()
    after = _alive()
    assert held and held[-1] > 0  # the examples fill the memos: the count below can fail
    assert after == before


def test_without_release_the_memos_keep_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    """The counterpart: skipping the release leaves the last stack's objects reachable
    (so the test above measures the release, not a lint that kept nothing anyway)."""
    release = runmemo.release
    monkeypatch.setattr(runmemo, "release", lambda: None)
    _lint_examples()
    release()
    before = _alive()
    _lint_examples()
    kept = _alive() - before
    release()
    assert kept["Node"] > 0 or kept["Stack"] > 0 or kept["NginxConfig"] > 0


def test_release_empties_registered_memos() -> None:
    memo = runmemo.per_run({"key": "value"})
    cleared: list[bool] = []
    runmemo.per_run_clear(lambda: cleared.append(True))
    try:
        runmemo.release()
        assert memo == {}
        assert cleared == [True]
    finally:
        runmemo._CLEARS.pop()
        runmemo._CLEARS.remove(memo.clear)


def test_services_are_freed_without_the_collector() -> None:
    """With the collector off, a lint's services are gone once it returns: no memo ties
    a service to its project in a cycle (one_shot_reason kept the project: 54k objects
    of a corpus lint waited for the collector)."""
    _lint_examples()
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = sum(1 for o in gc.get_objects() if type(o) is Service)
        _lint_examples()
        after = sum(1 for o in gc.get_objects() if type(o) is Service)
    finally:
        if was_enabled:
            gc.enable()
    assert after == before


def test_fix_releases_the_edit_checks_memo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The joint edit check's converted mappings (`yaml_edit._OLD_VALUES`, libyaml nodes)
    are released when an in-process `fix` returns, as a lint's memos are."""
    from infradoctor.fixes import yaml_edit

    root = tmp_path / "s"
    root.mkdir()
    (root / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.25\n")
    filled: list[int] = []
    release = runmemo.release

    def counting_release() -> None:
        filled.append(len(yaml_edit._OLD_VALUES))
        release()

    monkeypatch.setattr(runmemo, "release", counting_release)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["fix", "--diff", str(root)]) in (0, 1)
    assert filled and filled[-1] > 0  # the fix's edit checks filled it
    assert yaml_edit._OLD_VALUES == {}
