"""Container security rules read from compose services (and their images)."""

from __future__ import annotations

from infradoctor.rules.base import Rule
from infradoctor.rules.security.SEC001_container_runs_as_root import ContainerRunsAsRoot
from infradoctor.rules.security.SEC002_privileged_container import PrivilegedContainer
from infradoctor.rules.security.SEC003_no_new_privileges_missing import NoNewPrivilegesMissing
from infradoctor.rules.security.SEC004_capabilities_not_dropped import CapabilitiesNotDropped
from infradoctor.rules.security.SEC005_writable_root_filesystem import WritableRootFilesystem
from infradoctor.rules.security.SEC006_database_port_published import DatabasePortPublished
from infradoctor.rules.security.SEC007_secret_literal_in_compose import SecretLiteralInCompose
from infradoctor.rules.security.SEC008_docker_socket_mounted import DockerSocketMounted
from infradoctor.rules.security.SEC009_image_tag_latest import ImageTagLatest
from infradoctor.rules.security.SEC010_host_network_mode import HostNetworkMode

RULES: tuple[type[Rule], ...] = (
    ContainerRunsAsRoot,
    PrivilegedContainer,
    NoNewPrivilegesMissing,
    CapabilitiesNotDropped,
    WritableRootFilesystem,
    DatabasePortPublished,
    SecretLiteralInCompose,
    DockerSocketMounted,
    ImageTagLatest,
    HostNetworkMode,
)
