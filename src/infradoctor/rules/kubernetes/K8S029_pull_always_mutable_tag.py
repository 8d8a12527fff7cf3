"""K8S029: imagePullPolicy Always on a tag that moves."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.facts.images import parse_image
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import obj_data
from infradoctor.rules.kubernetes._probe_examples import served

FLOATING = frozenset(
    {"main", "master", "develop", "dev", "stable", "edge", "nightly", "canary", "beta"}
    | {"alpha", "next", "head", "trunk", "current", "lts", "release", "snapshot", "unstable"}
)
# `7`, `7.2`, `v3`, `21-jre`, `16-alpine`: a major or minor line that follows releases
MOVING_VERSION = re.compile(r"^v?\d+(\.\d+)?(-[a-z][a-z0-9.]*)?$")

POLICY = "          imagePullPolicy: Always\n"
BAD = served("api", "ghcr.io/acme/api:main", POLICY)
GOOD = served("api", "ghcr.io/acme/api:2.14.1", POLICY)


def moving_tag(image: str) -> str | None:
    """The tag when it is one that is re-pushed (a branch, a major line); latest and
    untagged images are K8S008's."""
    if "$" in image or "{" in image:
        return None
    ref = parse_image(image)
    if ref.digest is not None or ref.tag is None:
        return None
    if ref.tag in FLOATING or MOVING_VERSION.match(ref.tag):
        return ref.tag
    return None


class PullAlwaysMutableTag(Rule):
    code = "K8S029"
    name = "pull-always-mutable-tag"
    title = "imagePullPolicy Always with a tag that moves"
    severity = Severity.INFO
    category = "kubernetes"
    fixable = "display-only"  # imagePullPolicy IfNotPresent once the tag is pinned
    why = (
        "`imagePullPolicy: Always` with a branch tag (`:main`) or a version line (`:7`, "
        "`:21-jre`) makes every pod start pull whatever the tag points to at that moment: "
        "pods of one ReplicaSet run different builds, a rollback to the previous "
        "ReplicaSet does not bring the old code back, and a registry outage or rate limit "
        "blocks every restart and reschedule. Info: some teams use it on purpose for "
        "preview environments."
    )
    how_to_fix = (
        "Deploy immutable tags (a release version or the commit SHA, or a digest) and let "
        "the default `IfNotPresent` apply."
    )
    references = ("https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy",)
    examples = (
        Example(
            bad={"k8s/api.yaml": BAD},
            good={"k8s/api.yaml": GOOD},
            description="pulling the moving `main` tag on every start",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            if w.workload is None or w.partial:
                continue
            for c in w.workload.pod.init_containers + w.workload.pod.containers:
                if c.image_pull_policy != "Always" or not c.image or c.image_managed:
                    continue
                tag = moving_tag(c.image)
                if tag is None:
                    continue
                yield self.finding(
                    c.image_pull_policy_location or c.location,
                    f"{w.kind} '{w.name}' container '{c.name}' pulls '{c.image}' with "
                    f"imagePullPolicy Always, and '{tag}' is a tag that moves: pods run "
                    f"whatever build it pointed to when they started",
                    subject=f"{w.ref}:{c.name}",
                    data=obj_data(w, container=c.name, image=c.image),
                )
