"""Kubernetes evidence layout, and importers that turn every accepted input into it.

Our bundle (written by `infradoctor bundle --kube`, read by `diagnose --from`):

    manifest.json                       {"format": 1, "platform": "kubernetes", "created",
                                         "host" (the kubectl context), "tool_version",
                                         "collectors": [...]}
    kube/cluster.json                   {"context", "namespace" (null: all), "server_version",
                                         "source": "kubectl" | "directory" | "troubleshoot"}
    kube/<resource>.json                `kubectl get <resource> -A -o json` (a v1 List), for
                                         each of RESOURCES; trimmed (managedFields and the
                                         last-applied-configuration annotation dropped) and
                                         redacted
    kube/logs/<ns>/<pod>/<container>.log           `kubectl logs --timestamps --tail`
    kube/logs/<ns>/<pod>/<container>.previous.log  the same with `--previous`

A plain directory of recordings (contract (b), docs/diagnose.md) is this layout without the
`kube/` prefix and without a manifest: `<resource>.json` files (missing ones are fine) and
`logs/<ns>/<pod>/<container>[.previous].log`.

A Replicated troubleshoot support bundle (contract (c)) has
`cluster-resources/<kind>/<namespace>.json` (a List or a bare array) and
`cluster-resources/pods/logs/<ns>/<pod>/<container>[-previous].log`; it is merged into
the same layout on load."""

from __future__ import annotations

import tarfile
from pathlib import Path, PurePosixPath
from typing import Any

from infradoctor.diagnose.evidence import MAX_MEMBER_BYTES, Bundle, BundleError, CollectorStatus
from infradoctor.syntax.jsondoc import loads_bounded

PREFIX = "kube/"
LOGS = "kube/logs/"
CLUSTER = "kube/cluster.json"
RESOURCES: tuple[str, ...] = (
    "pods",
    "services",
    "endpointslices",
    "events",
    "nodes",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "ingresses",
    "horizontalpodautoscalers",
    "persistentvolumeclaims",
)
# the resources without which no analysis makes sense
ESSENTIAL = ("pods",)
# troubleshoot's directory names -> ours
TROUBLESHOOT_KINDS = {
    "pods": "pods",
    "services": "services",
    "endpointslices": "endpointslices",
    "events": "events",
    "nodes": "nodes",
    "deployments": "deployments",
    "replicasets": "replicasets",
    "statefulsets": "statefulsets",
    "daemonsets": "daemonsets",
    "ingress": "ingresses",
    "ingresses": "ingresses",
    "horizontalpodautoscalers": "horizontalpodautoscalers",
    "hpas": "horizontalpodautoscalers",
    "pvcs": "persistentvolumeclaims",
    "persistentvolumeclaims": "persistentvolumeclaims",
}
PLATFORM = "kubernetes"


def resource_path(resource: str) -> str:
    return f"{PREFIX}{resource}.json"


def log_path(namespace: str, pod: str, container: str, previous: bool) -> str:
    suffix = ".previous.log" if previous else ".log"
    return f"{LOGS}{namespace}/{pod}/{container}{suffix}"


def parse_log_path(path: str) -> tuple[str, str, str, bool] | None:
    """'kube/logs/ns/pod/c.previous.log' -> (ns, pod, c, True)."""
    if not path.startswith(LOGS):
        return None
    parts = path[len(LOGS) :].split("/")
    if len(parts) != 3 or not parts[2].endswith(".log"):
        return None
    name = parts[2][: -len(".log")]
    previous = name.endswith(".previous")
    if previous:
        name = name[: -len(".previous")]
    return parts[0], parts[1], name, previous


# ------------------------------------------------------------------ reading sources


def _read_source(source: Path) -> dict[str, bytes]:
    """Every regular file of a directory or an archive, by posix path (no prefix cut)."""
    files: dict[str, bytes] = {}
    try:
        if source.is_dir():
            for p in sorted(source.rglob("*")):
                if p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_MEMBER_BYTES:
                    files[p.relative_to(source).as_posix()] = p.read_bytes()
        else:
            with tarfile.open(source, "r:*") as tar:
                for m in tar.getmembers():
                    if not m.isfile() or m.size > MAX_MEMBER_BYTES:
                        continue
                    parts = [x for x in PurePosixPath(m.name).parts if x not in ("", ".", "/")]
                    if not parts or ".." in parts:
                        continue
                    fh = tar.extractfile(m)
                    if fh is not None:
                        files["/".join(parts)] = fh.read()
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise BundleError(f"{source}: cannot read: {exc}") from exc
    return files


def _strip_common_root(files: dict[str, bytes], markers: tuple[str, ...]) -> dict[str, bytes]:
    """Archives usually hold one top directory (`bundle/`, `support-bundle/`): cut the
    directory above the shallowest marker (a file or directory name of the layout)."""
    best: tuple[int, str] | None = None
    for name in files:
        parts = name.split("/")
        for i, part in enumerate(parts):
            if part in markers:
                if best is None or i < best[0]:
                    best = (i, "/".join(parts[:i]))
                break
    if best is None or not best[1]:
        return files
    prefix = best[1] + "/"
    return {k[len(prefix) :]: v for k, v in files.items() if k.startswith(prefix)}


