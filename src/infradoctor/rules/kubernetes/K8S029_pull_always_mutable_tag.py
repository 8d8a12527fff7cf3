"""K8S029: imagePullPolicy Always on a tag that moves."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.images import moving_tag
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import obj_data
from infradoctor.rules.kubernetes._probe_examples import served

POLICY = "          imagePullPolicy: Always\n"
BAD = served("api", "ghcr.io/acme/api:main", POLICY)
GOOD = served("api", "ghcr.io/acme/api:2.14.1", POLICY)


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
