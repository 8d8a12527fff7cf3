"""The Diagnosis record every analyzer returns, and small helpers to build one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from infradoctor.diagnose.causes import CAUSES, render
from infradoctor.findings import Severity

MAX_EVIDENCE = 12
MAX_EVIDENCE_TEXT = 2000
# docs/diagnose.md "subject keys" (Docker and Kubernetes) and diagnose/schema.json
SUBJECT_KEYS = frozenset(
    {
        "upstream",
        "container",
        "service",
        "project",
        "address",
        "path",
        "containers",
        "workload",
        "kind",
        "namespace",
        "pod",
        "node",
        "selector",
        "depends_on",
    }
)


class Subject(dict[str, str]):
    """What a diagnosis is about: documented keys only, string values, no empty ones.

    A dict subclass because the JSON contract prints the keys in the order the analyzer
    named them; the typed properties are what code reads."""

    def __init__(self, values: Mapping[str, object] | None = None) -> None:
        super().__init__()
        for key, value in (values or {}).items():
            if value not in (None, ""):
                self[key] = str(value)

    def __setitem__(self, key: str, value: str) -> None:
        if key not in SUBJECT_KEYS:
            raise ValueError(f"unknown subject key {key!r}")
        super().__setitem__(key, value)

    def setdefault(self, key: str, default: str = "") -> str:  # type: ignore[override]
        if key not in self:
            self[key] = default
        return self[key]

    @property
    def container(self) -> str | None:
        return self.get("container")

    @property
    def address(self) -> str | None:
        return self.get("address")

    @property
    def upstream(self) -> str | None:
        return self.get("upstream")

    @property
    def service(self) -> str | None:
        return self.get("service")

    @property
    def path(self) -> str | None:
        return self.get("path")

    @property
    def workload(self) -> str | None:
        return self.get("workload")

    def to_dict(self) -> dict[str, str]:
        return dict(self)


@dataclass(frozen=True, slots=True, eq=False)
class Evidence:
    """One quoted fact: `source` is a bundle member or the original log path, `line` the
    1-based line in it (None for a JSON fact), `text` the line (capped)."""

    source: str
    line: int | None
    text: str

    def __getitem__(self, key: str) -> object:
        """Mapping-style reads (`e["text"]`) for callers written against the dict shape."""
        if key not in ("source", "line", "text"):
            raise KeyError(key)
        return getattr(self, key)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "line": self.line, "text": self.text}

    def __eq__(self, other: object) -> bool:
        """Equal to another Evidence or to its own dict shape (the JSON)."""
        if isinstance(other, Evidence):
            return (self.source, self.line, self.text) == (other.source, other.line, other.text)
        if isinstance(other, Mapping):
            return self.to_dict() == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.source, self.line, self.text))


@dataclass(slots=True)
class Diagnosis:
    """One root-cause hypothesis with the evidence that supports it.

    `subject` names what it is about (upstream, container, service, address, ...; see
    Subject), `evidence` quotes the facts (Evidence). `plan` is ordered, safe commands
    first; `rules` are lint codes that would have prevented it. `to_dict` is the one JSON
    shape (docs/diagnose.md)."""

    cause: str
    severity: Severity  # the shared lint enum; equal to its label ("error") too
    confidence: float
    summary: str
    subject: Subject = field(default_factory=Subject)
    evidence: list[Evidence] = field(default_factory=list)
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
        if not isinstance(self.subject, Subject):
            self.subject = Subject(self.subject)
        self.confidence = round(min(1.0, max(0.0, self.confidence)), 2)

    @property
    def container(self) -> str | None:
        return self.subject.container

    @property
    def severity_rank(self) -> int:
        return int(self.severity)

    def add_evidence(self, source: str, line: int | None, text: str, force: bool = False) -> None:
        item = Evidence(source, line, text[:MAX_EVIDENCE_TEXT])
        if item not in self.evidence and (force or len(self.evidence) < MAX_EVIDENCE):
            self.evidence.append(item)

    def merge_facts(self, other: Diagnosis) -> None:
        """What every merge of `other` into this diagnosis keeps (both engines): its
        evidence, subject keys, the higher severity, the earlier first sighting, its rules."""
        for e in other.evidence:
            self.add_evidence(e.source, e.line, e.text)
        for k, v in other.subject.items():
            self.subject.setdefault(k, v)
        if other.severity > self.severity:
            self.severity = other.severity
        if other.first_seen is not None:
            self.first_seen = (
                other.first_seen
                if self.first_seen is None
                else min(self.first_seen, other.first_seen)
            )
        for code in other.rules:
            if code not in self.rules:
                self.rules.append(code)

    @property
    def title(self) -> str:
        return CAUSES[self.cause].title

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "title": self.title,
            "severity": self.severity.label,
            "confidence": self.confidence,
            "summary": self.summary,
            "subject": self.subject.to_dict(),
            "evidence": [e.to_dict() for e in self.evidence],
            "plan": list(self.plan),
            "verify": list(self.verify),
            "rules": list(self.rules),
            "first_seen": self.first_seen,
            "requests": self.requests,
            "absorbed": list(self.absorbed),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Diagnosis:
        """The inverse of `to_dict` (`title` is the cause's)."""
        return cls(
            str(doc["cause"]),
            Severity.parse(str(doc["severity"])),
            float(doc["confidence"]),
            str(doc["summary"]),
            Subject(doc["subject"]),
            [Evidence(str(e["source"]), e["line"], str(e["text"])) for e in doc["evidence"]],
            list(doc["plan"]),
            list(doc["verify"]),
            list(doc["rules"]),
            doc["first_seen"],
            int(doc["requests"]),
            list(doc["absorbed"]),
        )


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
    clean_subject = Subject(subject)
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
