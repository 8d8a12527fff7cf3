"""Helpers for the hardening tests (K8S034-K8S039): a Deployment with a given container
securityContext, pod securityContext and image."""

from __future__ import annotations


def deployment(
    container_sc: str = "",
    pod_sc: str = "",
    image: str = "ghcr.io/acme/api:2.4.1",
    kind: str = "Deployment",
    pod_extra: str = "",
    init: str = "",
) -> str:
    """`container_sc` / `pod_sc`: securityContext bodies as flow mappings (`{...}`)."""
    lines = [
        "apiVersion: apps/v1",
        f"kind: {kind}",
        "metadata:",
        "  name: api",
        "spec:",
        "  selector:",
        "    matchLabels: {app: api}",
        "  template:",
        "    metadata:",
        "      labels: {app: api}",
        "    spec:",
    ]
    if pod_sc:
        lines.append(f"      securityContext: {pod_sc}")
    if pod_extra:
        lines.append(pod_extra)
    if init:
        lines += ["      initContainers:", "        - name: init", f"          image: {image}"]
        lines.append(f"          securityContext: {init}")
    lines += ["      containers:", "        - name: api", f"          image: {image}"]
    if container_sc:
        lines.append(f"          securityContext: {container_sc}")
    return "\n".join(lines) + "\n"
