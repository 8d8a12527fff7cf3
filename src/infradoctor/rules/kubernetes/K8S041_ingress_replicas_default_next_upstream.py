"""K8S041: ingress-nginx in front of several pods retries only on errors and timeouts."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._hpa import dev_copy, min_replicas_by_workload
from infradoctor.rules.kubernetes._ingress_nginx import (
    annotation,
    global_default_changed,
    is_ingress_nginx,
    sets_in_snippet,
)
from infradoctor.rules.kubernetes._k8s import ingress_backend_workloads, k8s_id
from infradoctor.subjects import BackendSubject

REPLICATED = frozenset({"Deployment", "StatefulSet", "ReplicaSet"})

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 3
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:2.3.1
          ports:
            - containerPort: 8080
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector:
    app: api
  ports:
    - port: 80
      targetPort: 8080
"""

INGRESS = """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    kubernetes.io/ingress.class: nginx
spec:
  rules:
    - host: api.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: api
                port:
                  number: 80
"""

BAD = DEPLOYMENT + INGRESS
GOOD = DEPLOYMENT + INGRESS.replace(
    "    kubernetes.io/ingress.class: nginx\n",
    "    kubernetes.io/ingress.class: nginx\n"
    '    nginx.ingress.kubernetes.io/proxy-next-upstream: "error timeout http_502 http_503"\n',
)


@record(frozen=True)
class BackendWorkload(BackendSubject):
    """The replicated workload behind the Ingress's Service."""

    workload: str


class IngressReplicasDefaultNextUpstream(Rule):
    code = "K8S041"
    name = "ingress-replicas-default-next-upstream"
    title = "ingress-nginx retries a replicated backend only on errors and timeouts"
    severity = Severity.INFO
    category = "kubernetes"
    why = (
        "ingress-nginx balances over the pods behind the Service and writes "
        "`proxy_next_upstream` from the `proxy-next-upstream` annotation, `error timeout` "
        "by default: a pod that answers 502/503/504 itself (shutting down during a rollout, "
        "overloaded) sends that answer to the client although another ready pod is one "
        "retry away. The same check as XF012 for nginx configs; info, because readiness "
        "probes and graceful shutdown remove most such pods from the endpoints first.\n\n"
        "Reported once per Ingress of ingress-nginx whose backend runs more than one pod "
        "(replicas or an HPA minimum), when neither the annotation nor a snippet sets the "
        "policy and no ConfigMap of the stack changes the controller default."
    )
    how_to_fix = (
        "Choose what to retry on the Ingress (POST and other non-idempotent requests are "
        "still not retried unless `non_idempotent` is added):\n\n"
        "```yaml\nmetadata:\n  annotations:\n"
        '    nginx.ingress.kubernetes.io/proxy-next-upstream: "error timeout http_502 '
        'http_503 http_504"\n'
        '    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "2"\n```'
    )
    references = (
        "https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#custom-timeouts",
        "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_next_upstream",
    )
    examples = (
        Example(
            bad={"k8s/api.yaml": BAD},
            good={"k8s/api.yaml": GOOD},
            description="three api pods behind ingress-nginx with the default retry policy",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        if global_default_changed(stack, "proxy-next-upstream"):
            return
        hpa_min: dict[int, int] | None = None
        for ing in stack.k8s:
            if not is_ingress_nginx(ing) or ing.partial or dev_copy(ing):
                continue
            if annotation(ing, "proxy-next-upstream") is not None or sets_in_snippet(
                ing, "proxy_next_upstream"
            ):
                continue
            for svc, w in ingress_backend_workloads(stack, ing):
                spec = w.workload
                if spec is None or w.kind not in REPLICATED or w.partial:
                    continue
                if hpa_min is None:
                    hpa_min = min_replicas_by_workload(stack)
                replicas = hpa_min.get(id(w), spec.replicas if spec.replicas_location else 1)
                if replicas is None or replicas < 2:
                    continue
                yield self.finding(
                    ing.name_location or ing.location,
                    f"Ingress '{ing.name}' balances over {replicas} pods of {w.kind} "
                    f"'{w.name}' (Service '{svc.name}') with ingress-nginx's default "
                    "proxy-next-upstream `error timeout`: a pod answering 502/503/504 "
                    "while it restarts is not retried on another",
                    subject=f"{ing.ref}:{w.ref}",
                    related=[spec.replicas_location or w.location],
                    detail=BackendWorkload(*k8s_id(ing), svc.name, w.name),
                )
                break  # one per Ingress: the annotation covers all its paths
