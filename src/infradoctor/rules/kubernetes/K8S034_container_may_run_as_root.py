"""K8S034: a container may run as root (no runAsNonRoot, no non-root runAsUser)."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.image_table import ROOT
from infradoctor.facts.images import image_drops_root, image_facts, unresolved_image
from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import Container, K8sObject
from infradoctor.model.source import Location
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hardening import containers, edit_location, label, setting
from infradoctor.rules.kubernetes._hardening_examples import workload
from infradoctor.rules.kubernetes._k8s import obj_data

BAD = workload("            allowPrivilegeEscalation: false\n")
GOOD = workload(
    "            runAsNonRoot: true\n            runAsUser: 10001\n"
    "            allowPrivilegeEscalation: false\n"
)


def _image_says(image: str | None) -> str:
    """What is known of the image's user: a fact with its source, or that it is unknown."""
    row = image_facts(image) if image else None
    if row is not None and row.user == ROOT:
        return f"image '{image}' runs as root ({row.source('user')})"
    return f"the user of image '{image}' is unknown here: it may run as root"


class ContainerMayRunAsRoot(Rule):
    code = "K8S034"
    name = "container-may-run-as-root"
    title = "Container may run as root (runAsNonRoot not set)"
    severity = Severity.INFO
    category = "security"
    default_enabled = False
    groups = ("hardening",)
    why = (
        "Without `runAsNonRoot: true` (or a non-zero `runAsUser`) in the container's or the "
        "pod's securityContext, the container runs as whatever USER its image sets, root "
        "when it sets none. Root in a container is root on the node's kernel, held back only "
        "by namespaces, capabilities and seccomp: one RCE plus one runtime or kernel escape "
        "(or a hostPath mount) owns the node. `runAsNonRoot: true` makes the kubelet refuse "
        "to start a root container instead of finding out later.\n\n"
        "An image may set a non-root USER: images the curated image table knows to run as "
        "a service user (or to drop root in their entrypoint) are not reported, and for "
        "other images the message says the user is unknown. `runAsUser: 0` is reported as "
        "running as root. Init containers are not checked (they often chown volumes)."
    )
    how_to_fix = (
        "Set a non-root user in the pod or container securityContext (and make the files "
        "the process writes owned by it, e.g. with `fsGroup`):\n\n"
        "```yaml\nsecurityContext:\n  runAsNonRoot: true\n  runAsUser: 10001\n```\n\n"
        "Check an image's user with `docker inspect -f '{{.Config.User}}' IMAGE`."
    )
    references = (
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    )
    examples = (
        Example(
            bad={"k8s/api.yaml": BAD},
            good={"k8s/api.yaml": GOOD},
            description="no runAsNonRoot and an image whose user is unknown",
        ),
    )

    def _problem(self, w: K8sObject, c: Container) -> tuple[str, Location | None] | None:
        """The message tail and where to point, or None when non-root is known."""
        user, user_loc = setting(w, c, "runAsUser")
        if isinstance(user, int) and not isinstance(user, bool):
            if user == 0:
                return "sets runAsUser: 0, so its process runs as root", user_loc
            return None
        non_root, non_root_loc = setting(w, c, "runAsNonRoot")
        if non_root is True:
            return None
        if not c.image or unresolved_image(c.image) or image_drops_root(c.image):
            return None
        where = non_root_loc if non_root is False else None
        text = "sets runAsNonRoot: false" if non_root is False else "sets no runAsNonRoot"
        return f"{text} and no runAsUser, and {_image_says(c.image)}", where

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w, c in containers(stack):
            found = self._problem(w, c)
            if found is None:
                continue
            text, where = found
            yield self.finding(
                where or edit_location(c),
                f"{label(w, c)} {text}",
                subject=f"{w.ref}:{c.name}",
                data=obj_data(w, container=c.name),
            )
