"""SEC005: the container's root filesystem is writable."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import is_fragment, raw_get, service_subject


class WritableRootFilesystem(Rule):
    code = "SEC005"
    default_enabled = False
    groups = ("hardening",)
    name = "writable-root-filesystem"
    title = "Root filesystem is writable (read_only not set)"
    severity = Severity.INFO
    category = "security"
    why = (
        "With a writable root filesystem an attacker who gets code execution can replace the "
        "application's own files (a web shell in the static directory, a patched library), "
        "drop tools into /usr/local/bin and persist across process restarts until the "
        "container is recreated. Writes also go to the container's copy-on-write layer on "
        "the host disk, where an app that writes temp files or logs outside a volume "
        "slowly fills /var/lib/docker. `read_only: true` with tmpfs for the few scratch "
        "directories prevents both."
    )
    how_to_fix = (
        "```yaml\nservices:\n  api:\n    read_only: true\n    tmpfs:\n      - /tmp\n"
        "      - /run\n    volumes:\n      - uploads:/app/uploads\n```\n\n"
        "Start the service and watch for `Read-only file system` errors to find the "
        "directories that need a tmpfs or a volume."
    )
    references = ("https://docs.docker.com/reference/compose-file/services/#read_only",)
    examples = (
        Example(
            bad={"docker-compose.yml": ("services:\n  api:\n    image: ghcr.io/acme/api:1.2.0\n")},
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.2.0\n"
                    "    read_only: true\n"
                    "    tmpfs:\n"
                    "      - /tmp\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for svc in stack.services:
            if is_fragment(svc) or svc.read_only or raw_get(svc, "read_only") is True:
                continue
            where = svc.loc("read_only") if "read_only" in svc.key_locations else svc.location
            yield self.finding(
                where,
                f"service '{svc.name}' has a writable root filesystem: an attacker can modify "
                "the app's files and drop tools (set read_only: true plus tmpfs for scratch "
                "directories)",
                subject=svc.name,
                detail=service_subject(svc),
            )
