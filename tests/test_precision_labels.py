"""The labelled precision set (tests/data/precision/labels.tsv) holds: every finding
judged FALSE stays gone from error/warning, every finding judged TRUE is still reported
at error/warning. Labelled findings still wrong (owned by other work) are listed in
open.tsv and must still be wrong, so whoever fixes one takes it off the list. The corpus
is linted with helm, as in CI (the labels were judged on that output)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from tests.conftest import REPO, require_corpus
from tests.helmbin import find_helm

DATA = REPO / "tests" / "data" / "precision"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_precision", REPO / "bench" / "precision.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


precision = _bench()


def _open() -> dict[str, str]:
    """fingerprint -> why it is still open (owner area)."""
    rows = (DATA / "open.tsv").read_text(encoding="utf-8").splitlines()
    pairs = (r.split("\t", 1) for r in rows if r and not r.startswith("#"))
    return {fp: why for fp, why in pairs}


@pytest.fixture(scope="module")
def seen() -> set[tuple[str, str]]:
    require_corpus()
    helm = find_helm()
    if helm is None:
        pytest.fail("no helm binary: run scripts/install-helm.sh (the labels assume charts render)")
    return precision.reported(precision.lint_json(precision.CORPUS, helm))


def test_labels_are_well_formed() -> None:
    labels = precision.load_labels()
    assert len(labels) >= 250
    assert len({(lb.rule, lb.fingerprint) for lb in labels}) == len(labels)
    assert all(lb.reason.strip() for lb in labels)
    assert set(_open()) <= {lb.fingerprint for lb in labels}, "open.tsv names an unlabelled finding"


def test_false_findings_stay_gone(seen: set[tuple[str, str]]) -> None:
    open_ = _open()
    back = [
        f"{lb.rule} {lb.file}:{lb.line} [{lb.subject}]: {lb.reason}"
        for lb in precision.load_labels()
        if lb.verdict == "FALSE"
        and lb.fingerprint not in open_
        and (lb.rule, lb.fingerprint) in seen
    ]
    assert not back, "findings judged FALSE are reported again:\n" + "\n".join(back)


def test_open_findings_are_still_open(seen: set[tuple[str, str]]) -> None:
    verdicts = {lb.fingerprint: (lb.rule, lb.verdict) for lb in precision.load_labels()}
    fixed = [
        fp
        for fp in _open()
        if ((verdicts[fp][0], fp) in seen) == (verdicts[fp][1] == "TRUE")  # TRUE back, FALSE gone
    ]
    assert not fixed, f"fixed: take these off tests/data/precision/open.tsv: {fixed}"


def test_true_findings_still_reported(seen: set[tuple[str, str]]) -> None:
    lost = [
        f"{lb.rule} {lb.file}:{lb.line} [{lb.subject}]: {lb.reason}"
        for lb in precision.load_labels()
        if lb.verdict == "TRUE"
        and lb.fingerprint not in _open()
        and (lb.rule, lb.fingerprint) not in seen
    ]
    assert not lost, "findings judged TRUE are no longer reported:\n" + "\n".join(lost)


def test_tally_counts_lost_true_findings() -> None:
    label = precision.Label("R1", "fp", "f", 1, "s", "TRUE", "why")
    counts = precision.tally([label], set())
    assert counts["R1"]["lost"] == 1 and counts["*"]["gone"] == 1
    assert precision.ratio(precision.tally([label], {("R1", "fp")})["*"]) == "100.0%"
