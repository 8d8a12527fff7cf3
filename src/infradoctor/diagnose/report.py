"""Render a DiagnoseResult: terminal summary, JSON (documented schema) and a Markdown
incident report. The JSON is `DiagnoseResult.to_dict()` passed through the redactor once
more; the text and Markdown renderers read the objects back from that redacted document
(`redacted()`), so nothing secret reaches any output even from a foreign bundle.

rich is imported only by the terminal renderer and only when colour is wanted (a TTY)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from infradoctor.diagnose.analyzers.base import Diagnosis, Evidence, Subject
from infradoctor.diagnose.causes import CAUSES, RULE_NAMES
from infradoctor.diagnose.engine import SCHEMA_VERSION, DiagnoseResult
from infradoctor.redact import redact_json

FORMATS = ("text", "json", "markdown")
_COMMANDS = (
    "docker",
    "nginx",
    "curl",
    "grep",
    "df",
    "du",
    "truncate",
    "dmesg",
    "journalctl",
    "systemctl",
    "ls",
    "cat",
    "openssl",
    "time ",
    "tail",
    "getent",
    "test ",
    "pgrep",
    "ss ",
    "logrotate",
    "edit ",
    "open ",
    "kubectl",
    "helm",
)


def result_dict(result: DiagnoseResult) -> dict[str, Any]:
    """The JSON document (schema in docs/diagnose.md), redacted."""
    redacted: dict[str, Any] = redact_json(result.to_dict())
    return redacted


def redacted(result: DiagnoseResult) -> DiagnoseResult:
    """The result as the reporters see it: read back from the redacted JSON document, so
    every format shows exactly what the JSON says and nothing secret."""
    return DiagnoseResult.from_dict(result_dict(result))


def render(result: DiagnoseResult, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        return render_json(result)
    if fmt == "markdown":
        return render_markdown(result)
    return render_text(result, color=color)


def render_json(result: DiagnoseResult) -> str:
    return json.dumps(result_dict(result), indent=2, sort_keys=False) + "\n"


# ------------------------------------------------------------------ helpers


def _fmt_ts(ts: float | None, with_date: bool = True) -> str:
    from infradoctor.diagnose.errorlog import utc_strftime

    return utc_strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S", ts)


def _fmt_duration(seconds: object) -> str:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds:
        return "?"
    s = float(seconds)
    if not math.isfinite(s) or s < 0:
        return "?"
    if s < 120:
        return f"{s:.0f} s"
    if s < 2 * 3600:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} d"


def _subject_text(subject: Subject) -> str:
    parts = []
    if subject.get("workload"):
        parts.append(f"{subject.get('kind') or 'workload'} {subject['workload']}")
    elif subject.get("node"):
        parts.append(f"node {subject['node']}")
    if subject.get("pod"):
        parts.append(f"pod {subject['pod']}")
    if subject.get("container"):
        parts.append(f"container {subject['container']}")
    if subject.get("service"):
        svc = subject["service"]
        if subject.get("project"):
            svc = f"{subject['project']}/{svc}"
        parts.append(f"service {svc}")
    if subject.get("upstream"):
        parts.append(f"upstream {subject['upstream']}")
    if subject.get("address"):
        parts.append(f"address {subject['address']}")
    if subject.get("path"):
        parts.append(f"path {subject['path']}")
    if subject.get("containers"):
        parts.append(f"containers {subject['containers']}")
    return ", ".join(parts)


def _where(e: Evidence) -> str:
    return f"{e.source}:{e.line}" if e.line else e.source


def _split_step(step: str) -> tuple[str, str]:
    """'cmd  (note)' -> ('cmd', 'note')."""
    m = re.match(r"^(.*?)\s{2,}\((.*)\)\s*$", step)
    return (m.group(1), m.group(2)) if m else (step, "")


def _is_command(text: str) -> bool:
    return text.startswith(_COMMANDS) and not text.startswith(("edit ", "open "))


def _rule_catalogue() -> dict[str, Any]:
    """code -> rule class from the lint registry; imported only when a report lists rules
    (the catalogue imports every rule module). Empty when it cannot be loaded."""
    try:
        from infradoctor.rules.registry import by_code

        return dict(by_code())
    except Exception:  # noqa: BLE001 - names and opt-in marks are a nicety, not the report
        return {}


def _rule_notes(codes: list[str]) -> list[tuple[str, str, str | None]]:
    """(code, name, how to enable it or None) per rule, rules plain `lint` runs first.
    Opt-in rules (`default_enabled = False`) run only when selected; the selector to
    add is their group when they have one (`--extend-select hardening`), else the code."""
    catalogue = _rule_catalogue()
    notes: list[tuple[str, str, str | None]] = []
    for code in dict.fromkeys(codes):
        rule = catalogue.get(code)
        name = getattr(rule, "name", None) or RULE_NAMES.get(code, "")
        enable = None
        if rule is not None and not getattr(rule, "default_enabled", True):
            groups = tuple(getattr(rule, "groups", ()) or ())
            enable = f"--extend-select {groups[0] if groups else code}"
        notes.append((code, name, enable))
    return sorted(notes, key=lambda n: n[2] is not None)


def _rules_text(codes: list[str]) -> str:
    """`CMP006 (jvm-heap-exceeds-memory-limit), CMP005 (memory-limit-missing; opt-in:
    `--extend-select hardening`)` for the Markdown report."""
    parts = []
    for code, name, enable in _rule_notes(codes):
        bits = [b for b in (name, f"opt-in: `{enable}`" if enable else "") if b]
        parts.append(f"{code} ({'; '.join(bits)})" if bits else code)
    return ", ".join(parts)


def _rules_plain(codes: list[str]) -> str:
    """`CMP006, CMP001, CMP005 (opt-in: --extend-select hardening)` for the terminal."""
    return ", ".join(
        f"{code} (opt-in: {enable})" if enable else code for code, _, enable in _rule_notes(codes)
    )


def _pct(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "-"


# ------------------------------------------------------------------ markdown


def render_markdown(result: DiagnoseResult) -> str:
    from infradoctor import __version__

    r = redacted(result)
    diags = r.diagnoses
    host = r.meta.get("host") or "unknown host"
    out: list[str] = []
    top = diags[0] if diags else None
    if r.status == "cannot-run":
        title = f"infradoctor could not diagnose {host}"
    elif top is not None and top.severity in ("error", "warning"):
        subject = top.subject
        who = (
            subject.workload
            or subject.get("node")
            or subject.container
            or subject.upstream
            or subject.address
            or subject.path
        )
        title = f"Incident on {host}: {top.title}" + (f" ({who})" if who else "")
    else:
        title = f"Health check: no problems found on {host}"
    out += [f"# {title}", ""]
    since = r.window.get("since_seconds")
    out.append(
        f"_Generated by infradoctor {__version__} from evidence collected "
        f"{r.meta.get('created') or '?'} on {host}"
        + (f" (log window: last {_fmt_duration(since)})" if since else "")
        + "._"
    )
    out.append("")
    if r.could_not_run:
        out += ["**Could not run:** " + str(r.could_not_run), ""]
    problems = r.problems
    out += _md_summary(top, problems)
    out += _md_impact(r.impact)
    if top is not None and problems:
        out += ["## Root cause", ""]
        out += _md_diagnosis(top)
        rest = diags[1:]
        if rest:
            out += ["## Other findings", ""]
            for i, d in enumerate(rest, 2):
                out += [
                    f"### {i}. `{d.cause}` — {d.title} ({d.severity.label}, {d.confidence:.0%})",
                    "",
                ]
                out += _md_diagnosis(d, brief=True)
    elif diags:
        out += ["## Notes", ""]
        for d in diags:
            out.append(f"- `{d.cause}` ({d.severity.label}): {d.summary}")
        out.append("")
    out += _md_tail(r)
    return "\n".join(out).rstrip() + "\n"


def _md_summary(top: Diagnosis | None, problems: list[Diagnosis]) -> list[str]:
    out = ["## Summary", ""]
    if top is not None and problems:
        out.append(f"- **Root cause (most likely):** {top.summary}")
        out.append(
            f"- **Cause:** `{top.cause}` — {top.title} "
            f"(severity {top.severity.label}, confidence {top.confidence:.0%})"
        )
        subj = _subject_text(top.subject)
        if subj:
            out.append(f"- **Affected:** {subj}")
        if len(problems) > 1:
            out.append(
                "- **Other problems:** "
                + "; ".join(
                    f"`{d.cause}` ({_subject_text(d.subject) or d.severity.label})"
                    for d in problems[1:6]
                )
            )
    else:
        out.append("- No error or warning diagnoses: the stack looks healthy in this window.")
    out.append("")
    return out


def _md_impact(imp: dict[str, Any]) -> list[str]:
    out = ["## Impact", ""]
    total = int(imp.get("requests") or 0)
    if total:
        out.append(
            f"- Access log: {total} requests between "
            f"{_fmt_ts(imp.get('access_log_first'))} and "
            f"{_fmt_ts(imp.get('access_log_last'))} UTC; "
            f"**{imp.get('errors_5xx', 0)} answered 5xx** "
            f"({_pct(int(imp.get('errors_5xx') or 0), total)}): "
            f"502 x{imp.get('status_502', 0)}, 504 x{imp.get('status_504', 0)}, "
            f"500 x{imp.get('status_500', 0)}, 503 x{imp.get('status_503', 0)}."
        )
    else:
        out.append("- Access log: no requests in the window (or the log was not collected).")
    out.append(
        f"- Error log: {imp.get('error_log_failures', 0)} upstream/resource failure "
        f"lines over {imp.get('failed_requests_error_log', 0)} client connections."
    )
    out.append("")
    return out


def _md_tail(r: DiagnoseResult) -> list[str]:
    """Timeline, what could not be collected, the collectors table."""
    out = ["## Timeline (UTC)", ""]
    if r.timeline:
        out += ["| time | source | event |", "|---|---|---|"]
        for e in r.timeline:
            out.append(f"| {_fmt_ts(e.ts)} | {e.source} | {_md_cell(e.text)} |")
    else:
        out.append("No container restarts or error bursts in the window.")
    out.append("")
    out += ["## What could not be collected", ""]
    if r.not_collected:
        out += [f"- {_md_cell(n)}" for n in r.not_collected]
    else:
        out.append("- Nothing: every collector completed.")
    if r.analyzer_errors:
        out += [f"- analyzer error: {_md_cell(e)}" for e in r.analyzer_errors]
    out.append("")
    if r.collectors:
        out += [
            "<details><summary>Collectors</summary>",
            "",
            "| collector | status | seconds | error |",
            "|---|---|---|---|",
        ]
        for c in r.collectors:
            out.append(f"| {c.name} | {c.status} | {c.seconds:.2f} | {_md_cell(c.error or '')} |")
        out += ["", "</details>", ""]
    return out


def _md_commands(cmd: str) -> str:
    """A step as Markdown with one command per code span: `a  or  b` and `a; b` become
    two spans; prose stays prose."""
    if not _is_command(cmd):
        return cmd
    for sep, word in (("  or  ", " or "), ("; ", "; then ")):
        parts = [p.strip() for p in cmd.split(sep)]
        if len(parts) > 1 and all(_is_command(p) for p in parts):
            return word.join(f"`{p}`" for p in parts)
    return f"`{cmd}`"


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_diagnosis(d: Diagnosis, brief: bool = False) -> list[str]:
    out: list[str] = []
    cause = CAUSES.get(d.cause)
    out.append(d.summary)
    out.append("")
    if cause is not None and not brief:
        out += [f"_{cause.explanation}_", ""]
    subj = _subject_text(d.subject)
    if subj:
        out += [f"**Subject:** {subj}", ""]
    if d.evidence:
        out += ["**Evidence**", "", "```text"]
        for e in d.evidence[: 6 if brief else 12]:
            out.append(f"{_where(e)}: {e.text}".replace("```", "'''"))
        out += ["```", ""]
    if d.plan:
        out += ["**Fix plan** (safe, read-only steps first)", ""]
        for i, step in enumerate(d.plan, 1):
            cmd, note = _split_step(step)
            body = _md_commands(cmd)
            out.append(f"{i}. {body}" + (f" — {note}" if note else ""))
        out.append("")
    if d.verify:
        out += ["**Verification**", ""]
        for step in d.verify:
            cmd, note = _split_step(step)
            body = _md_commands(cmd)
            out.append(f"- [ ] {body}" + (f" — {note}" if note else ""))
        out.append("")
    if d.rules:
        out += [
            f"**Prevent it:** `infradoctor lint` rules {_rules_text(d.rules)} flag the "
            f"configuration that leads here"
            + (
                "; opt-in rules run only when selected."
                if any(enable for _, _, enable in _rule_notes(d.rules))
                else "."
            ),
            "",
        ]
    if d.absorbed:
        out += [f"_Also explains: {', '.join(d.absorbed)}._", ""]
    return out


# ------------------------------------------------------------------ terminal


_SEV_MARK = {"error": "✖", "warning": "▲", "info": "·"}
_SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def render_text(result: DiagnoseResult, *, color: bool = False, width: int = 100) -> str:
    """Terminal summary: root cause first, then the rest; plain text unless `color`."""
    r = redacted(result)
    lines: list[tuple[str, str | None]] = []  # (text, rich style)
    host = r.meta.get("host") or "this host"
    since = r.window.get("since_seconds")
    ok = sum(1 for c in r.collectors if c.status == "ok")
    head = f"infradoctor diagnose: {host}"
    if since:
        head += f", log window {_fmt_duration(since)}"
    if r.collectors:
        head += f", {ok}/{len(r.collectors)} collectors ok"
    lines.append((head, "bold"))
    imp = r.impact
    if imp.get("requests"):
        lines.append(
            (
                f"  access log: {imp['requests']} requests, {imp.get('errors_5xx', 0)} "
                f"5xx (502 x{imp.get('status_502', 0)}, 504 x{imp.get('status_504', 0)})",
                None,
            )
        )
    lines.append(("", None))
    if r.could_not_run:
        lines.append((f"could not run: {r.could_not_run}", "bold red"))
    for i, d in enumerate(r.diagnoses, 1):
        lines += _text_diagnosis(i, d)
    if not r.diagnoses and not r.could_not_run:
        lines.append(("✔ no problems found", "bold green"))
        lines.append(("", None))
    if r.not_collected:
        lines.append(("not collected:", "bold"))
        for n in r.not_collected:
            lines.append((f"  - {n}", "dim"))
    for e in r.analyzer_errors:
        lines.append((f"analyzer error: {e}", "red"))
    status = {
        "healthy": "healthy (exit 0)",
        "problems": "problems found (exit 1)",
        "cannot-run": "could not run (exit 2)",
    }[r.status]
    lines.append((f"result: {status}", "bold"))
    return _styled(lines, color, width)


def _text_diagnosis(i: int, d: Diagnosis) -> list[tuple[str, str | None]]:
    """The lines of the i-th (1-based) diagnosis: the first and every error in full."""
    sev = d.severity.label
    label = "most likely root cause" if i == 1 and sev != "info" else ""
    lines: list[tuple[str, str | None]] = [
        (
            f"{_SEV_MARK[sev]} {i}. {d.cause} ({sev}, "
            f"confidence {d.confidence:.0%})" + (f"  <- {label}" if label else ""),
            _SEV_STYLE[sev],
        )
    ]
    subj = _subject_text(d.subject)
    if subj:
        lines.append((f"   {subj}", "cyan"))
    lines.append((f"   {d.summary}", None))
    shown = d.evidence[:4] if i == 1 else d.evidence[:2]
    if shown:
        lines.append(("   evidence:", "bold"))
        for e in shown:
            lines.append((f"     {_where(e)}: {e.text[:300]}", "dim"))
    if i == 1 or sev == "error":
        lines.append(("   fix plan:", "bold"))
        for k, step in enumerate(d.plan, 1):
            lines.append((f"     {k}. {step}", None))
        if d.verify:
            lines.append(("   verify:", "bold"))
            for step in d.verify:
                lines.append((f"     - {step}", None))
    if d.rules:
        lines.append((f"   prevented by lint rules: {_rules_plain(d.rules)}", "dim"))
    lines.append(("", None))
    return lines


def _styled(lines: list[tuple[str, str | None]], color: bool, width: int) -> str:
    if not color:
        return "\n".join(text for text, _ in lines) + "\n"
    import io

    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=True,
        color_system="standard",
        width=width,
        highlight=False,
        soft_wrap=True,
    )
    for text, style in lines:
        console.print(Text(text, style=style or ""))
    return buf.getvalue()


__all__ = [
    "FORMATS",
    "SCHEMA_VERSION",
    "redacted",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "result_dict",
]
