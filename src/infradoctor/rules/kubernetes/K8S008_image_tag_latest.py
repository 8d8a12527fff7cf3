"""K8S008: a container image with the `latest` tag or no tag."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.images import parse_image
from infradoctor.findings import Applicability, Edit, Finding, Fix, Severity
from infradoctor.fixes import helm as hv
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.k8s import Container, K8sObject
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import ImageSubject

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: cache
spec:
  containers:
    - name: redis
      image: {image}
"""


# ---------------------------------------------------------------- fix

DISPLAY = Applicability.DISPLAY_ONLY


def fix_values_image_tag(ctx: FixContext, finding: Finding) -> Fix | None:
    """K8S008 in a chart: pin values.yaml's image tag to the chart's appVersion
    (display-only: the version to run is the user's choice)."""
    path, node = hv._values_scalar(ctx, finding)
    chart_dir = path.rsplit("/", 1)[0] if "/" in path else ""
    version = hv._app_version(ctx, chart_dir)
    if not version or version == "latest" or node.value == version:
        raise FixUnavailable("no appVersion to pin to")
    text = ctx.text(path)
    replacement = ye.quote_scalar(version)
    return make_fix(
        f"pin the image tag to the chart's appVersion {version}",
        DISPLAY,
        [Edit(path, node.start_mark.index, ye.content_end(text, node), replacement)],
    )


class ImageTagLatest(Rule):
    code = "K8S008"
    name = "k8s-image-tag-latest"
    title = "Container image uses the latest tag or no tag"
    severity = Severity.WARNING
    category = "kubernetes"
    fixer = staticmethod(fix_values_image_tag)
    fix_applicability = Applicability.DISPLAY_ONLY
    why = (
        "`image: redis` means `redis:latest`, and for `latest` Kubernetes defaults "
        "`imagePullPolicy` to `Always`. Every pod start, reschedule or new node pulls "
        "whatever the tag points to now: replicas of one Deployment run different versions, "
        "a node drain can roll out an untested major upgrade, `kubectl rollout undo` "
        "restores the same moving tag, and a registry outage stops pods from starting.\n\n"
        "kustomize overlays are checked as rendered: a tag set by an overlay's `images:` is "
        "reported at its `newTag:` line. Images built by skaffold, or retagged by a "
        "kustomization that does not render them, are skipped. In a Helm chart the finding "
        "is at the values.yaml line that sets the tag (one finding for all the workloads "
        "that line sets)."
    )
    how_to_fix = (
        "Pin a version tag, ideally with its digest, and change it deliberately:\n\n"
        "```yaml\nimage: redis:7.4.1-alpine\n```"
    )
    references = ("https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy",)
    examples = (
        Example(
            bad={"k8s/cache.yaml": POD.format(image="redis")},
            good={"k8s/cache.yaml": POD.format(image="redis:7.4.1-alpine")},
            description="no tag means latest",
        ),
        Example(
            bad={"k8s/cache.yaml": POD.format(image="redis:latest")},
            good={"k8s/cache.yaml": POD.format(image="redis@sha256:" + "a" * 64)},
            description="a digest pins the image",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        # One values.yaml line can set the tag of many workloads (a Helm chart): one
        # finding there, naming them all, not one identical line per workload.
        at: dict[tuple[str, int, int], list[tuple[K8sObject, Container]]] = {}
        for w in stack.k8s:
            if w.workload is None or w.partial:
                continue
            for c in w.workload.pod.init_containers + w.workload.pod.containers:
                if not c.image or c.image_managed or "$" in c.image or "{" in c.image:
                    continue
                ref = parse_image(c.image)
                if not ref.unpinned or not ref.path:
                    continue
                loc = c.image_location or c.location
                at.setdefault((loc.file, loc.line, loc.column), []).append((w, c))
        for hits in at.values():
            w, c = hits[0]
            ref = parse_image(c.image or "")
            what = "the latest tag" if ref.tag == "latest" else "no tag (= latest)"
            more = f" (and {len(hits) - 1} more workloads set here)" if len(hits) > 1 else ""
            yield self.finding(
                c.image_location or c.location,
                f"{w.kind} '{w.name}' container '{c.name}' runs image '{c.image}' with "
                f"{what}: pods started at different times may run different versions{more}",
                subject=f"{w.ref}:{c.name}",
                detail=ImageSubject(*k8s_id(w), c.name, c.image),
            )
