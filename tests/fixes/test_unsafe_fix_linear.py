"""`fix --diff --unsafe` of a big Kubernetes file does work linear in the file (issue 8):
the joint edit check of a pass had a fixed node budget, so past ~2,000 Deployments it
gave up and every one of thousands of fixes was checked alone, with a full parse of the
file each (quadratic: minutes of CPU at 3,000 Deployments). One wrong edit among many
also sent every other edit to a check of its own.

No timing: the YAML text handed to the composer is counted. The node floor is lowered so
the small files here are "big": the budget must grow with the file, not refuse it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from infradoctor.config import LintConfig
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.apply import preview_fixes
from tests.conftest import bench_synth


def _counting(patch: pytest.MonkeyPatch, tally: Counter[str]) -> None:
    compose_all = yaml.compose_all

    def counted(stream: Any, *args: Any, **kwargs: Any) -> Any:
        tally["parses"] += 1
        tally["characters composed"] += len(stream) if isinstance(stream, str) else 0
        return compose_all(stream, *args, **kwargs)

    ye._composed.cache_clear()
    patch.setattr(yaml, "compose_all", counted)


def _unsafe_fix_work(root: Path, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    tally: Counter[str] = Counter()
    with monkeypatch.context() as patch:
        patch.setattr(ye, "_MAX_VALUE_NODES", 100)
        _counting(patch, tally)
        run = preview_fixes(root, LintConfig(), unsafe=True)
    assert run.applied and not run.refused
    tally["fixes"] = sum(a.count for a in run.applied)
    tally["file"] = sum(len(t) for t in run.results.values())
    return tally


def test_unsafe_fix_of_4x_the_deployments_parses_4x_the_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synth = bench_synth()
    small = _unsafe_fix_work(synth.write(tmp_path / "small", "k8s", 30), monkeypatch)
    big = _unsafe_fix_work(synth.write(tmp_path / "big", "k8s", 120), monkeypatch)
    assert big["fixes"] >= 3 * small["fixes"] > 0
    assert big["parses"] == small["parses"]  # per pass, not per fix
    ratio = big["characters composed"] / small["characters composed"]
    assert ratio <= 4.5, f"YAML parsed by fix --unsafe grew {ratio:.1f}x for 4x the workloads"


TEXT = "".join(f"k{i}:\n  v: {i}\n" for i in range(64))


def _set(i: int, value: str = "100") -> ye.EditCheck:
    node = ye.find(ye.parse_document(TEXT), [f"k{i}", "v"])
    assert node is not None
    verify = ye.set_scalar(TEXT, node, int(value))[0].verify
    assert isinstance(verify, ye.EditCheck)
    return verify


def _stray(i: int) -> ye.EditCheck:
    """Claims to set k<i>.v but also rewrites the next key's value."""
    root = ye.parse_document(TEXT)
    node, other = ye.find(root, [f"k{i}", "v"]), ye.find(root, [f"k{i + 1}", "v"])
    assert node is not None and other is not None
    edits = (
        ye.TextEdit(node.start_mark.index, node.end_mark.index, "7"),
        ye.TextEdit(other.start_mark.index, other.end_mark.index, "9"),
    )
    return ye.EditCheck(TEXT, edits, node, 7)


def test_one_wrong_edit_does_not_send_every_edit_to_a_check_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checks = [_set(i) for i in range(0, 64, 2)]
    checks[5] = _stray(10)
    alone = [c() for c in checks]
    assert alone[5] is not None and alone.count(None) == len(checks) - 1
    tally: Counter[str] = Counter()
    with monkeypatch.context() as patch:
        _counting(patch, tally)
        assert ye.check_all(checks) == alone
    # halving the group: a few joint readings per level, not one parse per check
    assert tally["parses"] <= 2 * (len(checks).bit_length() + 1)


def test_overlapping_edits_are_spliced_as_before() -> None:
    edits = [ye.TextEdit(2, 5, "XY"), ye.TextEdit(3, 4, "z"), ye.TextEdit(4, 4, "+")]
    out = "abcdefgh"
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[: e.start] + e.replacement + out[e.end :]
    assert ye.apply_text_edits("abcdefgh", edits) == out


def test_inserts_at_one_offset_keep_their_order() -> None:
    edits = [ye.TextEdit(1, 1, "1"), ye.TextEdit(1, 1, "2"), ye.TextEdit(0, 1, "A")]
    assert ye.apply_text_edits("ab", edits) == "A12b"


def test_past_the_cap_wrong_edits_are_refused_unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many wrong edits to one file: the first get their own message, the rest a refusal
    (a full parse each would be quadratic); none is vouched for."""
    checks = [_stray(i) for i in range(0, 60, 3)]
    alone = [c() for c in checks]
    assert all(alone)
    tally: Counter[str] = Counter()
    with monkeypatch.context() as patch:
        patch.setattr(ye, "_MIN_ALONE", 4)
        patch.setattr(ye, "_ALONE_CHARS", 0)
        _counting(patch, tally)
        verdicts = ye.check_all(checks)
    refusal = f"not checked: {len(checks)} edits to this file could not be checked together"
    refusal = f"not checked: {len(checks)} edits to this file could not be checked together"
    # 20 checks, 4 + 4 * 5 parses: 19 halving readings, then 5 checks alone
    assert verdicts == alone[:5] + [refusal] * (len(checks) - 5)
    assert tally["parses"] == 1 + 24  # the text before the edits, then the budget
