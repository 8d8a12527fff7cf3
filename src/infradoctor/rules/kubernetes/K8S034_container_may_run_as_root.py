"""K8S034: a container may run as root (no runAsNonRoot, no non-root runAsUser)."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.image_table import ROOT
from infradoctor.facts.images import (
    effective_user,
    external_base,
    image_drops_root,
    image_facts,
    is_root_user,
    unresolved_image,
)
from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import Container, K8sObject
from infradoctor.model.source import Location
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hardening import (
    containers,
    dockerfile_for,
    edit_location,
    label,
    setting,
)
from infradoctor.rules.kubernetes._hardening_examples import workload
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import ContainerSubject

BAD = workload("            allowPrivilegeEscalation: false\n")
GOOD = workload(
    "            runAsNonRoot: true\n            runAsUser: 10001\n"
    "            allowPrivilegeEscalation: false\n"
)


def _image_says(stack: Stack, image: str) -> str | None:
    """What is known of the image's user: a fact with its source (the image table, or
    the Dockerfile in the tree it is built from), that it is unknown, or None when the
    image is known to run as a non-root user."""
    built = dockerfile_for(stack, image)
    if built is not None:
        path, df = built
        user = effective_user(df)
        if user is not None:
            if "$" in user.value or not is_root_user(user.value):
                return None
            return f"image '{image}' is built from {path}, whose final USER is root"
        base = external_base(df)
        if base is not None and base.lower() != "scratch" and image_drops_root(base):
            return None
        return f"image '{image}' is built from {path}, which sets no USER: it may run as root"
    row = image_facts(image)
    if row is not None and row.user == ROOT:
        return f"image '{image}' runs as root ({row.source('user')})"
    return f"the user of image '{_untagged(image)}' is unknown here: it may run as root"


def _untagged(image: str) -> str:
    """`registry/acme/api:1.2@sha256:..` -> `registry/acme/api`: overlays that only
    retag an image make one finding, not one per tag."""
    ref = image.split("@", 1)[0]
    return ref.rsplit(":", 1)[0] if ":" in ref.rsplit("/", 1)[-1] else ref


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
        "a service user (or to drop root in their entrypoint) are not reported, nor images "
        "built from a Dockerfile in the tree (in a directory named like the image) whose "
        "final USER is not root; for other images the message says the user is unknown. "
        "`runAsUser: 0` is reported as running as root. Init containers are not checked (they often chown volumes)."
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

    def _problem(
        self, stack: Stack, w: K8sObject, c: Container
    ) -> tuple[str, Location | None] | None:
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
        said = _image_says(stack, c.image)
        if said is None:
            return None
        where = non_root_loc if non_root is False else None
        text = "sets runAsNonRoot: false" if non_root is False else "sets no runAsNonRoot"
        return f"{text} and no runAsUser, and {said}", where

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w, c in containers(stack):
            found = self._problem(stack, w, c)
            if found is None:
                continue
            text, where = found
            yield self.finding(
                where or edit_location(c),
                f"{label(w, c)} {text}",
                subject=f"{w.ref}:{c.name}",
                detail=ContainerSubject(*k8s_id(w), c.name),
            )
