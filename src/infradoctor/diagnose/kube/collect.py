"""Live collection for `diagnose --kube` / `bundle --kube`: read-only kubectl calls.

Only these verbs are used: `config current-context`, `version`, `get <resource> -o json`,
`logs [--previous]`. kubectl honours KUBECONFIG and `--context`; every call has
`--request-timeout` and a process timeout, so a dead API server becomes an error entry,
not a hang. Collectors never decide health; the bundle is redacted before it is returned."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from infradoctor.diagnose.evidence import Bundle, CollectorStatus
from infradoctor.diagnose.hygiene import progress_printer
from infradoctor.diagnose.kube import layout
from infradoctor.diagnose.kube.ingress import is_controller
from infradoctor.diagnose.kube.model import parse_pod
from infradoctor.diagnose.kube.redact import redact_kube_bundle

CONTROLLER_SELECTOR = "app.kubernetes.io/name=ingress-nginx"
READ_ONLY_VERBS = ("get", "logs", "version", "config")
GRACE = 2.0  # seconds a kubectl process gets beyond its --request-timeout


@dataclass
class KubeOptions:
    context: str | None = None
    namespace: str | None = None
    timeout: float = 10.0  # per kubectl call
    kubectl: str = "kubectl"
    log_tail: int = 300  # lines of each app container log
    controller_tail: int = 5000  # lines of the ingress controller's log
    max_logs: int = 60  # containers whose logs are read
    since_seconds: float | None = None  # window of the ingress controller's log
    progress: Callable[[str], None] | None = None


@dataclass
class KubectlResult:
    rc: int
    stdout: bytes
    stderr: str
    seconds: float


@dataclass
class Kubectl:
    opts: KubeOptions
    calls: list[list[str]] = field(default_factory=list)

    def run(self, *args: str) -> KubectlResult:
        if args[0] not in READ_ONLY_VERBS:  # a programming error, never a user choice
            raise ValueError(f"kubectl {args[0]} is not a read-only verb")
        argv = [self.opts.kubectl]
        if self.opts.context:
            argv.append(f"--context={self.opts.context}")
        argv += list(args)
        if args[0] != "config":
            argv.append(f"--request-timeout={max(1, int(self.opts.timeout))}s")
        self.calls.append(argv)
        started = time.monotonic()
        try:
            proc = subprocess.run(  # noqa: S603 - fixed argv, read-only verbs
                argv,
                capture_output=True,
                timeout=self.opts.timeout + GRACE,
                env=os.environ.copy(),
                check=False,
            )
        except subprocess.TimeoutExpired:
            return KubectlResult(
                124,
                b"",
                f"kubectl did not answer within {self.opts.timeout + GRACE:g}s",
                time.monotonic() - started,
            )
        except OSError as exc:
            return KubectlResult(127, b"", str(exc), time.monotonic() - started)
        err = proc.stderr.decode("utf-8", "replace").strip()
        return KubectlResult(proc.returncode, proc.stdout, err, time.monotonic() - started)


def advice(stderr: str) -> str:
    """A raw kubectl error -> what to do about it."""
    low = stderr.lower()
    first = stderr.strip().splitlines()[0] if stderr.strip() else "no output"
    if "did not answer" in low:
        return f"{first}: the API server is slow or unreachable (raise --timeout, check --context)"
    if (
        "connection refused" in low
        or "no such host" in low
        or "i/o timeout" in low
        or "timed out" in low
    ):
        return f"cannot reach the API server ({first}): is the cluster up? check KUBECONFIG / --context"
    if "forbidden" in low:
        return f"not allowed ({first}): the kubeconfig user needs get/list on this resource"
    if "doesn't have a resource type" in low or "the server could not find" in low:
        return f"not served by this cluster ({first})"
    if (
        "current-context is not set" in low
        or "context was not found" in low
        or "no configuration" in low
    ):
        return f"no usable kubeconfig ({first}): set KUBECONFIG or pass --context"
    return first


def collect_kube(opts: KubeOptions, stream: TextIO | None = None) -> Bundle:
    """Collect the cluster's state into a redacted Bundle in the kube/ layout."""
    from infradoctor import __version__

    show = opts.progress or progress_printer(stream or sys.stderr)
    kubectl = Kubectl(opts)
    bundle = Bundle()
    started = time.time()
    bundle.meta.update(
        {
            "platform": layout.PLATFORM,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "tool_version": __version__,
        }
    )
    if shutil.which(opts.kubectl) is None and os.sep not in opts.kubectl:
        bundle.record(
            CollectorStatus(
                "kubectl",
                "error",
                f"{opts.kubectl} not found on PATH: install kubectl or analyze a recording with --from",
                0.0,
            )
        )
        bundle.meta["host"] = opts.context or "kubernetes"
        return bundle
    context = opts.context
    if context is None:
        r = kubectl.run("config", "current-context")
        context = r.stdout.decode().strip() or None if r.rc == 0 else None
    bundle.meta["host"] = context or "kubernetes"
    if show:
        show(f"infradoctor: kubectl version ({context or 'default context'})")
    r = kubectl.run("version", "-o", "json")
    server = None
    if r.rc == 0:
        try:
            server = json.loads(r.stdout).get("serverVersion", {}).get("gitVersion")
        except ValueError:
            server = None
        bundle.record(CollectorStatus("kube:version", "ok", None, round(r.seconds, 3)))
    else:
        bundle.record(
            CollectorStatus("kube:version", "error", advice(r.stderr), round(r.seconds, 3))
        )
    bundle.put_json(
        layout.CLUSTER,
        {
            "context": context,
            "namespace": opts.namespace,
            "server_version": server,
            "source": "kubectl",
        },
    )
    scope = ["-n", opts.namespace] if opts.namespace else ["-A"]
    for i, resource in enumerate(layout.RESOURCES, 1):
        if show:
            show(f"infradoctor: collecting {resource} ({i}/{len(layout.RESOURCES)})")
        r = kubectl.run("get", resource, *scope, "-o", "json")
        if r.rc != 0:
            bundle.record(
                CollectorStatus(f"kube:{resource}", "error", advice(r.stderr), round(r.seconds, 3))
            )
            continue
        try:
            data = json.loads(r.stdout)
        except ValueError as exc:
            bundle.record(
                CollectorStatus(
                    f"kube:{resource}", "error", f"not JSON: {exc}", round(r.seconds, 3)
                )
            )
            continue
        bundle.put_json(layout.resource_path(resource), data)
        bundle.record(CollectorStatus(f"kube:{resource}", "ok", None, round(r.seconds, 3)))
    if opts.namespace:
        _add_controllers(kubectl, bundle)
    _collect_logs(kubectl, bundle, opts, show)
    if show:
        show("")
    redact_kube_bundle(bundle)
    return bundle


