"""The stack model (pure data)."""

from infradoctor.model.nginx import (
    Directive,
    NginxConfig,
    ProxyRoute,
    ProxyTarget,
    Upstream,
    UpstreamServer,
)
from infradoctor.model.source import FileKind, LoadError, Location, SourceFile
from infradoctor.model.stack import (
    DependsOn,
    Dockerfile,
    EnvVar,
    Healthcheck,
    Instruction,
    ListenAddress,
    Logging,
    Mount,
    Port,
    Project,
    ResolvedTarget,
    Service,
    Stack,
    Stage,
)

__all__ = [
    "DependsOn",
    "Directive",
    "Dockerfile",
    "EnvVar",
    "FileKind",
    "Healthcheck",
    "Instruction",
    "ListenAddress",
    "LoadError",
    "Location",
    "Logging",
    "Mount",
    "NginxConfig",
    "Port",
    "Project",
    "ProxyRoute",
    "ProxyTarget",
    "ResolvedTarget",
    "Service",
    "SourceFile",
    "Stack",
    "Stage",
    "Upstream",
    "UpstreamServer",
]
