"""What the securityContext hardening rules (K8S034-K8S039) share (package-private):
the containers to judge, effective settings (a container's securityContext overrides
its pod's) and the line a user edits to add a missing key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.facts.images import parse_image, unresolved_image
from infradoctor.model.k8s import Container, K8sObject
from infradoctor.model.source import Location
from infradoctor.model.stack import Dockerfile, Stack

# pod-level keys a container inherits (the rest are container-only)
POD_LEVEL = frozenset({"runAsNonRoot", "runAsUser"})


def containers(stack: Stack, *, init: bool = False) -> Iterator[tuple[K8sObject, Container]]:
    """(workload, container) for every workload's containers (`init`: init containers
    too), each copy judged where it is written. A container without an image (a
    manifest the API server rejects) is not judged."""
    for w in stack.k8s:
        if w.workload is None:
            continue
        pod = w.workload.pod
        for c in [*pod.containers, *(pod.init_containers if init else ())]:
            if c.image:
                yield w, c


def setting(w: K8sObject, c: Container, key: str) -> tuple[Any, Location | None]:
    """(value, where it is written) of `key`: the container's, else (for the keys a pod
    sets for all its containers) the pod's; (None, None) when unset."""
    if key in c.security_context:
        return c.security_context[key], c.security_locations.get(key)
    pod = w.workload.pod if w.workload is not None else None
    if key in POD_LEVEL and pod is not None and key in pod.security_context:
        return pod.security_context[key], pod.security_locations.get(key)
    return None, None


def edit_location(c: Container) -> Location:
    """Where to add a missing key: the container's securityContext, else the container."""
    return c.security_locations.get("securityContext", c.location)


def privileged(c: Container) -> bool:
    return c.security_context.get("privileged") is True


def label(w: K8sObject, c: Container) -> str:
    kind = "init container" if c.init else "container"
    return f"{w.kind} '{w.name}' {kind} '{c.name}'"


def dockerfile_for(stack: Stack, image: str) -> tuple[str, Dockerfile] | None:
    """The one Dockerfile of the tree the image is most likely built from: in a directory
    named like the image's repository (`src/cart/Dockerfile` for `acme/cart:1.2`)."""
    if unresolved_image(image):
        return None
    name = parse_image(image).path.rsplit("/", 1)[-1]
    found = [
        (path, df)
        for path, df in stack.dockerfiles.items()
        if (path.rsplit("/", 2)[-2] if path.count("/") else stack.root.name) == name
    ]
    return found[0] if len(found) == 1 else None
