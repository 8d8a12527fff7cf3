"""Single-file Compose rules: availability, logging and wiring inside one project."""

from __future__ import annotations

from infradoctor.rules.base import Rule
from infradoctor.rules.compose.CMP001_restart_policy_missing import RestartPolicyMissing
from infradoctor.rules.compose.CMP002_json_log_unbounded import JsonLogUnbounded
from infradoctor.rules.compose.CMP003_depends_on_unknown_service import DependsOnUnknownService
from infradoctor.rules.compose.CMP004_container_name_with_replicas import (
    ContainerNameWithReplicas,
)
from infradoctor.rules.compose.CMP005_memory_limit_missing import MemoryLimitMissing
from infradoctor.rules.compose.CMP006_jvm_heap_exceeds_memory_limit import (
    JvmHeapExceedsMemoryLimit,
)
from infradoctor.rules.compose.CMP007_host_port_published_twice import HostPortPublishedTwice
from infradoctor.rules.compose.CMP008_healthcheck_timing_invalid import HealthcheckTimingInvalid
from infradoctor.rules.compose.CMP009_undefined_network_or_volume import (
    UndefinedNetworkOrVolume,
)

RULES: tuple[type[Rule], ...] = (
    RestartPolicyMissing,
    JsonLogUnbounded,
    DependsOnUnknownService,
    ContainerNameWithReplicas,
    MemoryLimitMissing,
    JvmHeapExceedsMemoryLimit,
    HostPortPublishedTwice,
    HealthcheckTimingInvalid,
    UndefinedNetworkOrVolume,
)
