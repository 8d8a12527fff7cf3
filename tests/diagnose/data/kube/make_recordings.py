"""Write the Kubernetes scenario recordings under tests/diagnose/data/kube/<scenario>/.

Each scenario is a plain directory in the `diagnose --from` contract (b): the output of
`kubectl get <resource> -A -o json` per resource (a v1 List) and container logs under
logs/<namespace>/<pod>/<container>[.previous].log, plus expected.json (what the diagnosis
must say). The objects are written field by field after the Kubernetes API reference
(v1.30: Pod, ContainerStatus, Deployment, ReplicaSet, Service, EndpointSlice
discovery.k8s.io/v1, core/v1 Event, Node, networking.k8s.io/v1 Ingress) and the shape
kubectl prints; the ingress-nginx controller logs follow the controller's documented
`upstreaminfo` log format, nginx's error-log format and the controller's klog lines. Event
reasons and messages are the kubelet's / scheduler's / controllers' own wording.

Every scenario starts from one healthy shop (namespace `shop`: web, api, worker, postgres
behind ingress-nginx on a k3s node) and changes what the failure changes.

Run: python tests/diagnose/data/kube/make_recordings.py   (rewrites the directories)"""

from __future__ import annotations

import copy
import json
import shutil
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
T0 = 1796592000.0  # 2026-12-06T21:20:00Z, start of the story; the recording is at T0 + 20 min
NOW = T0 + 1200


def ts(offset: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + offset))


def local(offset: float) -> str:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(T0 + offset))


def nginx_ts(offset: float) -> str:
    return time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(T0 + offset))


def klog_ts(offset: float) -> str:
    return time.strftime("%m%d %H:%M:%S", time.gmtime(T0 + offset)) + ".412331"


def uid(n: int) -> str:
    return f"6f1c{n:04x}-2b7e-4c1d-9a3e-{n:012x}"


def meta(kind_ns: str | None, name: str, n: int, **extra: Any) -> dict[str, Any]:
    m: dict[str, Any] = {
        "name": name,
        "uid": uid(n),
        "resourceVersion": str(10000 + n),
        "creationTimestamp": ts(-86400 * 3),
    }
    if kind_ns is not None:
        m["namespace"] = kind_ns
    m.update(extra)
    return m


def container(
    name: str,
    image: str,
    port: int | None,
    env: list[dict[str, Any]] | None = None,
    readiness: dict[str, Any] | None = None,
    limits: dict[str, str] | None = None,
    requests: dict[str, str] | None = None,
    args: list[str] | None = None,
) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if port:
        c["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    if env:
        c["env"] = env
    if readiness:
        c["readinessProbe"] = {
            **readiness,
            "initialDelaySeconds": 5,
            "timeoutSeconds": 1,
            "periodSeconds": 10,
            "successThreshold": 1,
            "failureThreshold": 3,
        }
    if limits:
        c["resources"]["limits"] = limits
    if requests:
        c["resources"]["requests"] = requests
    if args:
        c["args"] = args
    return c


def running(
    name: str,
    image: str,
    restarts: int = 0,
    ready: bool = True,
    started: float = -7200,
    last: dict[str, Any] | None = None,
) -> dict[str, Any]:
    s: dict[str, Any] = {
        "name": name,
        "state": {"running": {"startedAt": ts(started)}},
        "lastState": {"terminated": last} if last else {},
        "ready": ready,
        "restartCount": restarts,
        "image": image,
        "imageID": f"{image.split(':')[0]}@sha256:{'ab' * 32}",
        "containerID": f"containerd://{'c0' * 32}",
        "started": True,
    }
    return s


def waiting(
    name: str,
    image: str,
    reason: str,
    message: str,
    restarts: int = 0,
    last: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "state": {"waiting": {"reason": reason, "message": message}},
        "lastState": {"terminated": last} if last else {},
        "ready": False,
        "restartCount": restarts,
        "image": image,
        "imageID": "",
        "started": False,
    }


def terminated(reason: str, code: int, started: float, finished: float) -> dict[str, Any]:
    return {
        "exitCode": code,
        "reason": reason,
        "startedAt": ts(started),
        "finishedAt": ts(finished),
        "containerID": f"containerd://{'d1' * 32}",
    }


def conditions(
    ready: bool, scheduled: bool = True, reason: str | None = None, message: str | None = None
) -> list[dict[str, Any]]:
    out = [
        {
            "type": "PodReadyToStartContainers",
            "status": "True" if scheduled else "False",
            "lastProbeTime": None,
            "lastTransitionTime": ts(-7200),
        },
        {
            "type": "Initialized",
            "status": "True",
            "lastProbeTime": None,
            "lastTransitionTime": ts(-7200),
        },
        {
            "type": "Ready",
            "status": "True" if ready else "False",
            "lastProbeTime": None,
            "lastTransitionTime": ts(-7200 if ready else 300),
        },
        {
            "type": "ContainersReady",
            "status": "True" if ready else "False",
            "lastProbeTime": None,
            "lastTransitionTime": ts(-7200 if ready else 300),
        },
        {
            "type": "PodScheduled",
            "status": "True" if scheduled else "False",
            "lastProbeTime": None,
            "lastTransitionTime": ts(-7200 if scheduled else 60),
        },
    ]
    if not ready:
        for c in out[2:4]:
            c["reason"] = "ContainersNotReady"
            c["message"] = "containers with unready status: [app]"
    if not scheduled:
        out = [c for c in out if c["type"] == "PodScheduled"]
        out[0]["reason"] = reason
        out[0]["message"] = message
    return out


def pod(
    ns: str,
    name: str,
    n: int,
    labels: dict[str, str],
    owner: tuple[str, str] | None,
    spec_containers: list[dict[str, Any]],
    statuses: list[dict[str, Any]],
    ip: str | None,
    node: str | None = "k3s-server-1",
    phase: str = "Running",
    conds: list[dict[str, Any]] | None = None,
    extra_status: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ready = all(s.get("ready") for s in statuses) and phase == "Running"
    m = meta(ns, name, n, labels=labels, generateName=name.rsplit("-", 1)[0] + "-")
    if owner:
        m["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": owner[0],
                "name": owner[1],
                "uid": uid(n + 500),
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    spec: dict[str, Any] = {
        "containers": spec_containers,
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "schedulerName": "default-scheduler",
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
    }
    if node:
        spec["nodeName"] = node
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": conds if conds is not None else conditions(ready),
        "hostIP": "192.168.10.21" if node else None,
        "startTime": ts(-7200),
        "qosClass": "Burstable",
    }
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    if statuses:
        status["containerStatuses"] = statuses
    if extra_status:
        status.update(extra_status)
    if not node:
        status.pop("hostIP")
    return {"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec, "status": status}


def deployment(
    ns: str,
    name: str,
    n: int,
    replicas: int,
    selector: dict[str, str],
    template: list[dict[str, Any]],
    revision: int,
    ready: int | None = None,
    updated: int | None = None,
    conds: list[dict[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    ready = replicas if ready is None else ready
    updated = replicas if updated is None else updated
    ann = {"deployment.kubernetes.io/revision": str(revision)}
    ann.update(annotations or {})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(
            ns, name, n, labels=labels or dict(selector), annotations=ann, generation=revision
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": selector}, "spec": {"containers": template}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {
            "observedGeneration": revision,
            "replicas": max(replicas, updated),
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": ready,
            **({"unavailableReplicas": replicas - ready} if ready < replicas else {}),
            "conditions": conds
            or [
                {
                    "type": "Available",
                    "status": "True" if ready else "False",
                    "lastUpdateTime": ts(-7000),
                    "lastTransitionTime": ts(-7000),
                    "reason": "MinimumReplicasAvailable" if ready else "MinimumReplicasUnavailable",
                    "message": "Deployment has minimum availability."
                    if ready
                    else "Deployment does not have minimum availability.",
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "lastUpdateTime": ts(-7000),
                    "lastTransitionTime": ts(-86000),
                    "reason": "NewReplicaSetAvailable",
                    "message": f'ReplicaSet "{name}-7c9f6b8d4" has successfully progressed.',
                },
            ],
        },
    }


def replicaset(
    ns: str,
    name: str,
    n: int,
    deploy: str,
    revision: int,
    replicas: int,
    ready: int,
    selector: dict[str, str],
    created: float = -86000,
) -> dict[str, Any]:
    h = name.rsplit("-", 1)[1]
    m = meta(
        ns,
        name,
        n,
        labels={**selector, "pod-template-hash": h},
        annotations={
            "deployment.kubernetes.io/revision": str(revision),
            "deployment.kubernetes.io/desired-replicas": str(replicas),
        },
    )
    m["creationTimestamp"] = ts(created)
    m["ownerReferences"] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": deploy,
            "uid": uid(n + 900),
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": m,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {**selector, "pod-template-hash": h}},
        },
        "status": {
            "replicas": replicas,
            "fullyLabeledReplicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": 1,
        },
    }


def service(
    ns: str, name: str, n: int, selector: dict[str, str], port: int, target: int | str, ip: str
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(ns, name, n, labels={"app": name}),
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": "http", "protocol": "TCP", "port": port, "targetPort": target}],
            "clusterIP": ip,
            "clusterIPs": [ip],
            "sessionAffinity": "None",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster",
        },
        "status": {"loadBalancer": {}},
    }


def endpointslice(
    ns: str, svc: str, n: int, port: int, endpoints: list[tuple[str, bool, str]]
) -> dict[str, Any]:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": meta(
            ns,
            f"{svc}-{'x7q2z'[:5]}",
            n,
            labels={
                "kubernetes.io/service-name": svc,
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            },
            generateName=f"{svc}-",
        ),
        "addressType": "IPv4",
        "endpoints": [
            {
                "addresses": [ip],
                "conditions": {"ready": ready, "serving": ready, "terminating": False},
                "nodeName": "k3s-server-1",
                "targetRef": {"kind": "Pod", "namespace": ns, "name": podname, "uid": uid(n + 77)},
            }
            for ip, ready, podname in endpoints
        ]
        or None,
        "ports": [{"name": "http", "protocol": "TCP", "port": port}],
    }


