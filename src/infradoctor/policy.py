"""Runbook policy: the numbers a team's runbook states, written in the config file and
checked by the POL rules.

```toml
[[tool.infradoctor.policy.resources]]
class = "jvm"                 # jvm | observability | database | any
memory = "512m..768m"         # bounds of the memory limit (either side may be empty)
cpus = "0.75..1"
required = true               # the limit must be set (default true)

[[tool.infradoctor.policy.resources]]
match = "backend-*"           # service name glob, instead of (or with) a class
memory = "..1g"

[tool.infradoctor.policy.profiles.prod]
hardening = ["non-root", "read-only", "no-new-privileges", "cap-drop-all",
             "restart", "log-limits", "healthcheck"]
published-ports = [80, 443]   # the only host ports services of this profile may publish
```

Off unless written. Each entry remembers the config line it came from, so findings cite
the runbook rule they check. Parsing errors are `ConfigError`s (exit code 2)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infradoctor.syntax.numbers import docker_size

CLASSES = ("jvm", "observability", "database", "any")
HARDENING = (
    "non-root",
    "read-only",
    "no-new-privileges",
    "cap-drop-all",
    "restart",
    "log-limits",
    "healthcheck",
    "memory-limit",
)


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """Where a policy entry is written: config file (absolute) and 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{Path(self.file).name}:{self.line}"


@dataclass(frozen=True, slots=True)
class Bounds:
    low: float | None
    high: float | None
    text: str

    def violated(self, value: float) -> str | None:
        if self.low is not None and value < self.low:
            return "below"
        if self.high is not None and value > self.high:
            return "above"
        return None


@dataclass(frozen=True, slots=True)
class ResourceRule:
    service_class: str | None
    match: str | None
    memory: Bounds | None
    cpus: Bounds | None
    required: bool
    ref: PolicyRef

    @property
    def label(self) -> str:
        parts = []
        if self.service_class:
            parts.append(f"class {self.service_class}")
        if self.match:
            parts.append(f"services {self.match}")
        return " and ".join(parts) or "every service"


@dataclass(frozen=True, slots=True)
class ProfileRule:
    profile: str
    hardening: tuple[str, ...]
    published_ports: tuple[int, ...] | None
    ref: PolicyRef
    hardening_ref: PolicyRef
    ports_ref: PolicyRef


@dataclass(slots=True)
class Policy:
    resources: list[ResourceRule] = field(default_factory=list)
    profiles: dict[str, ProfileRule] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.resources and not self.profiles


class PolicyError(ValueError):
    pass


