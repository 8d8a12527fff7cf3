"""The typed diagnose records: Severity shared with lint, Subject and Evidence
dataclasses, one JSON shape (`to_dict`) with its inverse, facts built once per analysis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infradoctor.diagnose import analyzers
from infradoctor.diagnose.analyzers import facts as facts_module
from infradoctor.diagnose.analyzers.base import Diagnosis, Evidence, Subject, make
from infradoctor.diagnose.engine import DiagnoseResult, analyze
from infradoctor.diagnose.evidence import Bundle
from infradoctor.findings import Severity

GOLDEN = Path(__file__).parent / "data" / "golden"
LIVE = Path(__file__).parent / "data" / "live"


def test_severity_is_the_shared_enum_and_equals_its_label() -> None:
    d = make("upstream-refused", "error", 0.8, "refused.", {"address": "10.0.0.1:80"})
    assert d.severity is Severity.ERROR
    assert d.severity == "error" and d.severity != "warning" and d.severity > Severity.WARNING
    assert d.to_dict()["severity"] == "error"
    with pytest.raises(ValueError, match="unknown severity"):
        make("upstream-refused", "fatal", 0.8, "x.", {})


def test_subject_keeps_documented_keys_in_order_and_drops_empty() -> None:
    s = Subject({"upstream": "app", "address": "10.0.0.1:80", "container": None, "path": ""})
    assert list(s) == ["upstream", "address"]
    assert (s.upstream, s.address, s.container) == ("app", "10.0.0.1:80", None)
    with pytest.raises(ValueError, match="unknown subject key 'colour'"):
        Subject({"colour": "red"})
    with pytest.raises(ValueError):
        s["colour"] = "red"
    assert s.setdefault("service", "app") == "app" and s.service == "app"


def test_evidence_is_typed_capped_and_deduplicated() -> None:
    d = make("upstream-refused", "error", 0.8, "refused.", {"address": "10.0.0.1:80"})
    d.add_evidence("error.log", 3, "x" * 5000)
    d.add_evidence("error.log", 3, "x" * 5000)
    assert len(d.evidence) == 1
    e = d.evidence[0]
    assert isinstance(e, Evidence) and e.line == 3 and len(e.text) == 2000
    assert e == {"source": "error.log", "line": 3, "text": "x" * 2000}
    assert e.to_dict() == {"source": "error.log", "line": 3, "text": "x" * 2000}


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.glob("*.json")))
def test_json_document_round_trips_through_the_objects(name: str) -> None:
    doc = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    back = DiagnoseResult.from_dict(doc)
    assert all(isinstance(d, Diagnosis) for d in back.diagnoses)
    assert back.to_dict() == doc


def test_facts_are_built_once_and_handed_to_every_analyzer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[Any] = []
    seen: list[Any] = []
    real = facts_module.build_facts

    def counting(bundle: Bundle, stack: Any = None) -> Any:
        built.append(real(bundle, stack))
        return built[-1]

    def spy(bundle: Bundle, facts: Any) -> list[Diagnosis]:
        seen.append(facts)
        return []

    monkeypatch.setattr(facts_module, "build_facts", counting)
    monkeypatch.setattr(analyzers, "ANALYZERS", (("spy", spy), *analyzers.ANALYZERS, ("spy", spy)))
    result = analyze(Bundle.load(LIVE / "oom_killed.tar.gz"))
    assert len(built) == 1 and seen == [built[0], built[0]]
    assert result.diagnoses[0].cause == "oom-killed"