_EV = [0]


def event(
    ns: str,
    kind: str,
    name: str,
    type_: str,
    reason: str,
    message: str,
    count: int,
    first: float,
    last: float,
    component: str = "kubelet",
    obj_ns: str | None = "same",
) -> dict[str, Any]:
    _EV[0] += 1
    inv: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "apiVersion": "v1" if kind in ("Pod", "Node", "Service") else "apps/v1",
        "uid": uid(3000 + _EV[0]),
    }
    if obj_ns == "same":
        inv["namespace"] = ns
    if kind == "Pod" and reason in ("BackOff", "Unhealthy", "Failed", "Pulling", "Killing"):
        inv["fieldPath"] = "spec.containers{app}"
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{name}.{0x17E2A0000000 + _EV[0]:x}",
            "namespace": ns,
            "uid": uid(4000 + _EV[0]),
            "resourceVersion": str(20000 + _EV[0]),
            "creationTimestamp": ts(first),
        },
        "involvedObject": inv,
        "reason": reason,
        "message": message,
        "source": {
            "component": component,
            **({"host": "k3s-server-1"} if component == "kubelet" else {}),
        },
        "firstTimestamp": ts(first),
        "lastTimestamp": ts(last),
        "count": count,
        "type": type_,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": "k3s-server-1" if component == "kubelet" else "",
    }


def node(
    name: str,
    pressure: dict[str, tuple[str, str]] | None = None,
    taints: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    pressure = pressure or {}

    def cond(t: str, ok_reason: str, ok_msg: str) -> dict[str, Any]:
        bad = pressure.get(t)
        return {
            "type": t,
            "status": "True" if bad else "False",
            "lastHeartbeatTime": ts(1190),
            "lastTransitionTime": ts(600 if bad else -86400),
            "reason": bad[0] if bad else ok_reason,
            "message": bad[1] if bad else ok_msg,
        }

    n = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(
            None,
            name,
            90,
            labels={
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": "k3s",
            },
        ),
        "spec": {"podCIDR": "10.42.0.0/24", "providerID": f"k3s://{name}"},
        "status": {
            "capacity": {
                "cpu": "4",
                "memory": "8131552Ki",
                "pods": "110",
                "ephemeral-storage": "40901312Ki",
            },
            "allocatable": {
                "cpu": "4",
                "memory": "8131552Ki",
                "pods": "110",
                "ephemeral-storage": "39788576401",
            },
            "conditions": [
                cond(
                    "MemoryPressure",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                cond("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond(
                    "PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"
                ),
                {
                    "type": "Ready",
                    "status": "True",
                    "lastHeartbeatTime": ts(1190),
                    "lastTransitionTime": ts(-86400),
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                },
            ],
            "addresses": [
                {"type": "InternalIP", "address": "192.168.10.21"},
                {"type": "Hostname", "address": name},
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.30.6+k3s1",
                "containerRuntimeVersion": "containerd://1.7.22-k3s1",
                "osImage": "Ubuntu 24.04.1 LTS",
                "kernelVersion": "6.8.0-49-generic",
                "architecture": "amd64",
                "operatingSystem": "linux",
            },
        },
    }
    if taints:
        n["spec"]["taints"] = taints
    return n


def ingress(ns: str, name: str, host: str, paths: list[tuple[str, str, int]]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta(ns, name, 70),
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": p,
                                "pathType": "Prefix",
                                "backend": {"service": {"name": svc, "port": {"number": port}}},
                            }
                            for p, svc, port in paths
                        ]
                    },
                }
            ],
        },
        "status": {"loadBalancer": {"ingress": [{"ip": "192.168.10.21"}]}},
    }