def parse_cpus(text: object) -> float | None:
    """`0.75`, `1`, Kubernetes `750m`; None when unparsable."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int | float):
        return float(text)
    s = str(text).strip().strip("'\"")
    try:
        if s.endswith("m"):
            return float(s[:-1]) / 1000
        return float(s)
    except ValueError:
        return None


def _bounds(value: Any, kind: str, where: str) -> Bounds | None:
    if value is None:
        return None
    text = str(value).strip()
    low_s, sep, high_s = text.partition("..")
    if not sep:
        low_s, high_s = "", text  # a single value is a maximum
    # memory bounds read like compose sizes: the one size parser (syntax/numbers.py)
    parse = docker_size if kind == "memory" else parse_cpus
    low = parse(low_s) if low_s.strip() else None
    high = parse(high_s) if high_s.strip() else None
    if (low_s.strip() and low is None) or (high_s.strip() and high is None):
        raise PolicyError(f"{where}: cannot read {kind} bounds {text!r} (e.g. '512m..768m')")
    return Bounds(None if low is None else float(low), None if high is None else float(high), text)


class _Lines:
    """Find the config lines of policy entries (tomllib keeps no positions)."""

    def __init__(self, path: Path) -> None:
        try:
            self.lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            self.lines = []
        self.path = str(path)

    def headers(self, pattern: str) -> list[int]:
        rx = re.compile(pattern)
        return [i + 1 for i, line in enumerate(self.lines) if rx.match(line)]

    def key_after(self, start: int, key: str) -> int:
        rx = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i in range(start, len(self.lines)):
            if self.lines[i].lstrip().startswith("["):
                break
            if rx.match(self.lines[i]):
                return i + 1
        return start

    def ref(self, line: int) -> PolicyRef:
        return PolicyRef(self.path, max(line, 1))


_PREFIX = r"^\s*\[{1,2}\s*(?:tool\.infradoctor\.)?policy\."


def parse_policy(table: Any, path: Path) -> Policy:
    """Validate the `[policy]` table of the config file at `path`."""
    if not isinstance(table, dict):
        raise PolicyError("key 'policy' must be a table")
    lines = _Lines(path)
    policy = Policy()
    for key in table:
        if key not in ("resources", "profiles"):
            raise PolicyError(f"policy: unknown key {key!r} (known: resources, profiles)")
    resources = table.get("resources", [])
    if not isinstance(resources, list):
        raise PolicyError("policy.resources must be an array of tables ([[policy.resources]])")
    header_lines = lines.headers(_PREFIX + r"resources\s*\]\]")
    for i, entry in enumerate(resources):
        where = f"policy.resources[{i}]"
        if not isinstance(entry, dict):
            raise PolicyError(f"{where} must be a table")
        unknown = set(entry) - {"class", "match", "memory", "cpus", "required"}
        if unknown:
            raise PolicyError(
                f"{where}: unknown key {sorted(unknown)[0]!r} "
                "(known: class, match, memory, cpus, required)"
            )
        cls = entry.get("class")
        if cls is not None and cls not in CLASSES:
            raise PolicyError(f"{where}: class {cls!r} is not one of {', '.join(CLASSES)}")
        match = entry.get("match")
        if match is not None and not isinstance(match, str):
            raise PolicyError(f"{where}: match must be a service name glob")
        if cls is None and match is None:
            raise PolicyError(f"{where}: give a class or a match")
        line = header_lines[i] if i < len(header_lines) else 1
        policy.resources.append(
            ResourceRule(
                cls,
                match,
                _bounds(entry.get("memory"), "memory", where),
                _bounds(entry.get("cpus"), "cpus", where),
                bool(entry.get("required", True)),
                lines.ref(line),
            )
        )
    profiles = table.get("profiles", {})
    if not isinstance(profiles, dict):
        raise PolicyError("policy.profiles must be a table of [policy.profiles.NAME]")
    for name, entry in profiles.items():
        where = f"policy.profiles.{name}"
        if not isinstance(entry, dict):
            raise PolicyError(f"{where} must be a table")
        unknown = set(entry) - {"hardening", "published-ports", "published_ports"}
        if unknown:
            raise PolicyError(
                f"{where}: unknown key {sorted(unknown)[0]!r} (known: hardening, published-ports)"
            )
        hardening = entry.get("hardening", [])
        if not isinstance(hardening, list) or any(h not in HARDENING for h in hardening):
            raise PolicyError(f"{where}.hardening: a list of {', '.join(HARDENING)}")
        ports = entry.get("published-ports", entry.get("published_ports"))
        if ports is not None and (
            not isinstance(ports, list)
            or any(not isinstance(p, int) or isinstance(p, bool) for p in ports)
        ):
            raise PolicyError(f"{where}.published-ports: a list of port numbers")
        found = lines.headers(_PREFIX + rf"profiles\.{re.escape(name)}\s*\]")
        line = found[0] if found else 1
        ports_key = "published-ports" if "published-ports" in entry else "published_ports"
        policy.profiles[name] = ProfileRule(
            name,
            tuple(hardening),
            tuple(ports) if ports is not None else None,
            lines.ref(line),
            lines.ref(lines.key_after(line, "hardening")),
            lines.ref(lines.key_after(line, ports_key)),
        )
    return policy
