"""K8S006: a JVM heap at/near the container memory limit, or a JVM with no limit."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.jvm import HeapSetting, heap_settings, heap_verdict
from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import Container, K8sObject
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import (
    has_limit_range,
    heap_texts,
    human_bytes,
    is_jvm,
    k8s_id,
    parse_memory,
)
from infradoctor.subjects import ContainerSubject

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: catalog
spec:
  selector:
    matchLabels:
      app: catalog
  template:
    metadata:
      labels:
        app: catalog
    spec:
      containers:
        - name: catalog
          image: ghcr.io/acme/catalog:2.0.4
          env:
            - name: JAVA_OPTS
              value: "{opts}"
{resources}"""

LIMIT_1G = """\
          resources:
            requests:
              memory: 1Gi
            limits:
              memory: 1Gi
"""
LIMIT_2G = LIMIT_1G.replace("1Gi", "2Gi")

BAD = DEPLOYMENT.format(opts="-Xms1g -Xmx1g", resources=LIMIT_1G)
GOOD = DEPLOYMENT.format(opts="-XX:MaxRAMPercentage=75", resources=LIMIT_1G)
BAD_NO_LIMIT = DEPLOYMENT.format(opts="-XX:MaxRAMPercentage=75", resources="")
GOOD_XMX = DEPLOYMENT.format(opts="-Xmx1g", resources=LIMIT_2G)


def container_heap(
    c: Container, stack: Stack | None = None, obj: K8sObject | None = None
) -> list[HeapSetting]:
    found: list[HeapSetting] = []
    for text, where, loc in heap_texts(c, stack, obj):
        if loc is not None:
            found += heap_settings(text, where, loc)
    return found


@record(frozen=True)
class HeapOverLimit(ContainerSubject):
    """The JVM heap and the memory limit it does not fit in, in bytes."""

    heap_bytes: int
    limit_bytes: int


class JvmHeapVsMemoryLimit(Rule):
    code = "K8S006"
    name = "jvm-heap-vs-memory-limit"
    title = "JVM heap at or near the container memory limit, or a JVM without a limit"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "The heap is only part of a JVM's memory: metaspace, thread stacks, the JIT code "
        "cache, GC structures and direct buffers add typically 200-500 MB. With `-Xmx1g` "
        "under `limits.memory: 1Gi` the container crosses its cgroup limit as the heap "
        "fills and is OOM-killed (`OOMKilled`, exit 137, no Java stack trace), so pods "
        "restart under load. `-XX:MaxRAMPercentage=100` does the same.\n\n"
        "Error when the heap is >= the limit; warning when it is above 75% of the limit and "
        "leaves less than 512 MiB; warning for a JVM container (JVM option variables, "
        "`java` command, JVM image) with no memory limit: the JVM then sizes its heap from "
        "the node's RAM, and a few such pods on one node overcommit it until the kernel "
        "kills something else. Flags are read from the container's command, args and "
        "environment, including values taken from a ConfigMap among the manifests "
        "(`configMapKeyRef`, `envFrom`)."
    )
    how_to_fix = (
        "Set a memory limit and let the JVM size the heap from it, leaving a quarter for "
        "non-heap memory:\n\n"
        '```yaml\nenv:\n  - name: JAVA_TOOL_OPTIONS\n    value: "-XX:MaxRAMPercentage=75"\n'
        "resources:\n  limits:\n    memory: 1Gi\n```\n\n"
        "or keep `-Xmx` and raise the limit to at least heap + 512Mi."
    )
    references = (
        "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
        "https://docs.oracle.com/en/java/javase/21/docs/specs/man/java.html",
    )
    examples = (
        Example(
            bad={"k8s/catalog.yaml": BAD},
            good={"k8s/catalog.yaml": GOOD},
            description="-Xmx equal to the memory limit",
        ),
        Example(
            bad={"k8s/catalog.yaml": BAD_NO_LIMIT},
            good={"k8s/catalog.yaml": GOOD_XMX},
            description="a JVM without a memory limit; -Xmx with 1Gi headroom",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        overridden = self.effective_severity != self.severity
        for w in stack.k8s:
            if w.workload is None or w.partial:
                continue
            for c in w.workload.pod.containers:
                limit_text = c.limits.get("memory")
                limit = parse_memory(limit_text)
                if limit is None or limit <= 0:
                    if limit_text is None and is_jvm(c, stack, w) and not has_limit_range(stack, w):
                        yield self.finding(
                            c.location,
                            f"{w.kind} '{w.name}' container '{c.name}' runs a JVM without a "
                            "memory limit: the JVM sizes its heap from the node's RAM and "
                            "pods overcommit the node until the kernel OOM-kills",
                            subject=f"{w.ref}:{c.name}",
                            severity=self.effective_severity if overridden else Severity.WARNING,
                            detail=ContainerSubject(*k8s_id(w), c.name),
                        )
                    continue
                found = heap_verdict(container_heap(c, stack, w), limit)
                if found is None:
                    continue
                heap, setting = found.heap, found.setting
                severity = (
                    self.effective_severity if found.fills_limit or overridden else Severity.WARNING
                )
                verdict = found.reason(human_bytes)
                yield self.finding(
                    setting.location,
                    f"{w.kind} '{w.name}' container '{c.name}': {setting.text} "
                    f"({setting.where}) gives a heap of {human_bytes(heap)} under a memory "
                    f"limit of {limit_text}: {verdict}, so the container gets OOMKilled "
                    "under load",
                    subject=f"{w.ref}:{c.name}",
                    severity=severity,
                    related=[c.resource_locations.get("limits.memory", c.location)],
                    detail=HeapOverLimit(*k8s_id(w), c.name, heap, limit),
                )