def as_list(kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


# ------------------------------------------------------------------ access / error lines


def access(
    offset: float,
    path: str,
    status: int,
    upstream: str,
    addr: str,
    ustatus: str,
    rtime: str = "0.012",
    ua: str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
    n: int = 0,
) -> str:
    size = 612 if status < 400 else 150
    ulen = str(size) if addr != "-" else "-"
    utime = rtime if addr != "-" else "-"
    return (
        f'10.42.0.1 - - [{local(offset)}] "GET {path} HTTP/1.1" {status} {size} "-" "{ua}" 412 {rtime} '
        f"[{upstream}] [] {addr} {ulen} {utime} {ustatus} {'%032x' % (0x5D1B9C7E + int(offset * 10) + n)}"
    )


def error_line(offset: float, conn: int, message: str, path: str, upstream_url: str) -> str:
    return (
        f"{nginx_ts(offset)} [error] 31#31: *{conn} {message}, client: 10.42.0.1, server: shop.example.com, "
        f'request: "GET {path} HTTP/1.1", upstream: "{upstream_url}{path}", host: "shop.example.com"'
    )


def klog(offset: float, level: str, where: str, msg: str) -> str:
    return f"{level}{klog_ts(offset)}       7 {where}] {msg}"


CONTROLLER_HEAD = [
    "-------------------------------------------------------------------------------",
    "NGINX Ingress controller",
    "  Release:       v1.11.3",
    "  Build:         0106de65cfccb74405a6dfa7d9daffc6f0a6ef1a",
    "  Repository:    https://github.com/kubernetes/ingress-nginx",
    "  nginx version: nginx/1.25.5",
    "",
    "-------------------------------------------------------------------------------",
    "",
    klog(-86000, "I", "main.go:205", 'Creating API client for "https://10.43.0.1:443"'),
    klog(-86000, "I", "controller.go:213", '"Backend successfully reloaded"'),
]


def healthy_traffic(start: float, end: float, step: float = 30) -> list[str]:
    out = []
    t = start
    i = 0
    while t < end:
        out.append(access(t, "/", 200, "shop-web-80", "10.42.0.12:3000", "200", n=i))
        out.append(
            access(t + 1, "/api/items", 200, "shop-api-80", "10.42.0.17:8080", "200", "0.034", n=i)
        )
        t += step
        i += 1
    return out


# ------------------------------------------------------------------ the healthy shop


API_IMAGE = "registry.example.com/shop/api:1.4.2"
WEB_IMAGE = "registry.example.com/shop/web:2.0.1"
WORKER_IMAGE = "registry.example.com/shop/worker:1.4.2"
PG_IMAGE = "postgres:16.4"
CTRL_IMAGE = "registry.k8s.io/ingress-nginx/controller:v1.11.3@sha256:d56f135b6462cfc476447cfe564b83a45e8bb7da2774963b00d12161112270b7"


def api_container(**kw: Any) -> dict[str, Any]:
    env = [
        {"name": "NODE_ENV", "value": "production"},
        {"name": "PGHOST", "value": "postgres.shop.svc.cluster.local"},
        {
            "name": "PGPASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "api-db-credentials", "key": "password"}},
        },
        {"name": "SESSION_SECRET", "value": "s3cr3t-session-key-do-not-leak"},
    ]
    return container(
        "app",
        kw.pop("image", API_IMAGE),
        kw.pop("port", 8080),
        env=kw.pop("env", env),
        readiness=kw.pop(
            "readiness", {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"}}
        ),
        limits={"memory": "512Mi"},
        requests={"cpu": "100m", "memory": "256Mi"},
        **kw,
    )


def base() -> dict[str, Any]:
    """The healthy cluster: returns {resource: [items]} and {log path: text}."""
    shop = "shop"
    web_sel = {"app": "web"}
    api_sel = {"app": "api"}
    worker_sel = {"app": "worker"}
    pg_sel = {"app": "postgres"}
    helm = {
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": "shop-0.9.3",
        "app.kubernetes.io/instance": "shop",
    }
    helm_ann = {"meta.helm.sh/release-name": "shop", "meta.helm.sh/release-namespace": "shop"}
    web_c = container(
        "web",
        WEB_IMAGE,
        3000,
        readiness={"httpGet": {"path": "/", "port": 3000, "scheme": "HTTP"}},
        limits={"memory": "256Mi"},
    )
    worker_c = container(
        "worker",
        WORKER_IMAGE,
        None,
        env=[{"name": "API_URL", "value": "http://10.43.12.30/api"}],
        args=["--queue", "jobs", "--api-token", "tok-9f8e7d6c5b4a3921"],
    )
    pg_c = container(
        "postgres",
        PG_IMAGE,
        5432,
        env=[
            {
                "name": "POSTGRES_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": "api-db-credentials", "key": "password"}},
            }
        ],
        readiness={"exec": {"command": ["pg_isready", "-U", "postgres"]}},
    )
    ctrl_c = container(
        "controller",
        CTRL_IMAGE,
        80,
        args=[
            "/nginx-ingress-controller",
            "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller",
            "--election-id=ingress-nginx-leader",
            "--controller-class=k8s.io/ingress-nginx",
            "--ingress-class=nginx",
            "--configmap=$(POD_NAMESPACE)/ingress-nginx-controller",
        ],
        readiness={"httpGet": {"path": "/healthz", "port": 10254, "scheme": "HTTP"}},
    )
    pods = [
        pod(
            shop,
            "web-5b7d9c6f8-2xkqp",
            1,
            {**web_sel, "pod-template-hash": "5b7d9c6f8"},
            ("ReplicaSet", "web-5b7d9c6f8"),
            [web_c],
            [running("web", WEB_IMAGE)],
            "10.42.0.12",
        ),
        pod(
            shop,
            "api-7c9f6b8d4-8m2xv",
            2,
            {**api_sel, "pod-template-hash": "7c9f6b8d4"},
            ("ReplicaSet", "api-7c9f6b8d4"),
            [api_container()],
            [running("app", API_IMAGE)],
            "10.42.0.17",
        ),
        pod(
            shop,
            "api-7c9f6b8d4-q4wz9",
            3,
            {**api_sel, "pod-template-hash": "7c9f6b8d4"},
            ("ReplicaSet", "api-7c9f6b8d4"),
            [api_container()],
            [running("app", API_IMAGE)],
            "10.42.0.18",
        ),
        pod(
            shop,
            "worker-64d8f7b9c5-lp7rt",
            4,
            {**worker_sel, "pod-template-hash": "64d8f7b9c5"},
            ("ReplicaSet", "worker-64d8f7b9c5"),
            [worker_c],
            [running("worker", WORKER_IMAGE)],
            "10.42.0.19",
        ),
        pod(
            shop,
            "postgres-0",
            5,
            {**pg_sel, "statefulset.kubernetes.io/pod-name": "postgres-0"},
            ("StatefulSet", "postgres"),
            [pg_c],
            [running("postgres", PG_IMAGE)],
            "10.42.0.21",
        ),
        pod(
            "ingress-nginx",
            "ingress-nginx-controller-6f8c5d9b7-kz5hw",
            6,
            {
                "app.kubernetes.io/name": "ingress-nginx",
                "app.kubernetes.io/instance": "ingress-nginx",
                "app.kubernetes.io/component": "controller",
                "pod-template-hash": "6f8c5d9b7",
            },
            ("ReplicaSet", "ingress-nginx-controller-6f8c5d9b7"),
            [ctrl_c],
            [running("controller", CTRL_IMAGE, started=-86000)],
            "10.42.0.9",
        ),
        pod(
            "kube-system",
            "coredns-56f6fc8fd7-p4x9z",
            7,
            {"k8s-app": "kube-dns", "pod-template-hash": "56f6fc8fd7"},
            ("ReplicaSet", "coredns-56f6fc8fd7"),
            [container("coredns", "rancher/mirrored-coredns-coredns:1.11.3", 53)],
            [running("coredns", "rancher/mirrored-coredns-coredns:1.11.3", started=-86000)],
            "10.42.0.6",
        ),
    ]
    deployments = [
        deployment(
            shop,
            "web",
            11,
            1,
            web_sel,
            [web_c],
            3,
            labels={**web_sel, **helm},
            annotations=helm_ann,
        ),
        deployment(
            shop,
            "api",
            12,
            2,
            api_sel,
            [api_container()],
            3,
            labels={**api_sel, **helm},
            annotations=helm_ann,
        ),
        deployment(
            shop,
            "worker",
            13,
            1,
            worker_sel,
            [worker_c],
            3,
            labels={**worker_sel, **helm},
            annotations=helm_ann,
        ),
        deployment(
            "ingress-nginx",
            "ingress-nginx-controller",
            14,
            1,
            {
                "app.kubernetes.io/name": "ingress-nginx",
                "app.kubernetes.io/component": "controller",
            },
            [ctrl_c],
            1,
        ),
        deployment("kube-system", "coredns", 15, 1, {"k8s-app": "kube-dns"}, [], 1),
    ]
    replicasets = [
        replicaset(shop, "web-5b7d9c6f8", 21, "web", 3, 1, 1, web_sel),
        replicaset(shop, "api-7c9f6b8d4", 22, "api", 3, 2, 2, api_sel),
        replicaset(shop, "worker-64d8f7b9c5", 23, "worker", 3, 1, 1, worker_sel),
        replicaset(
            "ingress-nginx",
            "ingress-nginx-controller-6f8c5d9b7",
            24,
            "ingress-nginx-controller",
            1,
            1,
            1,
            {"app.kubernetes.io/name": "ingress-nginx"},
        ),
        replicaset(
            "kube-system", "coredns-56f6fc8fd7", 25, "coredns", 1, 1, 1, {"k8s-app": "kube-dns"}
        ),
    ]
    statefulset = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta(shop, "postgres", 16, labels=pg_sel),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": pg_sel},
            "serviceName": "postgres",
            "template": {"metadata": {"labels": pg_sel}, "spec": {"containers": [pg_c]}},
        },
        "status": {
            "replicas": 1,
            "readyReplicas": 1,
            "currentReplicas": 1,
            "updatedReplicas": 1,
            "availableReplicas": 1,
            "observedGeneration": 1,
        },
    }
    services = [
        service("default", "kubernetes", 30, {}, 443, 6443, "10.43.0.1"),
        service(shop, "web", 31, web_sel, 80, 3000, "10.43.20.11"),
        service(shop, "api", 32, api_sel, 80, 8080, "10.43.12.30"),
        service(shop, "postgres", 33, pg_sel, 5432, 5432, "10.43.12.8"),
        service(
            "ingress-nginx",
            "ingress-nginx-controller",
            34,
            {
                "app.kubernetes.io/name": "ingress-nginx",
                "app.kubernetes.io/component": "controller",
            },
            80,
            "http",
            "10.43.0.200",
        ),
        service("kube-system", "kube-dns", 35, {"k8s-app": "kube-dns"}, 53, 53, "10.43.0.10"),
    ]
    services[0]["spec"].pop("selector")
    slices = [
        endpointslice(shop, "web", 41, 3000, [("10.42.0.12", True, "web-5b7d9c6f8-2xkqp")]),
        endpointslice(
            shop,
            "api",
            42,
            8080,
            [
                ("10.42.0.17", True, "api-7c9f6b8d4-8m2xv"),
                ("10.42.0.18", True, "api-7c9f6b8d4-q4wz9"),
            ],
        ),
        endpointslice(shop, "postgres", 43, 5432, [("10.42.0.21", True, "postgres-0")]),
        endpointslice(
            "ingress-nginx",
            "ingress-nginx-controller",
            44,
            80,
            [("10.42.0.9", True, "ingress-nginx-controller-6f8c5d9b7-kz5hw")],
        ),
        endpointslice(
            "kube-system", "kube-dns", 45, 53, [("10.42.0.6", True, "coredns-56f6fc8fd7-p4x9z")]
        ),
    ]
    events = [
        event(
            shop,
            "Pod",
            "web-5b7d9c6f8-2xkqp",
            "Normal",
            "Pulled",
            f'Container image "{WEB_IMAGE}" already present on machine',
            1,
            -7200,
            -7200,
        ),
        event(
            shop,
            "Pod",
            "web-5b7d9c6f8-2xkqp",
            "Normal",
            "Started",
            "Started container web",
            1,
            -7199,
            -7199,
        ),
    ]
    probe = access(
        1150, "/", 200, "shop-web-80", "10.42.0.12:3000", "200", ua="infradoctor-probe/0.1"
    )
    ctrl_log = CONTROLLER_HEAD + healthy_traffic(0, 1180) + [probe]
    resources = {
        "pods": pods,
        "services": services,
        "endpointslices": slices,
        "events": events,
        "nodes": [node("k3s-server-1")],
        "deployments": deployments,
        "replicasets": replicasets,
        "statefulsets": [statefulset],
        "ingresses": [
            ingress(shop, "shop", "shop.example.com", [("/", "web", 80), ("/api", "api", 80)])
        ],
        "horizontalpodautoscalers": [],
        "daemonsets": [],
        "persistentvolumeclaims": [
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": meta(shop, "data-postgres-0", 80),
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "10Gi"}},
                    "storageClassName": "local-path",
                    "volumeName": "pvc-6f1c",
                    "volumeMode": "Filesystem",
                },
                "status": {
                    "phase": "Bound",
                    "accessModes": ["ReadWriteOnce"],
                    "capacity": {"storage": "10Gi"},
                },
            }
        ],
    }
    logs = {
        "logs/ingress-nginx/ingress-nginx-controller-6f8c5d9b7-kz5hw/controller.log": ctrl_log,
        "logs/shop/api-7c9f6b8d4-8m2xv/app.log": [
            '{"level":30,"time":1796585000000,"msg":"listening on 0.0.0.0:8080"}',
            '{"level":30,"time":1796592100000,"msg":"GET /api/items 200 31ms"}',
        ],
    }
    return {"resources": resources, "logs": logs}


