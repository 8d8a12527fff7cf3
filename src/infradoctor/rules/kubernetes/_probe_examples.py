"""A served Deployment the probe, HPA and rollout rules' examples share (package-private)."""

from __future__ import annotations


def served(name: str, image: str, container_extra: str, spec_extra: str = "") -> str:
    """A Deployment `name` behind a Service `name`; the extras are inserted verbatim
    (container keys at 10 spaces, Deployment spec keys at 2)."""
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
        f"{spec_extra}  selector:\n    matchLabels:\n      app: {name}\n  template:\n"
        f"    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n"
        f"        - name: {name}\n          image: {image}\n          ports:\n"
        f"            - name: http\n              containerPort: 8080\n{container_extra}"
        f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n"
        f"  selector:\n    app: {name}\n  ports:\n    - port: 80\n      targetPort: http\n"
    )
