"""Baseline files: adopt infradoctor on an old repository by recording today's findings
and reporting only new ones.

A baseline is JSON: `{"tool": "infradoctor", "version": ..., "findings": [{"rule", "file",
"fingerprint", "message", "count"}]}`. Matching is by `Finding.fingerprint` (rule, file,
subject and the offending line's text, not its number) with multiplicity: a baseline
entry with count 2 hides at most two identical findings, so a third copy is new."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from infradoctor.config import ConfigError
from infradoctor.findings import Finding
from infradoctor.model.stack import Stack
from infradoctor.syntax.jsondoc import loads_bounded

LineText = Callable[[str, int], str]  # (file, line) -> text of that line


def stack_line_text(stack: Stack) -> LineText:
    def line_text(file: str, line: int) -> str:
        source = stack.files.get(file)
        return source.line_text(line) if source is not None else ""

    return line_text


def fingerprint_of(finding: Finding, line_text: LineText) -> str:
    return finding.fingerprint(line_text(finding.location.file, finding.location.line))


def baseline_document(findings: Iterable[Finding], line_text: LineText) -> dict[str, Any]:
    """The JSON document recording `findings` (one entry per fingerprint, with count)."""
    from infradoctor import __version__
    from infradoctor.redact import redact_text

    entries: dict[str, dict[str, Any]] = {}
    for finding in findings:
        fp = fingerprint_of(finding, line_text)
        entry = entries.get(fp)
        if entry is None:
            entries[fp] = {
                "rule": finding.rule,
                "file": finding.location.file,
                "fingerprint": fp,
                "message": redact_text(finding.message),  # baselines get committed
                "count": 1,
            }
        else:
            entry["count"] += 1
    ordered = sorted(entries.values(), key=lambda e: (e["file"], e["rule"], e["fingerprint"]))
    return {"tool": "infradoctor", "version": __version__, "findings": ordered}


def write_baseline_file(path: Path, findings: Iterable[Finding], line_text: LineText) -> int:
    """Write the baseline; returns the number of findings recorded."""
    doc = baseline_document(findings, line_text)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return sum(entry["count"] for entry in doc["findings"])


def read_baseline(path: Path) -> Counter[str]:
    """fingerprint -> how many findings with it the baseline accepts."""
    try:
        doc = loads_bounded(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: baseline file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read baseline: {exc}") from None
    except ValueError as exc:  # json.JSONDecodeError, or nested too deeply
        raise ConfigError(f"{path}: baseline is not valid JSON: {exc}") from None
    entries = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: baseline has no 'findings' list")
    counts: Counter[str] = Counter()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise ConfigError(f"{path}: baseline entry {index} has no 'fingerprint'")
        count = entry.get("count", 1)
        if not isinstance(count, int) or count < 1:
            raise ConfigError(f"{path}: baseline entry {index} has a bad 'count'")
        counts[entry["fingerprint"]] += count
    return counts


def split_baselined(
    findings: list[Finding], accepted: Counter[str], line_text: LineText
) -> tuple[list[Finding], list[Finding]]:
    """(new findings, findings the baseline accepts), consuming counts in order."""
    remaining = Counter(accepted)
    new: list[Finding] = []
    known: list[Finding] = []
    for finding in findings:
        fp = fingerprint_of(finding, line_text)
        if remaining[fp] > 0:
            remaining[fp] -= 1
            known.append(finding)
        else:
            new.append(finding)
    return new, known


def apply_baseline(
    findings: list[Finding], path: Path, line_text: LineText
) -> tuple[list[Finding], list[Finding]]:
    """The one place a baseline file is applied: (new findings, findings it accepts).
    The engine calls it for one root; `lint` with several paths calls it once on the
    merged report (the engine then runs without a baseline)."""
    return split_baselined(findings, read_baseline(path), line_text)


def filter_baseline(
    stack: Stack, findings: list[Finding], path: Path
) -> tuple[list[Finding], list[Finding]]:
    """Returns (new findings, findings already in the baseline)."""
    return apply_baseline(findings, path, stack_line_text(stack))


def write_baseline(stack: Stack, findings: list[Finding], path: Path) -> int:
    """Record `findings` of one stack in `path`; returns how many were written."""
    return write_baseline_file(path, findings, stack_line_text(stack))
