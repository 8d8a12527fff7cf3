"""Cross-file rules: facts that only show when compose, nginx and Dockerfiles are read
together (the link step in loaders/link.py resolves the topology they use)."""

from infradoctor.rules.base import Rule
from infradoctor.rules.cross.XF001_proxy_target_unknown_host import ProxyTargetUnknownHost
from infradoctor.rules.cross.XF002_proxy_target_port_not_listening import (
    ProxyTargetPortNotListening,
)
from infradoctor.rules.cross.XF003_proxied_service_binds_loopback import (
    ProxiedServiceBindsLoopback,
)
from infradoctor.rules.cross.XF004_depends_on_service_without_healthcheck import (
    DependsOnServiceWithoutHealthcheck,
)
from infradoctor.rules.cross.XF005_depends_on_without_healthy_condition import (
    DependsOnWithoutHealthyCondition,
)
from infradoctor.rules.cross.XF006_proxy_to_localhost_from_container import (
    ProxyToLocalhostFromContainer,
)
from infradoctor.rules.cross.XF007_websocket_route_without_upgrade import (
    WebsocketRouteWithoutUpgrade,
)
from infradoctor.rules.cross.XF008_proxy_timeout_mismatch_app_timeout import (
    ProxyTimeoutMismatchAppTimeout,
)
from infradoctor.rules.cross.XF009_polling_bot_replicated import PollingBotReplicated
from infradoctor.rules.cross.XF010_replicated_service_fixed_host_port import (
    ReplicatedServiceFixedHostPort,
)
from infradoctor.rules.cross.XF011_proxied_service_without_healthcheck import (
    ProxiedServiceWithoutHealthcheck,
)
from infradoctor.rules.cross.XF012_replicated_upstream_without_next_upstream import (
    ReplicatedUpstreamWithoutNextUpstream,
)
from infradoctor.rules.cross.XF013_nginx_logs_bind_mounted_without_rotation import (
    NginxLogsBindMountedWithoutRotation,
)
from infradoctor.rules.cross.XF014_upstream_hostname_resolved_once import (
    UpstreamHostnameResolvedOnce,
)

RULES: tuple[type[Rule], ...] = (
    ProxyTargetUnknownHost,
    ProxyTargetPortNotListening,
    ProxiedServiceBindsLoopback,
    DependsOnServiceWithoutHealthcheck,
    DependsOnWithoutHealthyCondition,
    ProxyToLocalhostFromContainer,
    WebsocketRouteWithoutUpgrade,
    ProxyTimeoutMismatchAppTimeout,
    PollingBotReplicated,
    ReplicatedServiceFixedHostPort,
    ProxiedServiceWithoutHealthcheck,
    ReplicatedUpstreamWithoutNextUpstream,
    NginxLogsBindMountedWithoutRotation,
    UpstreamHostnameResolvedOnce,
)

__all__ = ["RULES"]