def find(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(i for i in items if i["metadata"]["name"] == name)


def replace_pods(state: dict[str, Any], prefix: str, new: list[dict[str, Any]]) -> None:
    pods = state["resources"]["pods"]
    state["resources"]["pods"] = [
        p for p in pods if not p["metadata"]["name"].startswith(prefix)
    ] + new
    for k in [k for k in state["logs"] if f"/{prefix}" in k]:
        del state["logs"][k]


def set_slice(
    state: dict[str, Any], svc: str, endpoints: list[tuple[str, bool, str]], port: int = 8080
) -> None:
    slices = state["resources"]["endpointslices"]
    idx = next(
        i
        for i, s in enumerate(slices)
        if s["metadata"]["labels"]["kubernetes.io/service-name"] == svc
    )
    slices[idx] = endpointslice("shop", svc, 42, port, endpoints)


def add_controller_lines(state: dict[str, Any], lines: list[str]) -> None:
    key = "logs/ingress-nginx/ingress-nginx-controller-6f8c5d9b7-kz5hw/controller.log"
    state["logs"][key] = (
        CONTROLLER_HEAD
        + healthy_traffic(0, 600)
        + lines
        + [
            access(
                1150, "/", 200, "shop-web-80", "10.42.0.12:3000", "200", ua="infradoctor-probe/0.1"
            )
        ]
    )


def no_endpoint_503s(start: float, end: float, svc: str = "api", step: float = 20) -> list[str]:
    out = []
    t = start
    i = 0
    while t < end:
        out.append(
            klog(
                t,
                "W",
                "controller.go:1216",
                f'Service "shop/{svc}" does not have any active Endpoint.',
            )
        )
        out.append(access(t + 0.5, "/api/items", 503, f"shop-{svc}-80", "-", "-", "0.000", n=i))
        t += step
        i += 1
    return out


# ------------------------------------------------------------------ scenarios


def crashloop() -> dict[str, Any]:
    """api cannot reach its database at a hard-coded IP (10.43.12.7: no Service has it; the
    postgres Service is 10.43.12.8) and crash-loops; the ingress answers 503 / 502; the
    worker, which calls the api Service, crash-loops as a consequence."""
    s = base()
    last = terminated("Error", 1, 1080, 1082)
    env = [
        {"name": "NODE_ENV", "value": "production"},
        {"name": "DATABASE_URL", "value": "postgres://shop:hunter2-db-pass@10.43.12.7:5432/shop"},
    ]
    pods = []
    for i, (name, ip) in enumerate(
        (("api-7c9f6b8d4-8m2xv", "10.42.0.17"), ("api-7c9f6b8d4-q4wz9", "10.42.0.18"))
    ):
        pods.append(
            pod(
                "shop",
                name,
                2 + i,
                {"app": "api", "pod-template-hash": "7c9f6b8d4"},
                ("ReplicaSet", "api-7c9f6b8d4"),
                [api_container(env=env)],
                [
                    waiting(
                        "app",
                        API_IMAGE,
                        "CrashLoopBackOff",
                        f"back-off 5m0s restarting failed container=app pod={name}_shop({uid(2 + i)})",
                        14 - i,
                        last,
                    )
                ],
                ip,
            )
        )
    replace_pods(s, "api-", pods)
    worker_last = terminated("Error", 1, 1100, 1131)
    replace_pods(
        s,
        "worker-",
        [
            pod(
                "shop",
                "worker-64d8f7b9c5-lp7rt",
                4,
                {"app": "worker", "pod-template-hash": "64d8f7b9c5"},
                ("ReplicaSet", "worker-64d8f7b9c5"),
                [
                    container(
                        "worker",
                        WORKER_IMAGE,
                        None,
                        env=[{"name": "API_URL", "value": "http://10.43.12.30/api"}],
                        args=["--queue", "jobs", "--api-token", "tok-9f8e7d6c5b4a3921"],
                    )
                ],
                [
                    waiting(
                        "worker",
                        WORKER_IMAGE,
                        "CrashLoopBackOff",
                        "back-off 2m40s restarting failed container=worker",
                        6,
                        worker_last,
                    )
                ],
                "10.42.0.19",
            )
        ],
    )
    set_slice(
        s,
        "api",
        [
            ("10.42.0.17", False, "api-7c9f6b8d4-8m2xv"),
            ("10.42.0.18", False, "api-7c9f6b8d4-q4wz9"),
        ],
    )
    find(s["resources"]["deployments"], "api")["status"].update(
        {"readyReplicas": 0, "availableReplicas": 0, "unavailableReplicas": 2}
    )
    find(s["resources"]["replicasets"], "api-7c9f6b8d4")["status"].update(
        {"readyReplicas": 0, "availableReplicas": 0}
    )
    node_stack = [
        "> shop-api@1.4.2 start",
        "> node dist/server.js",
        "",
        '{"level":30,"time":1796593080512,"msg":"starting shop-api 1.4.2"}',
        '{"level":30,"time":1796593080733,"msg":"connecting to database 10.43.12.7:5432"}',
        "node:internal/process/promises:391",
        "    triggerUncaughtException(err, true /* fromPromise */);",
        "    ^",
        "",
        "Error: connect ECONNREFUSED 10.43.12.7:5432",
        "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16) {",
        "  errno: -111,",
        "  code: 'ECONNREFUSED',",
        "  syscall: 'connect',",
        "  address: '10.43.12.7',",
        "  port: 5432",
        "}",
        "",
        "Node.js v20.18.0",
    ]
    s["logs"]["logs/shop/api-7c9f6b8d4-8m2xv/app.previous.log"] = node_stack
    s["logs"]["logs/shop/api-7c9f6b8d4-q4wz9/app.previous.log"] = node_stack
    s["logs"]["logs/shop/worker-64d8f7b9c5-lp7rt/worker.previous.log"] = [
        "2026-12-06T21:38:20.118Z INFO  worker starting, polling http://10.43.12.30/api/jobs",
        "2026-12-06T21:38:50.402Z ERROR request failed: dial tcp 10.43.12.30:80: connect: connection refused",
        "2026-12-06T21:38:51.002Z FATAL giving up after 5 attempts",
    ]
    s["resources"]["events"] += [
        event(
            "shop",
            "Pod",
            "api-7c9f6b8d4-8m2xv",
            "Warning",
            "BackOff",
            "Back-off restarting failed container app in pod api-7c9f6b8d4-8m2xv_shop("
            + uid(2)
            + ")",
            58,
            120,
            1185,
        ),
        event(
            "shop",
            "Pod",
            "api-7c9f6b8d4-q4wz9",
            "Warning",
            "BackOff",
            "Back-off restarting failed container app in pod api-7c9f6b8d4-q4wz9_shop("
            + uid(3)
            + ")",
            55,
            125,
            1182,
        ),
        event(
            "shop",
            "Pod",
            "api-7c9f6b8d4-8m2xv",
            "Warning",
            "Unhealthy",
            'Readiness probe failed: Get "http://10.42.0.17:8080/ready": dial tcp 10.42.0.17:8080: connect: connection refused',
            30,
            100,
            1080,
        ),
        event(
            "shop",
            "Pod",
            "worker-64d8f7b9c5-lp7rt",
            "Warning",
            "BackOff",
            "Back-off restarting failed container worker in pod worker-64d8f7b9c5-lp7rt_shop("
            + uid(4)
            + ")",
            21,
            400,
            1190,
        ),
    ]
    lines: list[str] = []
    for i, t in enumerate(range(610, 700, 15)):
        lines.append(
            error_line(
                t,
                4100 + i,
                "connect() failed (111: Connection refused) while connecting to upstream",
                "/api/items",
                "http://10.42.0.17:8080",
            )
        )
        lines.append(
            access(t, "/api/items", 502, "shop-api-80", "10.42.0.17:8080", "502", "0.001", n=i)
        )
    lines += no_endpoint_503s(700, 1180)
    add_controller_lines(s, lines)
    s["expected"] = {
        "cause": "container-crashloop",
        "workload": "shop/api",
        "kind": "Deployment",
        "severity": "error",
        "absorbed": ["no-ready-endpoints", "upstream-refused"],
        "second": {"cause": "container-crashloop", "workload": "shop/worker"},
        "evidence": [
            "Error: connect ECONNREFUSED 10.43.12.7:5432",
            "10.43.12.7:5432 is no Service",
        ],
    }
    return s


def oom_killed() -> dict[str, Any]:
    """billing (a JVM with -Xmx1g in a 1Gi container) is OOM-killed again and again."""
    s = base()
    billing_c = container(
        "billing",
        "registry.example.com/shop/billing:3.2.0",
        8080,
        env=[
            {"name": "JAVA_OPTS", "value": "-Xms512m -Xmx1g -XX:+UseG1GC"},
            {"name": "SPRING_DATASOURCE_PASSWORD", "value": "billing-db-pass-9"},
        ],
        readiness={
            "httpGet": {"path": "/actuator/health/readiness", "port": 8080, "scheme": "HTTP"}
        },
        limits={"memory": "1Gi", "cpu": "1"},
        requests={"memory": "1Gi", "cpu": "500m"},
    )
    last = terminated("OOMKilled", 137, 900, 1130)
    p = pod(
        "shop",
        "billing-6c4f9d7b8-r7t2m",
        8,
        {"app": "billing", "pod-template-hash": "6c4f9d7b8"},
        ("ReplicaSet", "billing-6c4f9d7b8"),
        [billing_c],
        [
            running(
                "billing",
                "registry.example.com/shop/billing:3.2.0",
                restarts=7,
                ready=False,
                started=1160,
                last=last,
            )
        ],
        "10.42.0.23",
    )
    s["resources"]["pods"].append(p)
    s["resources"]["deployments"].append(
        deployment("shop", "billing", 17, 1, {"app": "billing"}, [billing_c], 2, ready=0)
    )
    s["resources"]["replicasets"].append(
        replicaset("shop", "billing-6c4f9d7b8", 27, "billing", 2, 1, 0, {"app": "billing"})
    )
    s["resources"]["services"].append(
        service("shop", "billing", 36, {"app": "billing"}, 80, 8080, "10.43.14.2")
    )
    s["resources"]["endpointslices"].append(
        endpointslice(
            "shop", "billing", 46, 8080, [("10.42.0.23", False, "billing-6c4f9d7b8-r7t2m")]
        )
    )
    s["resources"]["ingresses"][0]["spec"]["rules"][0]["http"]["paths"].append(
        {
            "path": "/billing",
            "pathType": "Prefix",
            "backend": {"service": {"name": "billing", "port": {"number": 80}}},
        }
    )
    s["logs"]["logs/shop/billing-6c4f9d7b8-r7t2m/billing.previous.log"] = [
        "2026-12-06T21:35:02.101Z  INFO 1 --- [           main] c.e.shop.billing.BillingApplication      : Started BillingApplication in 14.2 seconds",
        "2026-12-06T21:38:41.877Z  INFO 1 --- [nio-8080-exec-7] c.e.shop.billing.InvoiceExport           : exporting 48210 invoices",
        "2026-12-06T21:38:49.020Z  WARN 1 --- [nio-8080-exec-7] o.h.engine.jdbc.spi.SqlExceptionHelper   : SQL Warning Code: 0, SQLState: 00000",
    ]
    s["resources"]["events"] += [
        event(
            "shop",
            "Pod",
            "billing-6c4f9d7b8-r7t2m",
            "Warning",
            "BackOff",
            "Back-off restarting failed container billing in pod billing-6c4f9d7b8-r7t2m_shop("
            + uid(8)
            + ")",
            9,
            300,
            1150,
        ),
    ]
    lines = []
    for i, t in enumerate(range(1125, 1135, 2)):
        lines.append(
            error_line(
                t,
                5200 + i,
                "upstream prematurely closed connection while reading response header from upstream",
                "/billing/export",
                "http://10.42.0.23:8080",
            )
        )
        lines.append(
            access(
                t, "/billing/export", 502, "shop-billing-80", "10.42.0.23:8080", "502", "3.201", n=i
            )
        )
    for i, t in enumerate(range(1136, 1160, 4)):
        lines.append(
            error_line(
                t,
                5300 + i,
                "connect() failed (111: Connection refused) while connecting to upstream",
                "/billing/invoices",
                "http://10.42.0.23:8080",
            )
        )
        lines.append(
            access(
                t,
                "/billing/invoices",
                502,
                "shop-billing-80",
                "10.42.0.23:8080",
                "502",
                "0.001",
                n=i,
            )
        )
    add_controller_lines(s, lines)
    s["expected"] = {
        "cause": "oom-killed",
        "workload": "shop/billing",
        "kind": "Deployment",
        "severity": "error",
        "evidence": ["-Xmx1g", "OOMKilled"],
    }
    return s


def image_pull_failed() -> dict[str, Any]:
    """A Helm upgrade set api's tag to 1.4.3, which was never pushed; the old ReplicaSet
    keeps serving while the new pod waits in ImagePullBackOff."""
    s = base()
    bad = "registry.example.com/shop/api:1.4.3"
    new = pod(
        "shop",
        "api-5f7d8b9c4-x7k2p",
        9,
        {"app": "api", "pod-template-hash": "5f7d8b9c4"},
        ("ReplicaSet", "api-5f7d8b9c4"),
        [api_container(image=bad)],
        [waiting("app", bad, "ImagePullBackOff", f'Back-off pulling image "{bad}"')],
        "10.42.0.30",
    )
    s["resources"]["pods"].append(new)
    d = find(s["resources"]["deployments"], "api")
    d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "4"
    d["spec"]["template"]["spec"]["containers"] = [api_container(image=bad)]
    d["status"].update({"updatedReplicas": 1, "replicas": 3, "unavailableReplicas": 1})
    d["status"]["conditions"][1].update(
        {
            "reason": "ReplicaSetUpdated",
            "message": 'ReplicaSet "api-5f7d8b9c4" is progressing.',
            "lastUpdateTime": ts(900),
        }
    )
    s["resources"]["replicasets"].append(
        replicaset("shop", "api-5f7d8b9c4", 28, "api", 4, 1, 0, {"app": "api"}, created=900)
    )
    s["resources"]["events"] += [
        event(
            "shop",
            "Pod",
            "api-5f7d8b9c4-x7k2p",
            "Normal",
            "Pulling",
            f'Pulling image "{bad}"',
            5,
            905,
            1110,
        ),
        event(
            "shop",
            "Pod",
            "api-5f7d8b9c4-x7k2p",
            "Warning",
            "Failed",
            f'Failed to pull image "{bad}": rpc error: code = NotFound desc = failed to pull and unpack image "{bad}": failed to resolve reference "{bad}": {bad}: not found',
            5,
            906,
            1111,
        ),
        event(
            "shop",
            "Pod",
            "api-5f7d8b9c4-x7k2p",
            "Warning",
            "Failed",
            "Error: ErrImagePull",
            5,
            906,
            1111,
        ),
        event(
            "shop",
            "Pod",
            "api-5f7d8b9c4-x7k2p",
            "Warning",
            "Failed",
            "Error: ImagePullBackOff",
            18,
            907,
            1188,
        ),
        event(
            "shop",
            "Pod",
            "api-5f7d8b9c4-x7k2p",
            "Normal",
            "BackOff",
            f'Back-off pulling image "{bad}"',
            18,
            907,
            1188,
        ),
        event(
            "shop",
            "Deployment",
            "api",
            "Normal",
            "ScalingReplicaSet",
            "Scaled up replica set api-5f7d8b9c4 to 1",
            1,
            900,
            900,
            component="deployment-controller",
        ),
    ]
    s["expected"] = {
        "cause": "image-pull-failed",
        "workload": "shop/api",
        "kind": "Deployment",
        "severity": "error",
        "plan": ["helm rollback shop"],
        "evidence": ["not found"],
    }
    return s


def config_error() -> dict[str, Any]:
    """A new Deployment `payments` refers to Secret payments-credentials, which was never
    created in the namespace."""
    s = base()
    c = container(
        "payments",
        "registry.example.com/shop/payments:1.0.0",
        9000,
        env=[
            {
                "name": "STRIPE_API_KEY",
                "valueFrom": {
                    "secretKeyRef": {"name": "payments-credentials", "key": "stripe-api-key"}
                },
            },
            {"name": "LOG_LEVEL", "value": "info"},
        ],
        readiness={"httpGet": {"path": "/healthz", "port": 9000, "scheme": "HTTP"}},
    )
    msg = 'secret "payments-credentials" not found'
    for i, name in enumerate(("payments-8d6c7f5b9-h2k8w", "payments-8d6c7f5b9-n5v3c")):
        s["resources"]["pods"].append(
            pod(
                "shop",
                name,
                50 + i,
                {"app": "payments", "pod-template-hash": "8d6c7f5b9"},
                ("ReplicaSet", "payments-8d6c7f5b9"),
                [c],
                [
                    waiting(
                        "payments",
                        "registry.example.com/shop/payments:1.0.0",
                        "CreateContainerConfigError",
                        msg,
                    )
                ],
                f"10.42.0.{40 + i}",
            )
        )
        s["resources"]["events"].append(
            event("shop", "Pod", name, "Warning", "Failed", f"Error: {msg}", 42, 300, 1185)
        )
    s["resources"]["deployments"].append(
        deployment("shop", "payments", 18, 2, {"app": "payments"}, [c], 1, ready=0)
    )
    s["resources"]["replicasets"].append(
        replicaset(
            "shop", "payments-8d6c7f5b9", 29, "payments", 1, 2, 0, {"app": "payments"}, created=290
        )
    )
    s["resources"]["services"].append(
        service("shop", "payments", 37, {"app": "payments"}, 80, 9000, "10.43.15.9")
    )
    s["resources"]["endpointslices"].append(
        endpointslice(
            "shop",
            "payments",
            47,
            9000,
            [
                ("10.42.0.40", False, "payments-8d6c7f5b9-h2k8w"),
                ("10.42.0.41", False, "payments-8d6c7f5b9-n5v3c"),
            ],
        )
    )
    s["resources"]["ingresses"][0]["spec"]["rules"][0]["http"]["paths"].append(
        {
            "path": "/pay",
            "pathType": "Prefix",
            "backend": {"service": {"name": "payments", "port": {"number": 80}}},
        }
    )
    add_controller_lines(s, no_endpoint_503s(700, 1180, "payments"))
    s["expected"] = {
        "cause": "config-error",
        "workload": "shop/payments",
        "kind": "Deployment",
        "severity": "error",
        "evidence": ['secret "payments-credentials" not found'],
        "absorbed": ["no-ready-endpoints"],
    }
    return s


def readiness_failing() -> dict[str, Any]:
    """api runs but its readiness endpoint answers 503 (Redis unreachable): no ready
    endpoints, the ingress answers 503."""
    s = base()
    pods = []
    for i, (name, ip) in enumerate(
        (("api-7c9f6b8d4-8m2xv", "10.42.0.17"), ("api-7c9f6b8d4-q4wz9", "10.42.0.18"))
    ):
        pods.append(
            pod(
                "shop",
                name,
                2 + i,
                {"app": "api", "pod-template-hash": "7c9f6b8d4"},
                ("ReplicaSet", "api-7c9f6b8d4"),
                [api_container()],
                [running("app", API_IMAGE, ready=False)],
                ip,
            )
        )
        s["resources"]["events"].append(
            event(
                "shop",
                "Pod",
                name,
                "Warning",
                "Unhealthy",
                "Readiness probe failed: HTTP probe failed with statuscode: 503",
                64 - i,
                560,
                1190,
            )
        )
    replace_pods(s, "api-", pods)
    set_slice(
        s,
        "api",
        [
            ("10.42.0.17", False, "api-7c9f6b8d4-8m2xv"),
            ("10.42.0.18", False, "api-7c9f6b8d4-q4wz9"),
        ],
    )
    find(s["resources"]["deployments"], "api")["status"].update(
        {"readyReplicas": 0, "availableReplicas": 0, "unavailableReplicas": 2}
    )
    s["logs"]["logs/shop/api-7c9f6b8d4-8m2xv/app.log"] = [
        '{"level":30,"time":1796585000000,"msg":"listening on 0.0.0.0:8080"}',
        '{"level":50,"time":1796592560000,"msg":"redis ping failed: connect ETIMEDOUT redis.shop.svc:6379"}',
        '{"level":40,"time":1796593190000,"msg":"GET /ready 503 (redis: not connected)"}',
    ]
    add_controller_lines(s, no_endpoint_503s(580, 1180))
    s["expected"] = {
        "cause": "readiness-failing",
        "workload": "shop/api",
        "kind": "Deployment",
        "severity": "error",
        "evidence": ["statuscode: 503"],
        "absorbed": ["no-ready-endpoints"],
    }
    return s


def no_ready_endpoints() -> dict[str, Any]:
    """The api Service's selector was edited to app=shop-api; the pods are labelled app=api."""
    s = base()
    svc = find(s["resources"]["services"], "api")
    svc["spec"]["selector"] = {"app": "api-server"}
    set_slice(s, "api", [])
    add_controller_lines(s, no_endpoint_503s(900, 1180))
    s["expected"] = {
        "cause": "no-ready-endpoints",
        "service": "shop/api",
        "workload": "shop/api",
        "kind": "Deployment",
        "severity": "error",
        "evidence": ["matches no pod", "app=api"],
    }
    return s


def unschedulable() -> dict[str, Any]:
    """reports asks for 12Gi of memory; the only node has 8Gi."""
    s = base()
    c = container(
        "reports",
        "registry.example.com/shop/reports:0.7.0",
        8081,
        limits={"memory": "12Gi"},
        requests={"memory": "12Gi", "cpu": "1"},
    )
    msg = "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    s["resources"]["pods"].append(
        pod(
            "shop",
            "reports-7f9b8c6d5-zq4lm",
            60,
            {"app": "reports", "pod-template-hash": "7f9b8c6d5"},
            ("ReplicaSet", "reports-7f9b8c6d5"),
            [c],
            [],
            None,
            node=None,
            phase="Pending",
            conds=conditions(False, scheduled=False, reason="Unschedulable", message=msg),
        )
    )
    s["resources"]["deployments"].append(
        deployment("shop", "reports", 19, 1, {"app": "reports"}, [c], 1, ready=0)
    )
    s["resources"]["replicasets"].append(
        replicaset(
            "shop", "reports-7f9b8c6d5", 30, "reports", 1, 1, 0, {"app": "reports"}, created=60
        )
    )
    s["resources"]["events"].append(
        event(
            "shop",
            "Pod",
            "reports-7f9b8c6d5-zq4lm",
            "Warning",
            "FailedScheduling",
            msg,
            12,
            60,
            1160,
            component="default-scheduler",
        )
    )
    s["expected"] = {
        "cause": "unschedulable",
        "workload": "shop/reports",
        "kind": "Deployment",
        "severity": "error",
        "evidence": ["Insufficient memory"],
    }
    return s


