"""Report formats: JSON schema and exact keys, Markdown incident sections, terminal text."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files
from typing import Any

import jsonschema

from infradoctor.diagnose.engine import analyze
from infradoctor.diagnose.report import render, render_markdown, render_text, result_dict
from tests.diagnose.builders import access, bundle, container, err

UP = "http://172.18.0.5:8000/api/items"


def oom_bundle() -> Any:
    lines = [
        err(
            1,
            1,
            "upstream prematurely closed connection while reading response header from upstream",
            UP,
        ),
        *[
            err(i, i, "connect() failed (111: Connection refused) while connecting to upstream", UP)
            for i in range(2, 9)
        ],
    ]
    acc = [
        access(0, 200, upstream="172.18.0.5:8000", ustatus="200"),
        *[access(i, 502, upstream="172.18.0.5:8000", ustatus="502") for i in range(1, 9)],
    ]
    app = container(
        "shop-app-1",
        "",
        status="exited",
        exit_code=137,
        oom=True,
        memory=128 * 2**20,
        service="app",
        finished="2026-08-21T10:00:01Z",
    )
    worker = container("shop-worker-1", "172.18.0.8", service="worker", log_size=500 * 2**20)
    b = bundle(
        error_log=lines,
        access_log=acc,
        containers=[app, worker],
        oom="2026-08-21T10:00:01,100000+00:00 Memory cgroup out of memory: Killed "
        "process 4242 (python3)\n",
    )
    b.collectors[3].status = "error"
    b.collectors[3].error = "timed out after 10s"
    return b


def schema() -> dict[str, Any]:
    return json.loads(files("infradoctor.diagnose").joinpath("schema.json").read_text())


def test_json_schema_and_exact_keys() -> None:
    doc = json.loads(render(analyze(oom_bundle()), "json"))
    jsonschema.validate(doc, schema())
    d = doc["diagnoses"][0]
    assert {
        "cause",
        "severity",
        "confidence",
        "summary",
        "subject",
        "evidence",
        "plan",
        "verify",
        "rules",
    } <= set(d)
    assert set(d["evidence"][0]) == {"source", "line", "text"}
    assert set(doc["collectors"][0]) == {"name", "status", "error", "seconds"}
    assert d["cause"] == "oom-killed" and d["subject"]["container"] == "shop-app-1"
    assert doc["status"] == "problems" and doc["exit_code"] == 1
    assert doc["impact"]["status_502"] == 8 and doc["impact"]["requests"] == 9
    assert [c["name"] for c in doc["collectors"]] == ["nginx", "docker", "host", "probes"]
    assert doc["collectors"][3]["error"] == "timed out after 10s"


def test_json_healthy_and_deterministic() -> None:
    b = bundle(
        containers=[container("shop-app-1", "172.18.0.5")],
        listening={"shop-app-1": [{"proto": "tcp", "address": "0.0.0.0", "port": 8000}]},
    )
    first = render(analyze(b), "json")
    assert first == render(analyze(b), "json")
    doc = json.loads(first)
    jsonschema.validate(doc, schema())
    assert doc["diagnoses"] == [] and doc["status"] == "healthy" and doc["exit_code"] == 0


def test_markdown_incident_report_sections() -> None:
    md = render_markdown(analyze(oom_bundle()))
    assert md.startswith("# Incident on web-1: ")
    for heading in (
        "## Summary",
        "## Impact",
        "## Root cause",
        "## Other findings",
        "## Timeline (UTC)",
        "## What could not be collected",
    ):
        assert heading in md, heading
    assert "**8 answered 5xx** (88.9%)" in md
    assert "**Evidence**" in md and "```text" in md
    assert "/var/log/nginx/error.log:2: 2026/08/21 10:00:02 [error]" in md
    assert "**Fix plan**" in md and "\n1. `docker inspect" in md
    assert "**Verification**" in md and "- [ ] `curl" in md
    assert "CMP006 (jvm-heap-exceeds-memory-limit)" in md
    assert "| 2026-08-21 10:00:01 | container | shop-app-1 exited (OOM-killed) |" in md
    assert (
        "| 2026-08-21 10:00:01 | access.log | 8x 502 of 9 requests in the minute from 10:00 |" in md
    )
    assert "- probes: error (timed out after 10s)" in md
    assert "`log-growth`" in md  # the second problem is listed too


def test_markdown_healthy() -> None:
    md = render_markdown(analyze(bundle(containers=[])))
    assert md.startswith("# Health check: no problems found on web-1")
    assert "## Root cause" not in md


def test_text_summary_root_cause_first_and_no_colour_by_default() -> None:
    text = render_text(analyze(oom_bundle()))
    assert "\x1b[" not in text
    first = [ln for ln in text.splitlines() if ln.startswith(("✖", "▲", "·"))]
    assert first[0].startswith("✖ 1. oom-killed") and "most likely root cause" in first[0]
    assert "result: problems found (exit 1)" in text
    coloured = render_text(analyze(oom_bundle()), color=True)
    assert "\x1b[" in coloured and "oom-killed" in coloured


def test_text_healthy() -> None:
    text = render_text(analyze(bundle(containers=[])))
    assert "no problems found" in text and "result: healthy (exit 0)" in text


def test_plain_text_rendering_does_not_import_rich() -> None:
    code = (
        "import sys; from tests.diagnose.builders import bundle;"
        "from infradoctor.diagnose.engine import analyze;"
        "from infradoctor.diagnose.report import render;"
        "render(analyze(bundle()), 'text'); render(analyze(bundle()), 'markdown');"
        "print('rich' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_result_dict_is_redacted() -> None:
    b = bundle(
        error_log=[
            err(
                1,
                1,
                "connect() failed (111: Connection refused) while connecting to upstream",
                UP,
                request="GET /login?password=hunter2 HTTP/1.1",
            )
        ]
    )
    text = json.dumps(result_dict(analyze(b)))
    assert "hunter2" not in text and "172.18.0.5:8000" in text


def _prevent_line(md: str) -> str:
    return next(ln for ln in md.splitlines() if ln.startswith("**Prevent it:**"))


def test_prevent_it_names_the_rules_the_plan_cites_and_marks_opt_in_ones() -> None:
    md = render_markdown(analyze(oom_bundle()))
    plan_cites = "(lint CMP001)" in md
    assert plan_cites
    prevent = _prevent_line(md)
    assert "CMP001 (restart-policy-missing)" in prevent
    assert "CMP006 (jvm-heap-exceeds-memory-limit)" in prevent
    # CMP005 is opt-in: plain `infradoctor lint` does not run it
    assert "CMP005 (memory-limit-missing; opt-in: `--extend-select hardening`)" in prevent
    # rules plain lint runs come first
    assert prevent.index("CMP001") < prevent.index("CMP005")
    assert prevent.index("CMP006") < prevent.index("CMP005")
    text = render_text(analyze(oom_bundle()))
    assert "CMP005 (opt-in: --extend-select hardening)" in text
    assert "CMP001" in next(ln for ln in text.splitlines() if "prevented by lint rules" in ln)
    doc = json.loads(render(analyze(oom_bundle()), "json"))
    assert {"CMP006", "CMP005", "CMP001"} <= set(doc["diagnoses"][0]["rules"])


def test_opt_in_marks_come_from_the_rule_registry(monkeypatch: Any) -> None:
    from infradoctor.rules.registry import by_code

    rules = by_code()
    monkeypatch.setattr(rules["CMP006"], "default_enabled", False)
    monkeypatch.setattr(rules["CMP005"], "default_enabled", True)
    prevent = _prevent_line(render_markdown(analyze(oom_bundle())))
    assert "CMP006 (jvm-heap-exceeds-memory-limit; opt-in: `--extend-select CMP006`)" in prevent
    assert "CMP005 (memory-limit-missing)" in prevent


def test_rule_catalogue_is_imported_only_when_a_report_lists_rules() -> None:
    code = (
        "import sys; from tests.diagnose.test_report import oom_bundle;"
        "from infradoctor.diagnose.engine import analyze;"
        "from infradoctor.diagnose.report import render;"
        "result = analyze(oom_bundle()); render(result, 'json');"
        "print('infradoctor.rules.registry' in sys.modules);"
        "render(result, 'markdown');"
        "print('infradoctor.rules.registry' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
