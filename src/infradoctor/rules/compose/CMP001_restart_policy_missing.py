"""CMP001: a long-running service without a restart policy stays down after a crash."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Applicability, Finding, Fix, Severity
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import is_fragment, one_shot_reason, raw_get, service_subject
from infradoctor.rules.profiles._profiles import dev_scope

# ---------------------------------------------------------------- fix

SAFE = Applicability.SAFE


def fix_restart(ctx: FixContext, finding: Finding) -> Fix | None:
    svc = ctx.service(finding)
    entry = ctx.service_entry(svc)
    if entry.pair("restart") is not None:
        raise FixUnavailable("restart already written")
    return make_fix(
        "Add `restart: unless-stopped`",
        SAFE,
        ctx.insert_service_keys(entry, {"restart": "unless-stopped"}),
    )


class RestartPolicyMissing(Rule):
    code = "CMP001"
    name = "restart-policy-missing"
    title = "Long-running service has no restart policy"
    severity = Severity.WARNING
    category = "availability"
    why = (
        "Compose's default restart policy is `no`. When the process exits (an unhandled "
        "exception, an OOM kill, a failed connection to the database at boot) or the Docker "
        "daemon restarts after a host reboot or an engine upgrade, the container stays in "
        "`Exited` state. nginx in front of it then answers 502 Bad Gateway until somebody "
        "notices and runs `docker compose up -d` by hand.\n\n"
        "One-shot jobs are not flagged: services with `restart` or `deploy.restart_policy` set "
        '(including an explicit `restart: "no"`), services another service waits for with '
        "`condition: service_completed_successfully`, services behind a tools-like profile "
        "(`tools`, `migrate`, `setup`, `test`, ...), and services whose command or name is a "
        "one-off task (`manage.py migrate`, `alembic upgrade`, `npm run build`, `*-init`, ...).\n\n"
        "Services that run only under dev profiles (`dev`, `local`, `debug`, ...) are held to "
        "dev rules: reported as info, with the profile named."
    )
    how_to_fix = (
        "Add a restart policy to the service:\n\n"
        "```yaml\nservices:\n  api:\n    restart: unless-stopped\n```\n\n"
        "`unless-stopped` restarts after crashes and daemon restarts but respects a manual "
        '`docker compose stop`. Use `on-failure` (or `restart: "no"` to state the intent) for '
        "jobs that are meant to exit; for Swarm use `deploy.restart_policy.condition`."
    )
    fixer = staticmethod(fix_restart)
    fix_applicability = Applicability.SAFE
    references = (
        "https://docs.docker.com/reference/compose-file/services/#restart",
        "https://docs.docker.com/engine/containers/start-containers-automatically/",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.4.2\n"
                    "    command: gunicorn app:app --bind 0.0.0.0:8000\n"
                    "  migrate:\n"
                    "    image: ghcr.io/acme/api:1.4.2\n"
                    "    command: alembic upgrade head\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.4.2\n"
                    "    command: gunicorn app:app --bind 0.0.0.0:8000\n"
                    "    restart: unless-stopped\n"
                    "    depends_on:\n"
                    "      migrate:\n"
                    "        condition: service_completed_successfully\n"
                    "  migrate:\n"
                    "    image: ghcr.io/acme/api:1.4.2\n"
                    "    command: alembic upgrade head\n"
                    "  shell:\n"
                    "    image: ghcr.io/acme/api:1.4.2\n"
                    "    profiles: [tools]\n"
                )
            },
            description="The API crashes once and stays down; the migration job is fine.",
            fixed={
                "docker-compose.yml": (
                    "services:\n"
                    "  api:\n"
                    "    image: ghcr.io/acme/api:1.4.2\n"
                    "    command: gunicorn app:app --bind 0.0.0.0:8000\n"
                    "    restart: unless-stopped\n"
                    "  migrate:\n"
                    "    image: ghcr.io/acme/api:1.4.2\n"
                    "    command: alembic upgrade head\n"
                ),
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            for svc in project.services.values():
                if svc.restart is not None or svc.deploy_restart_condition is not None:
                    continue
                if raw_get(svc, "restart") is not None:
                    continue
                if raw_get(svc, "deploy", "restart_policy") is not None:
                    continue
                if is_fragment(svc) or one_shot_reason(svc, project):
                    continue
                yield self.finding(
                    svc.location,
                    f"service '{svc.name}' has no restart policy: if it crashes or the "
                    "Docker daemon restarts it stays down (add `restart: unless-stopped`)",
                    subject=svc.name,
                    detail=service_subject(svc),
                    **dev_scope(svc),  # type: ignore[arg-type]
                )