def node_pressure() -> dict[str, Any]:
    """The node's disk filled up: DiskPressure, the kubelet evicted web."""
    s = base()
    s["resources"]["nodes"] = [
        node(
            "k3s-server-1",
            {"DiskPressure": ("KubeletHasDiskPressure", "kubelet has disk pressure")},
            taints=[
                {
                    "key": "node.kubernetes.io/disk-pressure",
                    "effect": "NoSchedule",
                    "timeAdded": ts(600),
                }
            ],
        )
    ]
    msg = "The node was low on resource: ephemeral-storage. Threshold quantity: 4082189750, available: 3211264Ki. Container web was using 9124012Ki, request is 0, has larger consumption of ephemeral-storage. "
    evicted = pod(
        "shop",
        "web-5b7d9c6f8-2xkqp",
        1,
        {"app": "web", "pod-template-hash": "5b7d9c6f8"},
        ("ReplicaSet", "web-5b7d9c6f8"),
        [container("web", WEB_IMAGE, 3000)],
        [],
        None,
        phase="Failed",
        conds=[],
        extra_status={"reason": "Evicted", "message": msg},
    )
    evicted["status"]["containerStatuses"] = [
        {
            "name": "web",
            "state": {
                "terminated": {
                    "exitCode": 137,
                    "reason": "ContainerStatusUnknown",
                    "startedAt": ts(-7200),
                    "finishedAt": ts(640),
                }
            },
            "lastState": {},
            "ready": False,
            "restartCount": 0,
            "image": WEB_IMAGE,
            "imageID": "",
            "started": False,
        }
    ]
    pending = pod(
        "shop",
        "web-5b7d9c6f8-9hd2f",
        61,
        {"app": "web", "pod-template-hash": "5b7d9c6f8"},
        ("ReplicaSet", "web-5b7d9c6f8"),
        [container("web", WEB_IMAGE, 3000)],
        [],
        None,
        node=None,
        phase="Pending",
        conds=conditions(
            False,
            scheduled=False,
            reason="Unschedulable",
            message="0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
        ),
    )
    replace_pods(s, "web-", [evicted, pending])
    set_slice(s, "web", [], port=3000)
    find(s["resources"]["deployments"], "web")["status"].update(
        {"readyReplicas": 0, "availableReplicas": 0, "unavailableReplicas": 1}
    )
    s["resources"]["events"] += [
        event(
            "",
            "Node",
            "k3s-server-1",
            "Warning",
            "EvictionThresholdMet",
            "Attempting to reclaim ephemeral-storage",
            3,
            600,
            1100,
            obj_ns=None,
        ),
        event(
            "",
            "Node",
            "k3s-server-1",
            "Normal",
            "NodeHasDiskPressure",
            "Node k3s-server-1 status is now: NodeHasDiskPressure",
            1,
            600,
            600,
            obj_ns=None,
        ),
        event("shop", "Pod", "web-5b7d9c6f8-2xkqp", "Warning", "Evicted", msg.strip(), 1, 640, 640),
        event(
            "shop",
            "Pod",
            "web-5b7d9c6f8-9hd2f",
            "Warning",
            "FailedScheduling",
            "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
            9,
            645,
            1150,
            component="default-scheduler",
        ),
    ]
    for e in s["resources"]["events"]:
        if e["involvedObject"]["kind"] == "Node":
            e["metadata"]["namespace"] = "default"
    lines = []
    for i, t in enumerate(range(660, 1180, 20)):
        lines.append(
            klog(
                t,
                "W",
                "controller.go:1216",
                'Service "shop/web" does not have any active Endpoint.',
            )
        )
        lines.append(access(t + 0.5, "/", 503, "shop-web-80", "-", "-", "0.000", n=i))
    add_controller_lines(s, lines)
    s["expected"] = {
        "cause": "node-pressure",
        "node": "k3s-server-1",
        "kind": "Node",
        "severity": "error",
        "evidence": ["DiskPressure", "Evicted"],
    }
    return s


