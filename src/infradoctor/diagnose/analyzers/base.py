"""The Diagnosis record every analyzer returns, and small helpers to build one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infradoctor.diagnose.causes import CAUSES, render
from infradoctor.findings import Severity

MAX_EVIDENCE = 12


@dataclass(slots=True)
class Diagnosis:
    """One root-cause hypothesis with the evidence that supports it.

    `subject` names what it is about: any of upstream (group or host name nginx uses),
    container, service (compose project/service), address (ip:port or unix:path).
    `evidence` quotes the facts: {"source": bundle path or original log path, "line":
    1-based line number or None, "text": the line or JSON fact}. `plan` is ordered, safe
    commands first; `rules` are lint codes that would have prevented it."""

    cause: str
    severity: Severity  # the shared lint enum; equal to its label ("error") too
    confidence: float
    summary: str
    subject: dict[str, str] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    verify: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    first_seen: float | None = None  # epoch of the earliest evidence (timeline)
    requests: int = 0  # distinct failed requests (*N) behind the evidence
    absorbed: list[str] = field(default_factory=list)  # symptom causes merged into this one

    def __post_init__(self) -> None:
        if self.cause not in CAUSES:
            raise ValueError(f"unknown cause {self.cause!r}")
        if not isinstance(self.severity, Severity):
            self.severity = Severity.parse(str(self.severity))
        self.confidence = round(min(1.0, max(0.0, self.confidence)), 2)

    @property
    def container(self) -> str | None:
        return self.subject.get("container")

    @property
    def severity_rank(self) -> int:
        return int(self.severity)

    def add_evidence(self, source: str, line: int | None, text: str, force: bool = False) -> None:
        item = {"source": source, "line": line, "text": text[:2000]}
        if item not in self.evidence and (force or len(self.evidence) < MAX_EVIDENCE):
            self.evidence.append(item)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "title": CAUSES[self.cause].title,
            "severity": self.severity.label,
            "confidence": self.confidence,
            "summary": self.summary,
            "subject": dict(self.subject),
            "evidence": [dict(e) for e in self.evidence],
            "plan": list(self.plan),
            "verify": list(self.verify),
            "rules": list(self.rules),
            "first_seen": self.first_seen,
            "requests": self.requests,
            "absorbed": list(self.absorbed),
        }


def make(
    cause: str,
    severity: Severity | str,
    confidence: float,
    summary: str,
    subject: dict[str, str | None],
    values: dict[str, Any] | None = None,
    plan: list[str] | None = None,
    verify: list[str] | None = None,
    rules: list[str] | None = None,
) -> Diagnosis:
    """A Diagnosis with the cause's default plan/verify/rules filled from `values`
    (and the subject). `plan` entries given here go first (the specific steps)."""
    spec = CAUSES[cause]
    clean_subject = {k: str(v) for k, v in subject.items() if v not in (None, "")}
    fill: dict[str, Any] = {**clean_subject, **(values or {})}
    if "address" in fill and "port" not in fill and ":" in str(fill["address"]):
        fill["port"] = str(fill["address"]).rsplit(":", 1)[1]
    fill.setdefault("service", fill.get("container"))
    fill.setdefault("upstream", fill.get("address"))
    fill.setdefault("nginx_conf_dir", "/etc/nginx/")
    default_plan = [render(p, fill) for p in spec.plan]
    specific = [p for p in plan or [] if p not in default_plan]
    # read-only inspection first, then the specific change, then the generic remedies
    n_inspect = 0
    while n_inspect < len(default_plan) and is_read_only(default_plan[n_inspect]):
        n_inspect += 1
    inspect_specific = [p for p in specific if is_read_only(p)]
    change_specific = [p for p in specific if not is_read_only(p)]
    steps = [
        *inspect_specific,
        *default_plan[:n_inspect],
        *change_specific,
        *default_plan[n_inspect:],
    ]
    steps = list(dict.fromkeys(steps))
    checks = [render(v, fill) for v in spec.verify] if verify is None else verify
    checks = list(dict.fromkeys(checks))
    codes = list(dict.fromkeys([*(rules or []), *spec.rules]))
    level = severity if isinstance(severity, Severity) else Severity.parse(severity)
    return Diagnosis(cause, level, confidence, summary, clean_subject, [], steps, checks, codes)


READ_ONLY_COMMANDS = (
    "docker inspect",
    "docker logs",
    "docker ps",
    "docker stats",
    "docker exec",
    "docker network inspect",
    "cat ",
    "grep ",
    "df ",
    "du ",
    "ls ",
    "dmesg",
    "curl ",
    "nginx -t  ",
    "journalctl",
    "openssl s_client",
    "getent",
    "time ",
    "ss ",
    "pgrep",
    "test ",
    "tail ",
    "logrotate -d",
)


def is_read_only(step: str) -> bool:
    """Does a plan step only look (safe to run first)?"""
    return step.startswith(READ_ONLY_COMMANDS) and " && " not in step.split("  (")[0]


def human_bytes(n: float | int | None) -> str:
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