def _add_controllers(kubectl: Kubectl, bundle: Bundle) -> None:
    """With --namespace, the ingress controller usually lives elsewhere: add its pods."""
    r = kubectl.run("get", "pods", "-A", "-l", CONTROLLER_SELECTOR, "-o", "json")
    if r.rc != 0:
        return
    try:
        extra = json.loads(r.stdout).get("items", [])
    except (ValueError, AttributeError):
        return
    current = bundle.read_json(layout.resource_path("pods"), {"items": []}) or {"items": []}
    seen = {(_meta(p, "namespace"), _meta(p, "name")) for p in current.get("items", [])}
    for p in extra:
        if (_meta(p, "namespace"), _meta(p, "name")) not in seen:
            current.setdefault("items", []).append(p)
    bundle.put_json(layout.resource_path("pods"), current)


def _meta(obj: Any, key: str) -> str:
    return str(((obj or {}).get("metadata") or {}).get(key, "")) if isinstance(obj, dict) else ""


def _collect_logs(
    kubectl: Kubectl, bundle: Bundle, opts: KubeOptions, show: Callable[[str], None] | None
) -> None:
    doc = bundle.read_json(layout.resource_path("pods"), {}) or {}
    pods = [parse_pod(p) for p in doc.get("items", [])] if isinstance(doc, dict) else []
    wanted: list[tuple[Any, str, bool, int]] = []
    for pod in pods:
        controller = is_controller(pod)
        troubled = not pod.ready or any(
            s.restart_count > 0 or s.state != "running" for s in pod.statuses
        )
        if not (controller or troubled) or pod.phase == "Succeeded":
            continue
        for s in pod.statuses:
            tail = opts.controller_tail if controller else opts.log_tail
            if s.state != "waiting" or s.restart_count > 0:
                wanted.append((pod, s.name, False, tail))
            if s.restart_count > 0 or s.last_reason is not None:
                wanted.append((pod, s.name, True, tail))
    wanted.sort(key=lambda w: (not is_controller(w[0]), w[0].key))
    failed = 0
    started = time.monotonic()
    for i, (pod, container, previous, tail) in enumerate(wanted[: opts.max_logs], 1):
        if show:
            show(
                f"infradoctor: logs {pod.key}/{container}{' --previous' if previous else ''} ({i}/{min(len(wanted), opts.max_logs)})"
            )
        args = ["logs", "-n", pod.namespace, pod.name, "-c", container, f"--tail={tail}"]
        if opts.since_seconds and is_controller(pod) and not previous:
            args.append(f"--since={int(opts.since_seconds)}s")
        if previous:
            args.append("--previous")
        r = kubectl.run(*args)
        if r.rc != 0:
            failed += 1
            continue
        bundle.put_bytes(layout.log_path(pod.namespace, pod.name, container, previous), r.stdout)
    seconds = round(time.monotonic() - started, 3)
    skipped = max(0, len(wanted) - opts.max_logs)
    if failed or skipped:
        note = f"{failed} of {min(len(wanted), opts.max_logs)} log reads failed" if failed else ""
        if skipped:
            note += (
                "; " if note else ""
            ) + f"{skipped} container logs not read (limit {opts.max_logs})"
        bundle.record(CollectorStatus("kube:logs", "partial", note, seconds))
    else:
        bundle.record(CollectorStatus("kube:logs", "ok", None, seconds))
