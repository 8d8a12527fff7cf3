"""SEC007: a password/token/key is written as a literal in compose or an env file."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.lazyre import lazy
from infradoctor.model.source import Location
from infradoctor.model.stack import EnvVar, Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.security._secrets import (
    is_literal_secret_value,
    is_reference,
    is_secret_name,
    looks_like_key_material,
    secret_part,
    url_with_password,
)
from infradoctor.rules.security.SEC006_database_port_published import (
    database_of,
    exposed_everywhere,
)
from infradoctor.subjects import ServiceSubject

TEMPLATE_FILE_RE = lazy(r"(example|sample|template|dist|defaults?|tmpl)$", re.IGNORECASE)


def raw_line(stack: Stack, location: Location, name: str) -> str | None:
    """The source text after the variable's name on its line (what the user wrote, before
    interpolation); None when the file text is not available."""
    src = stack.files.get(location.file)
    if src is None:
        return None
    line = src.line_text(location.line)
    idx = line.find(name)
    return line[idx + len(name) :] if idx >= 0 else line


def is_template_file(path: str | None) -> bool:
    if not path:
        return False
    return bool(TEMPLATE_FILE_RE.search(path.rsplit("/", 1)[-1]))


@record(frozen=True)
class SecretVariable(ServiceSubject):
    """The service and the name (never the value) of the variable holding a secret."""

    variable: str


class SecretLiteralInCompose(Rule):
    code = "SEC007"
    name = "secret-literal-in-compose"
    title = "Secret written as a literal value in compose or an env file"
    severity = Severity.WARNING
    category = "security"
    why = (
        "A password, token or key typed into docker-compose.yml (or an env_file that is "
        "committed) is in the git history forever, in every clone, CI log and backup of the "
        "repository, and visible to anyone who can run `docker inspect` on the host. "
        "Rotating it means rewriting history. Key material is a warning; so is a weak "
        "default such as `secret` or `postgres` on a database published on all interfaces. "
        "A weak default of a service nobody outside reaches is info, and so is any "
        "credential of a CI, test or development compose file (a fixture). For a "
        "connection URL the password part is what is judged. Placeholders "
        "(`change-me`, `replace-me`, `your-...`, `<your-token>`, `example`, `dummy`, `xxxx`), "
        "empty values, `${VAR}` references and `*_FILE` variables pointing at Docker "
        "secrets are not reported. Env files "
        "named *.example / *.sample / *.template are skipped. The secret value is never "
        "printed: findings show only the variable name and the value's length."
    )
    how_to_fix = (
        "Reference a variable and keep the value out of the repository (a git-ignored `.env` "
        "next to the compose file, the CI's secret store, or Docker secrets):\n\n"
        "```yaml\nservices:\n  db:\n    image: postgres:16\n    environment:\n"
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}\n```\n\n"
        "or, with secrets files:\n\n"
        "```yaml\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n"
        "    secrets: [db_password]\nsecrets:\n  db_password:\n"
        "    file: ./secrets/db_password\n```\n\n"
        "Then rotate the leaked value: it stays in git history."
    )
    references = (
        "https://docs.docker.com/compose/how-tos/use-secrets/",
        "https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/",
    )
    examples = (
        Example(
            bad={
                "docker-compose.yml": (
                    "services:\n"
                    "  db:\n"
                    "    image: postgres:16\n"
                    "    environment:\n"
                    "      POSTGRES_USER: app\n"
                    "      POSTGRES_PASSWORD: S3cr3t-Pa55\n"
                    "  bot:\n"
                    "    image: ghcr.io/acme/bot:1.0.0\n"
                    "    environment:\n"
                    "      - TELEGRAM_BOT_TOKEN=123456789:AAH-redacted-example-token\n"
                )
            },
            good={
                "docker-compose.yml": (
                    "services:\n"
                    "  db:\n"
                    "    image: postgres:16\n"
                    "    environment:\n"
                    "      POSTGRES_USER: app\n"
                    "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-}\n"
                    "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n"
                    "  bot:\n"
                    "    image: ghcr.io/acme/bot:1.0.0\n"
                    "    environment:\n"
                    "      - TELEGRAM_BOT_TOKEN\n"
                    "      - TOKEN_TTL_SECONDS=3600\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        reported: set[tuple[str, int, str]] = set()
        for svc in stack.services:
            for var in svc.environment.values():
                if var.value is None or not self._is_literal_secret(stack, var):
                    continue
                key = (var.location.file, var.location.line, var.name)
                if key in reported:
                    continue  # one env_file shared by several services: report it once
                reported.add(key)
                where = f"env file {var.from_file}" if var.from_file else "the compose file"
                severity, note = self._weight(svc, var)
                yield self.finding(
                    var.location,
                    f"service '{svc.name}': {var.name} is set to a literal secret in {where} "
                    f"(value redacted, {len((var.value or '').strip())} characters{note}); "
                    "reference a variable or a Docker secret instead",
                    subject=svc.name,
                    severity=severity,
                    detail=SecretVariable(svc.name, svc.project, var.name),
                )

    def _weight(self, svc: Service, var: EnvVar) -> tuple[Severity | None, str]:
        """Key material, or a credential of a database published on all interfaces: the
        rule's severity. A weak default of a service nobody outside reaches: info."""
        if looks_like_key_material(secret_part(var.value or "")):
            return None, ""
        if any(exposed_everywhere(p) and database_of(p) for p in svc.ports):
            return None, "; the database is published on all interfaces"
        return Severity.INFO, "; a weak default, no database published: low risk"

    def _is_literal_secret(self, stack: Stack, var: EnvVar) -> bool:
        if var.value is None or is_template_file(var.from_file):
            return False
        secret_name = is_secret_name(var.name)
        if not secret_name and not url_with_password(var.value):
            return False
        if secret_name and not is_literal_secret_value(var.value):
            return False
        raw = raw_line(stack, var.location, var.name)
        return not (raw is not None and is_reference(raw))
