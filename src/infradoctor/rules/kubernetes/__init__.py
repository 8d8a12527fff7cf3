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
from infradoctor.rules.kubernetes.K8S012_exec_probe_shell_syntax import ExecProbeShellSyntax
from infradoctor.rules.kubernetes.K8S013_liveness_same_as_readiness import LivenessSameAsReadiness
from infradoctor.rules.kubernetes.K8S014_slow_start_without_startup_probe import (
    SlowStartWithoutStartupProbe,
)
from infradoctor.rules.kubernetes.K8S015_aggressive_liveness_probe import AggressiveLivenessProbe
from infradoctor.rules.kubernetes.K8S016_hpa_max_not_above_min import HpaMaxNotAboveMin
from infradoctor.rules.kubernetes.K8S017_hpa_min_one_on_served_workload import (
    HpaMinOneOnServedWorkload,
)
from infradoctor.rules.kubernetes.K8S018_replicas_on_hpa_target import ReplicasOnHpaTarget
from infradoctor.rules.kubernetes.K8S019_hpa_memory_on_jvm import HpaMemoryOnJvm
from infradoctor.rules.kubernetes.K8S020_proxy_to_container_port import ProxyToContainerPort
from infradoctor.rules.kubernetes.K8S021_ingress_websocket_default_read_timeout import (
    IngressWebsocketDefaultReadTimeout,
)
from infradoctor.rules.kubernetes.K8S022_ingress_upload_default_body_size import (
    IngressUploadDefaultBodySize,
)
from infradoctor.rules.kubernetes.K8S023_max_unavailable_all_replicas import (
    MaxUnavailableAllReplicas,
)
from infradoctor.rules.kubernetes.K8S024_rwo_volume_rolling_update import RwoVolumeRollingUpdate
from infradoctor.rules.kubernetes.K8S025_recreate_on_served_workload import RecreateOnServedWorkload
from infradoctor.rules.kubernetes.K8S026_single_replica_behind_ingress import (
    SingleReplicaBehindIngress,
)
from infradoctor.rules.kubernetes.K8S027_node_port_on_cluster_ip import NodePortOnClusterIp
from infradoctor.rules.kubernetes.K8S028_ingress_without_tls import IngressWithoutTls
from infradoctor.rules.kubernetes.K8S029_pull_always_mutable_tag import PullAlwaysMutableTag
from infradoctor.rules.kubernetes.K8S030_host_path_container_socket import HostPathContainerSocket
from infradoctor.rules.kubernetes.K8S031_secret_literal_in_env import SecretLiteralInEnv
from infradoctor.rules.kubernetes.K8S032_cronjob_without_limits import CronJobWithoutLimits
from infradoctor.rules.kubernetes.K8S033_job_without_backoff_limit import JobWithoutBackoffLimit
from infradoctor.rules.kubernetes.K8S034_container_may_run_as_root import ContainerMayRunAsRoot
from infradoctor.rules.kubernetes.K8S035_privilege_escalation_allowed import (
    PrivilegeEscalationAllowed,
)
from infradoctor.rules.kubernetes.K8S036_privileged_container import PrivilegedContainer
from infradoctor.rules.kubernetes.K8S037_writable_root_filesystem import WritableRootFilesystem
from infradoctor.rules.kubernetes.K8S038_capabilities_not_dropped import CapabilitiesNotDropped
from infradoctor.rules.kubernetes.K8S039_host_namespace_shared import HostNamespaceShared
from infradoctor.rules.kubernetes.K8S040_hpas_share_target import HpasShareTarget
from infradoctor.rules.kubernetes.K8S041_ingress_replicas_default_next_upstream import (
    IngressReplicasDefaultNextUpstream,
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
    ExecProbeShellSyntax,
    LivenessSameAsReadiness,
    SlowStartWithoutStartupProbe,
    AggressiveLivenessProbe,
    HpaMaxNotAboveMin,
    HpaMinOneOnServedWorkload,
    ReplicasOnHpaTarget,
    HpaMemoryOnJvm,
    ProxyToContainerPort,
    IngressWebsocketDefaultReadTimeout,
    IngressUploadDefaultBodySize,
    MaxUnavailableAllReplicas,
    RwoVolumeRollingUpdate,
    RecreateOnServedWorkload,
    SingleReplicaBehindIngress,
    NodePortOnClusterIp,
    IngressWithoutTls,
    PullAlwaysMutableTag,
    HostPathContainerSocket,
    SecretLiteralInEnv,
    CronJobWithoutLimits,
    JobWithoutBackoffLimit,
    ContainerMayRunAsRoot,
    PrivilegeEscalationAllowed,
    PrivilegedContainer,
    WritableRootFilesystem,
    CapabilitiesNotDropped,
    HostNamespaceShared,
    HpasShareTarget,
    IngressReplicasDefaultNextUpstream,
)

__all__ = ["RULES"]
