"""Reporters render one merged LintReport: text, JSON (documented shape), SARIF 2.1.0
(validated against the official schema) and GitHub workflow commands."""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from infradoctor.catalogue import selected_rules
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability, Edit, Finding, Fix, Severity
from infradoctor.model.source import FileKind, LoadError, Location, SourceFile
from infradoctor.report import RenderOptions, renderer
from infradoctor.report.model import LintReport, ScannedRoot, merge_results
from tests.report import fakes

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"

COMPOSE = "services:\n  web:\n    image: BAD\n    command: run\tWARN\n"
NGINX = "events {}\nhttp {\n  server { root /srv/NOTE; }\n}\n"


@cache
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def assert_valid_sarif(doc: dict[str, Any]) -> None:
    errors = sorted(sarif_validator().iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.fixture(autouse=True)
def _fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.install(monkeypatch)


@pytest.fixture
def report(tree) -> LintReport:
    root = tree(
        {"compose.yaml": COMPOSE, "nginx/nginx.conf": NGINX, "broken/compose.yaml": "services: [\n"}
    )
    result = lint(root, LintConfig(), with_fixes=False)
    return merge_results([(str(root), result)], selected_rules(LintConfig()))


def render(report: LintReport, fmt: str, **opts: bool) -> str:
    out = io.StringIO()
    renderer(fmt)(report, out, RenderOptions(**opts))
    return out.getvalue()


def test_text_report(report: LintReport) -> None:
    text = render(report, "text")
    lines = text.splitlines()
    assert lines[0] == "compose.yaml"
    assert lines[1] == "compose.yaml:3:12: error TST001 marker-error: BAD marker in compose.yaml"
    assert lines[2] == "  3 |     image: BAD"
    assert lines[3] == "    |            ^^^"
    # tabs are shown as one space so the caret stays under the word
    warn = lines.index(
        "compose.yaml:4:18: warning TST002 marker-warning: WARN marker in compose.yaml [fix: safe]"
    )
    assert lines[warn + 1] == "  4 |     command: run WARN"
    assert lines[warn + 2] == "    |                  ^^^^"
    assert "nginx/nginx.conf:3:22: info TST003 marker-info" in text
    assert "Load errors (these files were not fully checked):" in text
    assert any(line.startswith("broken/compose.yaml") for line in lines)
    assert lines[-1].startswith("Found 3 problems (1 error, 1 warning, 1 info) in ")
    assert "1 load error" in lines[-1] and "1 fixable with" in lines[-1]
    assert "--unsafe" not in lines[-1]
    assert "\x1b[" not in text


def test_text_colour_quiet_statistics(report: LintReport) -> None:
    assert "\x1b[1;31merror" in render(report, "text", color=True)
    quiet = render(report, "text", quiet=True)
    assert " | " not in quiet and "compose.yaml:3:12: error TST001" in quiet
    stats = render(report, "text", statistics=True)
    assert "Findings by rule:" in stats and "1  TST001  error   marker-error" in stats


def test_text_clean_run(tree) -> None:
    root = tree({"compose.yaml": "services:\n  web:\n    image: ok\n"})
    clean = merge_results([(str(root), lint(root, LintConfig()))], [])
    assert render(clean, "text").startswith("No problems found in 1 file")
    assert render(clean, "text", quiet=True) == ""


def test_json_shape(report: LintReport) -> None:
    doc = json.loads(render(report, "json"))
    assert list(doc)[:5] == ["tool", "version", "findings", "errors", "stats"]
    assert doc["tool"] == "infradoctor"
    first = doc["findings"][0]
    required = [
        "rule",
        "name",
        "severity",
        "category",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "fix",
    ]
    assert all(key in first for key in required)
    assert first["rule"] == "TST001" and first["file"] == "compose.yaml"
    assert (first["line"], first["column"], first["end_line"]) == (3, 12, 3)
    assert first["fix"] is None
    assert len(first["fingerprint"]) == 20
    warn = next(f for f in doc["findings"] if f["rule"] == "TST002")
    assert warn["fix"]["applicability"] == "safe"
    assert warn["fix"]["edits"][0]["replacement"] == "FIXED"
    assert doc["errors"][0]["file"] == "broken/compose.yaml"
    assert set(doc["errors"][0]) == {"file", "line", "column", "kind", "message"}
    stats = doc["stats"]
    assert stats["findings"] == 3 and stats["errors"] == 1
    assert stats["by_severity"] == {"error": 1, "warning": 1, "info": 1}
    assert stats["by_rule"] == {"TST001": 1, "TST002": 1, "TST003": 1}


def test_github_commands(report: LintReport, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(report.roots[0].path)
    lines = render(report, "github").splitlines()
    assert lines[0] == (
        "::error file=compose.yaml,line=3,col=12,endLine=3,endColumn=15,"
        "title=TST001 marker-error::BAD marker in compose.yaml"
    )
    assert lines[2].startswith("::notice file=nginx/nginx.conf,line=3,")
    assert lines[3].startswith("::warning file=broken/compose.yaml")


def test_github_paths_relative_to_cwd_and_escaped(
    report: LintReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(report.roots[0].path.parent)
    name = report.roots[0].path.name
    first = render(report, "github").splitlines()[0]
    assert first.startswith(f"::error file={name}/compose.yaml,")
    from infradoctor.report.github import command

    assert (
        command("error", {"title": "a,b:c"}, "50%\nnext") == "::error title=a%2Cb%3Ac::50%25%0Anext"
    )


def test_sarif_valid_and_complete(report: LintReport) -> None:
    doc = json.loads(render(report, "sarif"))
    assert_valid_sarif(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    # every selected rule, not only those seen (IDX001 fired nowhere)
    assert [r["id"] for r in rules] == ["IDX001", "TST001", "TST002", "TST003"]
    assert rules[1]["defaultConfiguration"]["level"] == "error"
    assert rules[1]["shortDescription"]["text"] == "Line contains BAD"
    assert "# TST001 marker-error" in rules[1]["help"]["markdown"]
    results = run["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("TST001", 1, "error"),
        ("TST002", 2, "warning"),
        ("TST003", 3, "note"),
    ]
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "compose.yaml", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 3, "startColumn": 12, "endLine": 3, "endColumn": 15}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    assert len(results[0]["partialFingerprints"]["infradoctor/v1"]) == 20
    fix = results[1]["fixes"][0]
    change = fix["artifactChanges"][0]
    offset = COMPOSE.index("WARN")
    assert change["replacements"] == [
        {
            "deletedRegion": {"charOffset": offset, "charLength": 4},
            "insertedContent": {"text": "FIXED"},
        }
    ]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert (
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "broken/compose.yaml"
    )
    assert run["invocations"][0]["executionSuccessful"] is True


def _hand_report(tmp_path: Path, newline: str = "\n") -> LintReport:
    text = "a: 1\nb: 2\n"
    src = SourceFile("x.yaml", tmp_path / "x.yaml", FileKind.COMPOSE, text, newline)
    unsafe = Fix("u", Applicability.UNSAFE, (Edit("x.yaml", 0, 1, "z"),))
    safe = Fix("s", Applicability.SAFE, (Edit("x.yaml", 5, 6, "c"), Edit("x.yaml", 10, 10, "\n")))
    findings = [
        Finding(
            "TST002",
            "marker-warning",
            Severity.WARNING,
            "availability",
            "m1",
            Location("x.yaml", 2, 1, 2, 2, 5, 6),
            fix=safe,
            related=(Location("x.yaml", 1, 1),),
            subject="svc",
        ),
        Finding(
            "TST001",
            "marker-error",
            Severity.ERROR,
            "security",
            "m2",
            Location("x.yaml", 1, 1),
            fix=unsafe,
        ),
    ]
    errors = [
        LoadError("<rule TST003>", "boom", "internal"),
        LoadError("y.conf", "bad", "parse-error", 4, 2),
    ]
    report = LintReport(
        findings,
        errors,
        list(fakes.FAKE_RULES),
        [ScannedRoot(tmp_path, "")],
        {"x.yaml": src},
        stats={"files": 1},
    )
    report.refresh_stats()
    return report


def test_sarif_fixes_crlf_related_and_internal_errors(tmp_path: Path) -> None:
    report = _hand_report(tmp_path, "\r\n")
    doc = json.loads(render(report, "sarif"))
    assert_valid_sarif(doc)
    run = doc["runs"][0]
    warn, err = run["results"]
    assert "fixes" not in err  # unsafe fixes are not offered
    reps = warn["fixes"][0]["artifactChanges"][0]["replacements"]
    # on disk line 2 starts one character later (CRLF); inserted newlines become CRLF
    assert reps == [
        {"deletedRegion": {"charOffset": 6, "charLength": 1}, "insertedContent": {"text": "c"}},
        {"deletedRegion": {"charOffset": 12, "charLength": 0}, "insertedContent": {"text": "\r\n"}},
    ]
    assert warn["relatedLocations"][0]["id"] == 1
    assert warn["properties"] == {"subject": "svc"}
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert [n["level"] for n in inv["toolExecutionNotifications"]] == ["error", "warning"]
    assert "locations" not in inv["toolExecutionNotifications"][0]
    assert report.exit_code(Severity.INFO) == 2


def test_exit_codes(tmp_path: Path) -> None:
    report = _hand_report(tmp_path)
    report.errors = [e for e in report.errors if e.kind != "internal"]
    assert report.exit_code(Severity.ERROR) == 1
    report.findings = [f for f in report.findings if f.severity < Severity.ERROR]
    assert report.exit_code(Severity.ERROR) == 1  # y.conf could not be parsed
    report.errors = [
        LoadError("m.types", "missing", "include-missing"),
        LoadError("compose.yaml", "DB unset", "interpolation", 3, 9),
    ]
    assert report.exit_code(Severity.ERROR) == 0
    assert report.exit_code(Severity.WARNING) == 1


def test_multi_root_merge_prefixes_paths(tree) -> None:
    a = tree({"compose.yaml": COMPOSE}, name="a")
    b = tree({"compose.yaml": COMPOSE}, name="b")
    results = [("stacks/a/", lint(a, LintConfig())), ("b", lint(b, LintConfig()))]
    merged = merge_results(results, selected_rules(LintConfig()))
    files = sorted({f.location.file for f in merged.findings})
    assert files == ["b/compose.yaml", "stacks/a/compose.yaml"]
    warn = next(f for f in merged.findings if f.rule == "TST002")
    assert warn.fix is not None and warn.fix.edits[0].file == warn.location.file
    assert merged.line_text("b/compose.yaml", 3) == "    image: BAD"
    assert merged.stats["files"] == 2 and merged.stats["roots"] == 2
    assert merged.stats["findings"] == 4
    doc = json.loads(render(merged, "sarif"))
    assert_valid_sarif(doc)
    run = doc["runs"][0]
    assert set(run["originalUriBaseIds"]) == {"ROOT1", "ROOT2"}
    uris = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
        )
        for r in run["results"]
    }
    assert uris == {("compose.yaml", "ROOT1"), ("compose.yaml", "ROOT2")}
    assert "stacks/a/compose.yaml:3:12" in render(merged, "text")


def test_text_one_excerpt_per_line_of_findings(tree) -> None:
    root = tree({"compose.yaml": "services:\n  web:\n    image: BAD WARN\n"})
    merged = merge_results([(str(root), lint(root, LintConfig()))], [])
    lines = render(merged, "text").splitlines()
    assert [line for line in lines if line.startswith("  3 |")] == ["  3 |     image: BAD WARN"]
    assert lines[1].startswith("compose.yaml:3:12: error TST001")
    assert lines[2].startswith("compose.yaml:3:16: warning TST002")


def test_text_shows_related_locations(tmp_path: Path) -> None:
    report = _hand_report(tmp_path)
    text = render(report, "text")
    assert "x.yaml:2:1: warning TST002 marker-warning: m1 [fix: safe]\n  = see x.yaml:1:1\n" in text
    assert "= see" not in render(report, "text", quiet=True)


def test_summary_counts_only_applicable_fixes(tmp_path: Path) -> None:
    report = _hand_report(tmp_path)  # one safe fix, one unsafe fix
    display = Fix("d", Applicability.DISPLAY_ONLY, ())
    report.findings.append(
        Finding(
            "TST003",
            "marker-info",
            Severity.INFO,
            "nginx",
            "m3",
            Location("x.yaml", 1, 2),
            fix=display,
        )
    )
    last = render(report, "text").splitlines()[-1]
    assert "1 fixable with `infradoctor lint --fix`; 1 more with `--fix --unsafe`" in last
