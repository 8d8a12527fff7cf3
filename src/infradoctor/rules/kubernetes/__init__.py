"""Kubernetes rules: single-object checks of workloads and the cross-object wiring that
breaks traffic (Service -> pods, Ingress -> Service, probes -> ports, HPA/PDB -> workload)."""

from infradoctor.rules.base import Rule
from infradoctor.rules.kubernetes.K8S001_service_selects_no_pods import ServiceSelectsNoPods
from infradoctor.rules.kubernetes.K8S002_service_target_port_not_exposed import (
    ServiceTargetPortNotExposed,
)
from infradoctor.rules.kubernetes.K8S003_ingress_backend_unknown import IngressBackendUnknown
from infradoctor.rules.kubernetes.K8S004_served_workload_without_readiness_probe import (
    ServedWorkloadWithoutReadinessProbe,
)
from infradoctor.rules.kubernetes.K8S005_probe_port_unknown import ProbePortUnknown
from infradoctor.rules.kubernetes.K8S006_jvm_heap_vs_memory_limit import JvmHeapVsMemoryLimit
from infradoctor.rules.kubernetes.K8S007_memory_limit_missing import MemoryLimitMissing
from infradoctor.rules.kubernetes.K8S008_image_tag_latest import ImageTagLatest
from infradoctor.rules.kubernetes.K8S009_hpa_target_without_resource_request import (
    HpaTargetWithoutResourceRequest,
)
from infradoctor.rules.kubernetes.K8S010_pdb_blocks_eviction import PdbBlocksEviction
from infradoctor.rules.kubernetes.K8S011_hpa_target_missing import HpaTargetMissing
from infradoctor.rules.kubernetes.K8S020_proxy_to_container_port import ProxyToContainerPort
from infradoctor.rules.kubernetes.K8S021_ingress_websocket_default_read_timeout import (
    IngressWebsocketDefaultReadTimeout,
)
from infradoctor.rules.kubernetes.K8S022_ingress_upload_default_body_size import (
    IngressUploadDefaultBodySize,
)

RULES: tuple[type[Rule], ...] = (
    ServiceSelectsNoPods,
    ServiceTargetPortNotExposed,
    IngressBackendUnknown,
    ServedWorkloadWithoutReadinessProbe,
    ProbePortUnknown,
    JvmHeapVsMemoryLimit,
    MemoryLimitMissing,
    ImageTagLatest,
    HpaTargetWithoutResourceRequest,
    PdbBlocksEviction,
    HpaTargetMissing,
    ProxyToContainerPort,
    IngressWebsocketDefaultReadTimeout,
    IngressUploadDefaultBodySize,
)

__all__ = ["RULES"]
