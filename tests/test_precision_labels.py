"""The labelled precision set (tests/data/precision/labels.tsv) holds: every finding
judged FALSE stays gone from error/warning, every finding judged TRUE is still reported
at error/warning. FALSE findings owned by other work still open are listed in
open_false.tsv: they must still be reported (so a fix has to take them off the list)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from tests.conftest import REPO, require_corpus

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


def _open_false() -> dict[str, str]:
    """fingerprint -> why it is still open (owner area)."""
    rows = (DATA / "open_false.tsv").read_text(encoding="utf-8").splitlines()
    pairs = (r.split("\t", 1) for r in rows if r and not r.startswith("#"))
    return {fp: why for fp, why in pairs}


@pytest.fixture(scope="module")
def seen() -> set[tuple[str, str]]:
    require_corpus()
    return precision.reported(precision.lint_json(precision.CORPUS))


def test_labels_are_well_formed() -> None:
    labels = precision.load_labels()
    assert len(labels) >= 250
    assert len({(lb.rule, lb.fingerprint) for lb in labels}) == len(labels)
    assert all(lb.reason.strip() for lb in labels)
    fps = {lb.fingerprint for lb in labels if lb.verdict == "FALSE"}
    assert set(_open_false()) <= fps, "open_false.tsv names a finding not labelled FALSE"


def test_false_findings_stay_gone(seen: set[tuple[str, str]]) -> None:
    open_ = _open_false()
    back = [
        f"{lb.rule} {lb.file}:{lb.line} [{lb.subject}]: {lb.reason}"
        for lb in precision.load_labels()
        if lb.verdict == "FALSE"
        and lb.fingerprint not in open_
        and (lb.rule, lb.fingerprint) in seen
    ]
    assert not back, "findings judged FALSE are reported again:\n" + "\n".join(back)


def test_open_false_findings_are_still_open(seen: set[tuple[str, str]]) -> None:
    fixed = [fp for fp in _open_false() if not any(fp == s[1] for s in seen)]
    assert not fixed, f"fixed: take these off tests/data/precision/open_false.tsv: {fixed}"


def test_true_findings_still_reported(seen: set[tuple[str, str]]) -> None:
    lost = [
        f"{lb.rule} {lb.file}:{lb.line} [{lb.subject}]: {lb.reason}"
        for lb in precision.load_labels()
        if lb.verdict == "TRUE" and (lb.rule, lb.fingerprint) not in seen
    ]
    assert not lost, "findings judged TRUE are no longer reported:\n" + "\n".join(lost)


def test_tally_counts_lost_true_findings() -> None:
    label = precision.Label("R1", "fp", "f", 1, "s", "TRUE", "why")
    counts = precision.tally([label], set())
    assert counts["R1"]["lost"] == 1 and counts["*"]["gone"] == 1
    assert precision.ratio(precision.tally([label], {("R1", "fp")})["*"]) == "100.0%"
