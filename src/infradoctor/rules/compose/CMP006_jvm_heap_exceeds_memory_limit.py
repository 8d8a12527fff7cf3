"""CMP006: a JVM heap sized at or near the container's memory limit gets OOM-killed."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.images import stage_chain
from infradoctor.facts.jvm import HeapSetting, heap_settings, heap_verdict
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import as_text, human_size, memory_limit
from infradoctor.subjects import ServiceSubject


def service_heap_settings(svc: Service) -> list[HeapSetting]:
    """Every heap flag that reaches the service's JVM: compose command/entrypoint and
    environment (JAVA_OPTS, JAVA_TOOL_OPTIONS, ...), then the Dockerfile's ENV/CMD/ENTRYPOINT."""
    found: list[HeapSetting] = []
    for key, value in (("entrypoint", svc.entrypoint), ("command", svc.command)):
        found += heap_settings(as_text(value), key, svc.loc(key))
    for var in svc.environment.values():
        found += heap_settings(var.value or "", var.name, var.location)
    if svc.dockerfile is not None:
        for stage in stage_chain(svc.dockerfile):
            for ins in stage.instructions:
                if ins.keyword in ("ENV", "CMD", "ENTRYPOINT"):
                    if ins.keyword == "CMD" and svc.command is not None:
                        continue
                    if ins.keyword == "ENTRYPOINT" and svc.entrypoint is not None:
                        continue
                    found += heap_settings(ins.value, f"Dockerfile {ins.keyword}", ins.location)
    return found


@record(frozen=True)
class HeapOverLimit(ServiceSubject):
    """The service, its JVM heap and its memory limit, in bytes."""

    heap_bytes: int
    limit_bytes: int


class JvmHeapExceedsMemoryLimit(Rule):
    code = "CMP006"
    name = "jvm-heap-exceeds-memory-limit"
    title = "JVM heap is as large as (or close to) the container memory limit"
    severity = Severity.ERROR
    category = "availability"
    why = (
        "The heap is only part of a JVM's memory: metaspace, thread stacks (1 MB each), the "
        "JIT code cache, GC structures and direct/NIO buffers add typically 200-500 MB. With "
        "`-Xmx1g` in a container limited to 1g, the process crosses the cgroup limit as soon "
        "as the heap fills, and the kernel OOM-kills it (exit code 137, no Java stack trace, "
        "no OutOfMemoryError in the logs). Under load this looks like random restarts and "
        "502s from nginx. The same happens with `-XX:MaxRAMPercentage=100`.\n\n"
        "Error when the heap is >= the limit; warning when it is above 75% of the limit and "
        "leaves less than 512 MB for everything else."
    )
    how_to_fix = (
        "Let the JVM size the heap from the container limit and leave a quarter for "
        "non-heap memory:\n\n"
        "```yaml\nservices:\n  orders:\n    environment:\n"
        '      JAVA_TOOL_OPTIONS: "-XX:MaxRAMPercentage=75"\n    deploy:\n'
        "      resources:\n        limits:\n          memory: 1g\n```\n\n"
        "or keep `-Xmx` and raise the limit to at least heap + 512m."
    )
    references = (
        "https://docs.oracle.com/en/java/javase/21/docs/specs/man/java.html",
        "https://docs.docker.com/engine/containers/resource_constraints/",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  orders:\n"
                    "    image: ghcr.io/acme/orders-service:4.0.2\n"
                    "    environment:\n"
                    '      JAVA_OPTS: "-Xms512m -Xmx1g"\n'
                    "    mem_limit: 1g\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  orders:\n"
                    "    image: ghcr.io/acme/orders-service:4.0.2\n"
                    "    environment:\n"
                    '      JAVA_TOOL_OPTIONS: "-XX:MaxRAMPercentage=75"\n'
                    "    deploy:\n"
                    "      resources:\n"
                    "        limits:\n"
                    "          memory: 1g\n"
                    "  billing:\n"
                    "    image: ghcr.io/acme/billing:1.2.0\n"
                    '    command: ["java", "-Xmx768m", "-jar", "/app/billing.jar"]\n'
                    "    mem_limit: 1536m\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        overridden = self.effective_severity != self.severity
        for svc in stack.services:
            limit = memory_limit(svc)
            if limit is None:
                continue
            limit_bytes, limit_text, limit_loc = limit
            found = heap_verdict(service_heap_settings(svc), limit_bytes)
            if found is None:
                continue
            heap, setting = found.heap, found.setting
            severity = (
                self.effective_severity if found.fills_limit or overridden else Severity.WARNING
            )
            verdict = found.reason(human_size)
            yield self.finding(
                setting.location,
                f"service '{svc.name}': {setting.text} ({setting.where}) gives a heap of "
                f"{human_size(heap)} under a memory limit of {limit_text}: {verdict}, so the "
                "container gets OOM-killed (exit 137) under load",
                subject=svc.name,
                severity=severity,
                related=[limit_loc],
                detail=HeapOverLimit(svc.name, svc.project, heap, limit_bytes),
            )
