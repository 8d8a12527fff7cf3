"""POL001: a service's memory/CPU limit is missing or outside the runbook's budget."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import is_fragment, service_subject
from infradoctor.rules.policy._policy import citation, cite, limits, matches, policy_of

POLICY = (
    "[tool.infradoctor]\n\n"
    "[[tool.infradoctor.policy.resources]]\n"
    'class = "jvm"\nmemory = "512m..768m"\ncpus = "0.75..1"\n\n'
    "[[tool.infradoctor.policy.resources]]\n"
    'class = "observability"\ncpus = "..0.5"\nrequired = false\n'
)


class ResourceBudget(Rule):
    code = "POL001"
    name = "resource-budget"
    title = "Memory/CPU limit missing or outside the runbook's budget"
    severity = Severity.WARNING
    category = "availability"
    why = (
        "Runbooks state resource budgets learned from incidents: JVM services get 512-768 MB "
        "and 0.75-1 vCPU because below that they are OOM-killed at peak and above it one "
        "leaking service starves its neighbours; the observability stack gets at most 0.5 "
        "vCPU so a scrape storm cannot take the application down. Written in a runbook, the "
        "numbers drift from the compose file at the first edit.\n\n"
        "Configured in `[[tool.infradoctor.policy.resources]]` entries (a `class`: jvm, "
        "observability, database, any; and/or a `match` glob on the service name; `memory` "
        "and `cpus` as `low..high`, either side optional; `required` (default true) asks for "
        "the limit to be set). Limits are read from `deploy.resources.limits`, `mem_limit` "
        "and `cpus`. Off unless configured; each finding cites the policy line."
    )
    how_to_fix = (
        "Set the limit within the budget:\n\n"
        "```yaml\nservices:\n  auth:\n    deploy:\n      resources:\n        limits:\n"
        '          memory: 768m\n          cpus: "1"\n```\n\n'
        "or change the runbook (the policy entry) when the budget is what is wrong."
    )
    options = {"policy": None}
    examples = (
        Example(
            bad={
                "pyproject.toml": POLICY,
                "compose.yaml": (
                    "services:\n  auth:\n    image: eclipse-temurin:21-jre\n"
                    "    command: java -jar /app/auth.jar\n    mem_limit: 2g\n"
                    "  prometheus:\n    image: prom/prometheus:v2.54.1\n    cpus: 2\n"
                ),
            },
            good={
                "pyproject.toml": POLICY,
                "compose.yaml": (
                    "services:\n  auth:\n    image: eclipse-temurin:21-jre\n"
                    "    command: java -jar /app/auth.jar\n    deploy:\n      resources:\n"
                    "        limits: {memory: 768m, cpus: '1'}\n"
                    "  prometheus:\n    image: prom/prometheus:v2.54.1\n    cpus: 0.5\n"
                    "  redis:\n    image: redis:7.4\n"
                ),
            },
            description="The JVM service may take 2 GB (budget 768 MB); Prometheus 2 vCPUs.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        policy = policy_of(self.opts, stack)
        if policy is None or not policy.resources:
            return
        from infradoctor.policy import parse_cpus

        for svc in stack.services:
            if is_fragment(svc):
                continue
            have = limits(svc)
            for entry in policy.resources:
                if not matches(svc, entry.service_class, entry.match):
                    continue
                problems: list[str] = []
                for kind, bounds, key in (
                    ("memory", entry.memory, "memory_limit"),
                    ("cpus", entry.cpus, "cpu_limit"),
                ):
                    if bounds is None:
                        continue
                    text = have.get(key)
                    if text is None:
                        if entry.required:
                            problems.append(f"no {kind} limit (budget {bounds.text})")
                        continue
                    value: float | None
                    if kind == "memory":  # the limit compose applies, read at load
                        limit = svc.memory_limit
                        text, value = (limit.text, limit.bytes) if limit else (text, None)
                    else:
                        value = parse_cpus(text)
                    if value is None:
                        continue
                    side = bounds.violated(float(value))
                    if side:
                        problems.append(f"{kind} limit {text} is {side} the budget {bounds.text}")
                if not problems:
                    continue
                key_loc = svc.key_locations.get("deploy") or svc.key_locations.get("mem_limit")
                yield self.finding(
                    key_loc or svc.location,
                    f"service '{svc.name}' ({entry.label}): {'; '.join(problems)} "
                    f"(runbook policy {cite(stack, entry.ref)})",
                    subject=svc.name,
                    related=[citation(stack, entry.ref)],
                    detail=service_subject(svc),
                )
                break  # the first matching entry decides, as a runbook's table would
