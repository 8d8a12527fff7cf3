"""Dockerfile rules: user, base image, PID 1, ports, health checks, secrets."""

from __future__ import annotations

from infradoctor.rules.base import Rule
from infradoctor.rules.dockerfile.DKR001_dockerfile_runs_as_root import DockerfileRunsAsRoot
from infradoctor.rules.dockerfile.DKR002_base_image_unpinned import BaseImageUnpinned
from infradoctor.rules.dockerfile.DKR003_shell_form_entrypoint import ShellFormEntrypoint
from infradoctor.rules.dockerfile.DKR004_expose_differs_from_command_port import (
    ExposeDiffersFromCommandPort,
)
from infradoctor.rules.dockerfile.DKR005_healthcheck_tool_missing import HealthcheckToolMissing
from infradoctor.rules.dockerfile.DKR006_secret_in_dockerfile import SecretInDockerfile
from infradoctor.rules.dockerfile.DKR007_dockerfile_healthcheck_missing import (
    DockerfileHealthcheckMissing,
)

RULES: tuple[type[Rule], ...] = (
    DockerfileRunsAsRoot,
    BaseImageUnpinned,
    ShellFormEntrypoint,
    ExposeDiffersFromCommandPort,
    HealthcheckToolMissing,
    SecretInDockerfile,
    DockerfileHealthcheckMissing,
)
