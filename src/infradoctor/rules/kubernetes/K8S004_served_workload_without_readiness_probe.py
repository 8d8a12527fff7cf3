"""K8S004: pods that receive Service traffic have no readiness probe."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Applicability, Finding, Fix, Severity
from infradoctor.fixes import helm
from infradoctor.fixes import k8s_edit as ke
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.k8s import Container, K8sObject
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._guess import guessed_note, guessed_target
from infradoctor.rules.kubernetes._k8s import k8s_id, served_workloads
from infradoctor.subjects import BackendSubject

BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  replicas: 3
  selector:
    matchLabels:
      app: orders
  template:
    metadata:
      labels:
        app: orders
    spec:
      containers:
        - name: orders
          image: ghcr.io/acme/orders:3.2.0
          ports:
            - name: http
              containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: orders
spec:
  selector:
    app: orders
  ports:
    - port: 80
      targetPort: http
"""

GOOD = BAD.replace(
    """              containerPort: 8080
""",
    """              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /ready
              port: http
            periodSeconds: 5
""",
)


def _serving_container(w: K8sObject, svc: K8sObject) -> Container | None:
    containers = w.containers
    if not containers:
        return None
    assert svc.service is not None
    for port in svc.service.ports:
        target = port.effective_target
        for c in containers:
            if (isinstance(target, str) and c.port_named(target)) or (
                isinstance(target, int) and c.exposes(target)
            ):
                return c
    return containers[0]


# ---------------------------------------------------------------- fix


def fix_readiness_probe(ctx: FixContext, finding: Finding) -> Fix | None:
    """K8S004: add a readinessProbe to the serving container, where the user edits it."""
    subject = ctx.subject(finding, ServedContainer)
    w, c = ke.finding_container(ctx, finding, subject.container)
    plan = ke.readiness_plan(ctx, w, c, subject.service)
    kind = str(ctx.stack.files[w.file].kind) if w.file in ctx.stack.files else ""
    if kind == "helm":
        return helm.values_readiness_fix(ctx, w, plan.probe, plan.applicability, plan.title)
    if kind == "terraform":
        return ke.terraform_readiness(ctx, c, plan)
    path = c.location.file
    src = ctx.stack.files.get(path)
    if src is None or str(src.kind) != "k8s":
        raise FixUnavailable("the container is not in a manifest")
    shared = ke.container_shared(ctx, w, c)
    if shared:
        try:
            return ke.overlay_patches(ctx, c, subject.service)
        except (FixUnavailable, ye.YamlEditError):
            pass  # shown in the base instead
    yf = ctx.yaml(path)
    node = ke.mapping_at(ctx, path, src.offset_of(c.location.line, c.location.column))
    edits = ke.insert_probe(yf, node, plan.probe)
    title = f"Add {plan.title}"
    applicability = plan.applicability
    if shared:
        title += " (this base is shared by other overlays: patch the overlay instead)"
        applicability = Applicability.DISPLAY_ONLY
    return make_fix(title, applicability, ctx.yaml_edits(yf, edits))


def tell_readiness_probe(ctx: FixContext, finding: Finding) -> Applicability | None:
    """K8S004: what `fix_readiness_probe` gives a manifest's own container, without
    building it (a Helm or Terraform source, or a shared base: cannot tell)."""
    subject = ctx.subject(finding, ServedContainer)
    w, c = ke.finding_container(ctx, finding, subject.container)
    plan = ke.readiness_plan(ctx, w, c, subject.service)
    src = ctx.stack.files.get(c.location.file)
    if src is None or str(src.kind) != "k8s" or w.file not in ctx.stack.files:
        return None
    if str(ctx.stack.files[w.file].kind) != "k8s" or ke.container_shared(ctx, w, c):
        return None
    return plan.applicability


@record(frozen=True)
class ServedContainer(BackendSubject):
    """The serving container without a readiness probe (what the fixer edits)."""

    container: str


class ServedWorkloadWithoutReadinessProbe(Rule):
    code = "K8S004"
    name = "served-workload-without-readiness-probe"
    title = "Pods behind a Service have no readiness probe"
    severity = Severity.WARNING
    category = "kubernetes"
    # readinessProbe from a known health path (see docs/fix.md): safe, unsafe or display-only
    fixer = staticmethod(fix_readiness_probe)
    fix_applicability_of = staticmethod(tell_readiness_probe)
    why = (
        "Without a `readinessProbe` a pod counts as ready as soon as its containers have "
        "started, so the Service adds it to the endpoints before the application listens, "
        "has warmed up or reached its database. Every rollout, restart and scale-up then "
        "sends a burst of requests to pods that refuse or time out (502/503 at the Ingress), "
        "and a pod that loses its database keeps receiving traffic it can only fail. A "
        "liveness probe does not help: it restarts, it does not take the pod out of "
        "rotation.\n\nReported for long-running workloads selected by a Service with ports "
        "(not Jobs, not Services with `publishNotReadyAddresses`) when no container of the "
        "pod has a readiness probe. When a Service selects no pods (K8S001), the workload "
        "it most likely meant is checked too, and the message says it is guessed."
    )
    how_to_fix = (
        "Add a readiness probe on the serving container that succeeds only when the app can "
        "answer requests:\n\n"
        "```yaml\nreadinessProbe:\n  httpGet:\n    path: /ready\n    port: http\n"
        "  periodSeconds: 5\n  failureThreshold: 3\n```"
    )
    references = (
        "https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/",
        "https://kubernetes.io/docs/tasks/configure-pod-container/"
        "configure-liveness-readiness-startup-probes/",
    )
    examples = (
        Example(
            bad={"k8s/orders.yaml": BAD},
            good={"k8s/orders.yaml": GOOD},
            description="three replicas behind a Service, no readiness probe",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        seen: set[int] = set()
        for w, svc in served_workloads(stack):
            seen.add(id(w))
            found = self._finding(w, svc, "")
            if found is not None:
                yield found
        for svc in stack.k8s:  # one selector typo must not hide the next problem
            spec = svc.service
            if spec is None or not spec.ports or spec.publish_not_ready:
                continue
            guess = guessed_target(stack, svc)
            if guess is None or id(guess) in seen:
                continue
            seen.add(id(guess))
            found = self._finding(guess, svc, guessed_note(svc, guess))
            if found is not None:
                yield found

    def _finding(self, w: K8sObject, svc: K8sObject, note: str) -> Finding | None:
        if w.partial or not w.containers:
            return None
        if any("readiness" in c.probes for c in w.containers):
            return None
        c = _serving_container(w, svc)
        if c is None:
            return None
        verb = "would receive" if note else "receives"
        return self.finding(
            c.location,
            f"{w.kind} '{w.name}' {verb} traffic from Service '{svc.name}' but no "
            f"container has a readinessProbe: pods get requests before they are ready "
            f"(errors on every rollout, restart and scale-up){note}",
            subject=w.ref,
            related=[svc.location],
            detail=ServedContainer(*k8s_id(w), svc.name, c.name),
        )
