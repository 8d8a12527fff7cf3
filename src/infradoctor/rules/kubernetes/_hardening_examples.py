"""The Deployment the hardening rules' examples share (package-private)."""

from __future__ import annotations


def workload(security: str = "", pod: str = "", image: str = "ghcr.io/acme/api:2.4.1") -> str:
    """A Deployment `api`; `security` is the container's securityContext body (keys at
    12 spaces), `pod` extra pod spec keys (at 6 spaces)."""
    sc = f"          securityContext:\n{security}" if security else ""
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n"
        "  selector:\n    matchLabels:\n      app: api\n  template:\n    metadata:\n"
        f"      labels:\n        app: api\n    spec:\n{pod}      containers:\n"
        f"        - name: api\n          image: {image}\n{sc}"
    )