def rollout_stuck() -> dict[str, Any]:
    """api's new ReplicaSet cannot create pods (the namespace's ResourceQuota is used up):
    ProgressDeadlineExceeded while the old ReplicaSet serves; no pod of the new revision
    exists, so no pod-level cause explains it."""
    s = base()
    d = find(s["resources"]["deployments"], "api")
    d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "4"
    d["metadata"]["labels"] = {"app": "api"}
    d["metadata"]["annotations"].pop("meta.helm.sh/release-name")
    d["metadata"]["annotations"].pop("meta.helm.sh/release-namespace")
    d["status"].update({"updatedReplicas": 0, "unavailableReplicas": 0})
    d["status"]["conditions"][1].update(
        {
            "status": "False",
            "reason": "ProgressDeadlineExceeded",
            "message": 'ReplicaSet "api-5f7d8b9c4" has timed out progressing.',
            "lastUpdateTime": ts(1150),
            "lastTransitionTime": ts(1150),
        }
    )
    s["resources"]["replicasets"].append(
        replicaset("shop", "api-5f7d8b9c4", 28, "api", 4, 1, 0, {"app": "api"}, created=540)
    )
    s["resources"]["replicasets"][-1]["status"] = {
        "replicas": 0,
        "observedGeneration": 1,
        "conditions": [
            {
                "type": "ReplicaFailure",
                "status": "True",
                "lastTransitionTime": ts(541),
                "reason": "FailedCreate",
                "message": 'pods "api-5f7d8b9c4-x7k2p" is forbidden: exceeded quota: shop-quota, requested: limits.memory=512Mi, used: limits.memory=2Gi, limited: limits.memory=2Gi',
            }
        ],
    }
    s["resources"]["events"] += [
        event(
            "shop",
            "ReplicaSet",
            "api-5f7d8b9c4",
            "Warning",
            "FailedCreate",
            'Error creating: pods "api-5f7d8b9c4-x7k2p" is forbidden: exceeded quota: shop-quota, requested: limits.memory=512Mi, used: limits.memory=2Gi, limited: limits.memory=2Gi',
            17,
            541,
            1160,
            component="replicaset-controller",
        ),
        event(
            "shop",
            "Deployment",
            "api",
            "Normal",
            "ScalingReplicaSet",
            "Scaled up replica set api-5f7d8b9c4 to 1",
            1,
            540,
            540,
            component="deployment-controller",
        ),
    ]
    s["expected"] = {
        "cause": "rollout-stuck",
        "workload": "shop/api",
        "kind": "Deployment",
        "severity": "error",
        "plan": ["kubectl rollout undo deployment/api -n shop"],
        "evidence": ["exceeded quota"],
    }
    return s


