"""K8S037: the container's root filesystem is writable."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hardening import containers, edit_location, label, setting
from infradoctor.rules.kubernetes._hardening_examples import workload
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import ContainerSubject

BAD = workload("            runAsNonRoot: true\n")
GOOD = workload("            runAsNonRoot: true\n            readOnlyRootFilesystem: true\n")


class WritableRootFilesystem(Rule):
    code = "K8S037"
    name = "pod-writable-root-filesystem"
    title = "Container root filesystem is writable (readOnlyRootFilesystem not true)"
    severity = Severity.INFO
    category = "security"
    default_enabled = False
    groups = ("hardening",)
    why = (
        "A writable root filesystem lets a compromised process replace the app's own code, "
        "drop tools and persist until the pod is replaced; it also hides state the app "
        "writes by accident (caches, uploads) in a layer that vanishes on restart. With "
        "`readOnlyRootFilesystem: true` only the volumes you mount are writable, so every "
        "write path is visible in the manifest. Many apps need a writable /tmp: mount an "
        "`emptyDir` there. Init containers are not checked."
    )
    how_to_fix = (
        "Make the root filesystem read-only and mount what the app writes:\n\n"
        "```yaml\ncontainers:\n  - name: api\n    securityContext:\n"
        "      readOnlyRootFilesystem: true\n    volumeMounts:\n      - name: tmp\n"
        "        mountPath: /tmp\nvolumes:\n  - name: tmp\n    emptyDir: {}\n```"
    )
    references = (
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
        "https://kubernetes.io/docs/concepts/storage/volumes/#emptydir",
    )
    examples = (
        Example(
            bad={"k8s/api.yaml": BAD},
            good={"k8s/api.yaml": GOOD},
            description="no readOnlyRootFilesystem",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w, c in containers(stack):
            value, where = setting(w, c, "readOnlyRootFilesystem")
            if value is True:
                continue
            said = " (readOnlyRootFilesystem: false)" if value is False else ""
            yield self.finding(
                where or edit_location(c),
                f"{label(w, c)} has a writable root filesystem{said}: a compromised process can "
                "rewrite the app (set readOnlyRootFilesystem: true, emptyDir for /tmp)",
                subject=f"{w.ref}:{c.name}",
                detail=ContainerSubject(*k8s_id(w), c.name),
            )
