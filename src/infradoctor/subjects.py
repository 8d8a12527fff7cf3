"""Typed finding subjects shared by several rules (`Finding.detail`): a compose
service, a Dockerfile, a Kubernetes object or container, an nginx block. A rule with
more to say subclasses one in its own module. Fixers and `FixContext` read their
attributes; `Finding.data` is the dict view of their fields."""

from __future__ import annotations

from typing import Any

from infradoctor.findings import subject_dict
from infradoctor.records import record


@record(frozen=True, hot=True)
class ServiceSubject:
    """A compose service, by name within its project (what `FixContext.service` finds)."""

    service: str
    project: str

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


@record(frozen=True)
class DockerfileSubject:
    """A Dockerfile, by its path relative to the scan root."""

    dockerfile: str

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


@record(frozen=True)
class K8sSubject:
    """A Kubernetes object, by kind, name and namespace (None: not written). Rules with
    more to say subclass it (or one of the shapes below) in their own module."""

    kind: str
    name: str
    namespace: str | None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


@record(frozen=True)
class ContainerSubject(K8sSubject):
    """A container of a workload (what `k8s_edit.finding_container` finds)."""

    container: str


@record(frozen=True)
class ImageSubject(ContainerSubject):
    """A container and the image it runs (None: no image written)."""

    image: str | None


@record(frozen=True)
class ProbeSubject(ContainerSubject):
    """A container's probe, by kind (readiness, liveness, startup)."""

    probe: str


@record(frozen=True)
class BackendSubject(K8sSubject):
    """An object and the Service it sends to or is served by."""

    service: str


@record(frozen=True)
class RouteSubject(K8sSubject):
    """An Ingress path and its backend Service."""

    path: str
    service: str


@record(frozen=True)
class ScaleTarget(K8sSubject):
    """An object (HPA, PDB) and the workload it scales or guards, by name."""

    target: str


@record(frozen=True)
class SuppressionCodes:
    """The codes a suppression comment names (IDX001's unknown ones, IDX002's all)."""

    codes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"codes": list(self.codes)}


@record(frozen=True, kw_only=True)
class BlockSubject:
    """An nginx config and the block a fixer inserts into (none: the config's root;
    what `FixContext.data_block` finds). Nginx rules subclass it with what else their
    fixer needs (`rules/nginx/_common.block_subject` builds them)."""

    config: str
    block: str | None = None
    block_file: str | None = None
    block_line: int | None = None
    block_open: int | None = None
    block_close: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self, keep_none=False)  # keys only for what was given
