"""K8S029: imagePullPolicy Always on a tag that moves."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.images import moving_tag
from infradoctor.findings import Applicability, Finding, Fix, Severity
from infradoctor.fixes import helm
from infradoctor.fixes import k8s_edit as ke
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.subjects import ImageSubject

POLICY = "          imagePullPolicy: Always\n"
BAD = served("api", "ghcr.io/acme/api:main", POLICY)
GOOD = served("api", "ghcr.io/acme/api:2.14.1", POLICY)


def fix_pull_policy(ctx: FixContext, finding: Finding) -> Fix | None:
    """K8S029: `imagePullPolicy: IfNotPresent`, with the tag pinned when a chart names an
    immutable appVersion. Always display-only: IfNotPresent with a moving tag only trades
    "each start pulls a new build" for "each node keeps the build it cached", and which
    immutable tag to deploy is the user's choice."""
    _, c = ke.finding_container(ctx, finding, ctx.subject(finding, ImageSubject).container)
    loc = c.image_pull_policy_location
    if loc is None or c.image is None:
        raise FixUnavailable("imagePullPolicy not written")
    edits = ke.set_value(ctx, loc, "IfNotPresent")
    version = helm.immutable_app_version(ctx, c.image_location)
    if version is not None and c.image_location is not None:
        edits += ke.set_value(ctx, c.image_location, version)
        title = f"Pin the image tag to the chart's appVersion {version} and pull IfNotPresent"
    else:
        title = (
            f"Pin '{c.image}' to an immutable tag (a release version or commit SHA), then "
            "pull IfNotPresent"
        )
    return make_fix(title, Applicability.DISPLAY_ONLY, edits)


class PullAlwaysMutableTag(Rule):
    code = "K8S029"
    name = "pull-always-mutable-tag"
    title = "imagePullPolicy Always with a tag that moves"
    severity = Severity.INFO
    category = "kubernetes"
    # imagePullPolicy IfNotPresent once the tag is pinned
    fixer = staticmethod(fix_pull_policy)
    fix_applicability = Applicability.DISPLAY_ONLY
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
                    detail=ImageSubject(*k8s_id(w), c.name, c.image),
                )
