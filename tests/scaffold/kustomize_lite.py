"""A minimal kustomize renderer for the scaffold tests: exactly the features the
scaffolded kustomizations use (resources: files and directories, labels without selectors,
images newTag, replicas, JSON 6902 `replace` patches with a target). Used alongside
`kubectl kustomize` so that the overlays' meaning is checked even where kubectl is
missing or too old (Debian's kubectl 1.20 embeds kustomize v2.0.3, which cannot read
`resources: [../../base]`)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

KNOWN = {"apiVersion", "kind", "resources", "labels", "images", "replicas", "patches"}


class KustomizeError(Exception):
    pass


def render(directory: Path) -> list[dict[str, Any]]:
    kfile = directory / "kustomization.yaml"
    k = yaml.safe_load(kfile.read_text()) or {}
    unknown = set(k) - KNOWN
    if unknown:
        raise KustomizeError(f"{kfile}: unsupported fields {sorted(unknown)}")
    objs: list[dict[str, Any]] = []
    for res in k.get("resources") or []:
        path = (directory / res).resolve()
        if path.is_dir():
            objs.extend(render(path))
        elif path.is_file():
            objs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
        else:
            raise KustomizeError(f"{kfile}: resource {res} not found")
    objs = copy.deepcopy(objs)
    for spec in k.get("labels") or []:
        for obj in objs:
            obj.setdefault("metadata", {}).setdefault("labels", {}).update(spec["pairs"])
            if spec.get("includeSelectors"):
                raise KustomizeError("includeSelectors not supported here")
    for img in k.get("images") or []:
        for obj in objs:
            for c in _containers(obj):
                name, _, _tag = c["image"].partition(":")
                if name == img["name"]:
                    c["image"] = f"{img.get('newName', name)}:{img['newTag']}"
    for rep in k.get("replicas") or []:
        matched = [
            o
            for o in objs
            if o["metadata"]["name"] == rep["name"] and "replicas" in o.get("spec", {})
        ]
        if not matched:
            raise KustomizeError(f"replicas: no workload named {rep['name']}")
        for o in matched:
            o["spec"]["replicas"] = rep["count"]
    for patch in k.get("patches") or []:
        target = patch["target"]
        ops = yaml.safe_load(patch["patch"])
        matched = [
            o
            for o in objs
            if o["kind"] == target["kind"] and o["metadata"]["name"] == target["name"]
        ]
        if not matched:
            raise KustomizeError(f"patch target {target} not found")
        for o in matched:
            for op in ops:
                if op["op"] != "replace":
                    raise KustomizeError(f"op {op['op']} not supported here")
                *parents, last = op["path"].strip("/").split("/")
                node = o
                for part in parents:
                    node = node[part]
                if last not in node:
                    raise KustomizeError(f"replace of missing {op['path']}")
                node[last] = op["value"]
    return objs


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    return list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
