"""K8S001: a Service whose selector matches the pod labels of no workload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._guess import closest_nearby, selects_nothing
from infradoctor.rules.kubernetes._k8s import k8s_id, labels_text
from infradoctor.subjects import K8sSubject

BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web-frontend
  template:
    metadata:
      labels:
        app: web-frontend
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:2.3.1
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
"""

GOOD = BAD.replace("    app: web\n", "    app: web-frontend\n")


class ServiceSelectsNoPods(Rule):
    code = "K8S001"
    name = "service-selects-no-pods"
    title = "Service selector matches no workload's pod labels"
    severity = Severity.ERROR
    category = "kubernetes"
    why = (
        "A Service sends traffic to the pods whose labels contain every key=value of its "
        "`selector`. When no pod template carries those labels (a renamed app label, "
        "`app: web` vs `app: web-frontend`, a version label only on some pods) the Service "
        "has no endpoints: clients and the Ingress get connection refused / 503 while every "
        "Deployment looks healthy, and `kubectl get endpoints` shows `<none>`.\n\n"
        "Checked only against workloads in the same directory (applied together) and the "
        "same namespace; Services without a selector (manual Endpoints, ExternalName), "
        "Services selecting pods of a custom resource next to them (an operator's pods, "
        "e.g. `cluster-name: quickstart` for the Elasticsearch `quickstart`) and kustomize "
        "overlays with a step that was not applied (`infradoctor docs kustomize`) are skipped; other "
        "overlays are checked as rendered."
    )
    how_to_fix = (
        "Make the Service `selector` a subset of the pod template's `metadata.labels` "
        "(not the Deployment's own labels):\n\n"
        "```yaml\nkind: Service\nspec:\n  selector:\n    app: web-frontend\n```\n\n"
        "and check with `kubectl get endpoints <service>` after applying."
    )
    references = (
        "https://kubernetes.io/docs/concepts/services-networking/service/",
        "https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/",
    )
    examples = (
        Example(
            bad={"k8s/web.yaml": BAD},
            good={"k8s/web.yaml": GOOD},
            description="the selector names a label value the pods don't have",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        memo: dict[Any, Any] = {}
        for svc in stack.k8s:
            spec = svc.service
            if spec is None or spec.selector is None or not selects_nothing(stack, svc):
                continue
            hint = ""
            related = []
            best = closest_nearby(stack, svc, memo)
            if best is not None and best.workload is not None:
                hint = (
                    f"; {best.kind} '{best.name}' has pod labels "
                    f"{labels_text(best.workload.pod.labels)}"
                )
                related.append(best.workload.pod.labels_location or best.location)
            yield self.finding(
                spec.selector.location,
                f"Service '{svc.name}' selects {labels_text(spec.selector.match_labels)} but "
                f"no pod template in {svc.directory}/ has these labels: the Service has no "
                f"endpoints and its clients get connection refused/503{hint}",
                subject=svc.ref,
                related=related,
                detail=K8sSubject(*k8s_id(svc)),
            )