def detect(files: dict[str, bytes]) -> str | None:
    """'bundle' (ours, with manifest), 'troubleshoot', 'directory' or None."""
    names = set(files)
    if "manifest.json" in names and any(n.startswith(PREFIX) for n in names):
        return "bundle"
    if any(n.startswith("cluster-resources/") for n in names):
        return "troubleshoot"
    if any(f"{r}.json" in names for r in RESOURCES):
        return "directory"
    return None


def looks_like_kube_source(source: Path) -> bool:
    """Cheap check for `diagnose --from`: a Kubernetes recording rather than a Docker bundle."""
    try:
        if source.is_dir():
            if (source / "manifest.json").is_file():
                return (source / "kube").is_dir()
            if (source / "cluster-resources").is_dir():
                return True
            if any(p.is_dir() and (p / "cluster-resources").is_dir() for p in source.iterdir()):
                return True
            return any((source / f"{r}.json").is_file() for r in RESOURCES)
        with tarfile.open(source, "r:*") as tar:
            for m in tar:
                parts = m.name.strip("./").split("/")
                if "cluster-resources" in parts[:2] or "kube" in parts[:2]:
                    return True
                if parts[-1] in {f"{r}.json" for r in RESOURCES} and len(parts) <= 2:
                    return True
    except (OSError, tarfile.TarError):
        return False
    return False


def load_source(source: Path) -> Bundle:
    """Load any accepted Kubernetes input into a Bundle in our layout (not yet redacted)."""
    raw = _read_source(source)
    raw = _strip_common_root(
        raw, ("manifest.json", "cluster-resources", *[f"{r}.json" for r in RESOURCES])
    )
    kind = detect(raw)
    if kind == "bundle":
        return Bundle.load(source)
    if kind == "troubleshoot":
        return import_troubleshoot(raw, str(source))
    if kind == "directory":
        return import_directory(raw, str(source))
    raise BundleError(
        f"{source}: not a Kubernetes recording (no manifest.json with kube/, no "
        "cluster-resources/, no <resource>.json such as pods.json)"
    )


def _statuses(present: set[str], source: str) -> list[CollectorStatus]:
    out = []
    for r in RESOURCES:
        if r in present:
            out.append(CollectorStatus(f"kube:{r}", "ok", None, 0.0))
        else:
            out.append(CollectorStatus(f"kube:{r}", "skipped", f"not in {source}", 0.0))
    return out


def import_directory(files: dict[str, bytes], source: str) -> Bundle:
    """Contract (b): `<resource>.json` + `logs/<ns>/<pod>/<container>[.previous].log`."""
    bundle = Bundle(meta={"platform": PLATFORM, "host": _context_of(files) or "kubernetes"})
    present: set[str] = set()
    for r in RESOURCES:
        data = files.get(f"{r}.json")
        if data is not None:
            bundle.put_bytes(resource_path(r), data)
            present.add(r)
    for name, data in files.items():
        if name.startswith("logs/") and name.endswith(".log") and name.count("/") == 3:
            bundle.put_bytes(PREFIX + name, data)
    if "cluster.json" in files:
        bundle.put_bytes(CLUSTER, files["cluster.json"])
    else:
        bundle.put_json(CLUSTER, {"source": "directory"})
    bundle.collectors = _statuses(present, "the recording")
    return bundle


def _context_of(files: dict[str, bytes]) -> str | None:
    try:
        data = loads_bounded(files.get("cluster.json", b"{}"))
    except ValueError:
        return None
    ctx = data.get("context") if isinstance(data, dict) else None
    return str(ctx) if ctx else None


def _items(data: bytes) -> list[Any]:
    try:
        obj = loads_bounded(data)
    except ValueError:
        return []
    if isinstance(obj, dict):
        items = obj.get("items")
        if isinstance(items, list):
            return items
        return [obj] if obj.get("metadata") else []
    return obj if isinstance(obj, list) else []


def import_troubleshoot(files: dict[str, bytes], source: str) -> Bundle:
    """Contract (c): a Replicated troubleshoot support bundle's cluster-resources/."""
    merged: dict[str, list[Any]] = {}
    logs: dict[str, bytes] = {}
    root = "cluster-resources/"
    for name, data in sorted(files.items()):
        if not name.startswith(root):
            continue
        rest = name[len(root) :]
        if rest.startswith("pods/logs/"):
            parts = rest[len("pods/logs/") :].split("/")
            if len(parts) == 3 and parts[2].endswith(".log"):
                container = parts[2][: -len(".log")]
                previous = container.endswith("-previous")
                if previous:
                    container = container[: -len("-previous")]
                logs[log_path(parts[0], parts[1], container, previous)] = data
            continue
        if not rest.endswith(".json"):
            continue
        head = rest[: -len(".json")].split("/")
        kind = TROUBLESHOOT_KINDS.get(head[0])
        if kind is None or len(head) > 2:
            continue
        merged.setdefault(kind, []).extend(_items(data))
    bundle = Bundle(meta={"platform": PLATFORM, "host": "support-bundle"})
    for kind, items in merged.items():
        bundle.put_json(resource_path(kind), {"apiVersion": "v1", "kind": "List", "items": items})
    for name, data in logs.items():
        bundle.put_bytes(name, data)
    bundle.put_json(CLUSTER, {"source": "troubleshoot"})
    bundle.collectors = _statuses(set(merged), "the support bundle")
    return bundle