def upstream_timeout() -> dict[str, Any]:
    """api is up and ready but its yearly report takes longer than the ingress's 60 s."""
    s = base()
    lines = []
    for i, t in enumerate(range(700, 1180, 40)):
        lines.append(
            error_line(
                t + 60,
                6100 + i,
                "upstream timed out (110: Operation timed out) while reading response header from upstream",
                "/api/reports/yearly",
                "http://10.42.0.17:8080",
            )
        )
        lines.append(
            access(
                t + 60,
                "/api/reports/yearly",
                504,
                "shop-api-80",
                "10.42.0.17:8080",
                "504",
                "60.001",
                n=i,
            )
        )
    add_controller_lines(s, lines)
    s["expected"] = {
        "cause": "upstream-timeout",
        "workload": "shop/api",
        "kind": "Deployment",
        "severity": "error",
        "evidence": ["upstream timed out"],
    }
    return s


def upstream_refused() -> dict[str, Any]:
    """api 1.4.2 moved to port 8000 (its readiness probe too); the Service still targets 8080:
    the pods are ready, the ingress connects to :8080 and is refused."""
    s = base()
    pods = []
    for i, (name, ip) in enumerate(
        (("api-7c9f6b8d4-8m2xv", "10.42.0.17"), ("api-7c9f6b8d4-q4wz9", "10.42.0.18"))
    ):
        c = api_container(port=8000, readiness={"tcpSocket": {"port": 8000}})
        pods.append(
            pod(
                "shop",
                name,
                2 + i,
                {"app": "api", "pod-template-hash": "7c9f6b8d4"},
                ("ReplicaSet", "api-7c9f6b8d4"),
                [c],
                [running("app", API_IMAGE)],
                ip,
            )
        )
    replace_pods(s, "api-", pods)
    s["logs"]["logs/shop/api-7c9f6b8d4-8m2xv/app.log"] = [
        '{"level":30,"time":1796585000000,"msg":"listening on 0.0.0.0:8000"}'
    ]
    lines = []
    for i, t in enumerate(range(700, 1180, 10)):
        ip = "10.42.0.17" if i % 2 == 0 else "10.42.0.18"
        lines.append(
            error_line(
                t,
                7100 + i,
                "connect() failed (111: Connection refused) while connecting to upstream",
                "/api/items",
                f"http://{ip}:8080",
            )
        )
        lines.append(access(t, "/api/items", 502, "shop-api-80", f"{ip}:8080", "502", "0.000", n=i))
    add_controller_lines(s, lines)
    s["expected"] = {
        "cause": "upstream-refused",
        "workload": "shop/api",
        "kind": "Deployment",
        "severity": "error",
        "evidence": ["Connection refused"],
        "summary": ["8000"],
    }
    return s


def healthy() -> dict[str, Any]:
    s = base()
    s["expected"] = {"cause": None, "severity": None}
    return s


SCENARIOS = {
    "crashloop": crashloop,
    "oom-killed": oom_killed,
    "image-pull-failed": image_pull_failed,
    "config-error": config_error,
    "readiness-failing": readiness_failing,
    "no-ready-endpoints": no_ready_endpoints,
    "unschedulable": unschedulable,
    "node-pressure": node_pressure,
    "rollout-stuck": rollout_stuck,
    "upstream-timeout": upstream_timeout,
    "upstream-refused": upstream_refused,
    "healthy": healthy,
}


def write(name: str, s: dict[str, Any]) -> None:
    out = HERE / name
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for resource, items in s["resources"].items():
        (out / f"{resource}.json").write_text(
            json.dumps(as_list(resource, copy.deepcopy(items)), indent=4) + "\n"
        )
    for path, lines in s["logs"].items():
        p = out / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(lines) + "\n")
    (out / "expected.json").write_text(json.dumps(s["expected"], indent=2) + "\n")


def main() -> None:
    for name, fn in SCENARIOS.items():
        _EV[0] = 0
        write(name, fn())


if __name__ == "__main__":
    main()
