"""SEC007: a password/token/key is written as a literal in compose or an env file."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.source import Location
from infradoctor.model.stack import EnvVar, Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.security._secrets import (
    is_literal_secret_value,
    is_reference,
    is_secret_name,
    url_with_password,
)

TEMPLATE_FILE_RE = re.compile(r"(example|sample|template|dist|defaults?|tmpl)$", re.IGNORECASE)


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
        "Rotating it means rewriting history. Weak defaults such as `changeme`, `secret` "
        "or `postgres` are flagged too: they work as credentials and are the first values "
        "scanners try; template placeholders (`<your-token>`, `xxxx`), empty values, `${VAR}` "
        "references and `*_FILE` variables pointing at Docker secrets are not. Env files "
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
                if not self._is_literal_secret(stack, var):
                    continue
                key = (var.location.file, var.location.line, var.name)
                if key in reported:
                    continue  # one env_file shared by several services: report it once
                reported.add(key)
                where = f"env file {var.from_file}" if var.from_file else "the compose file"
                yield self.finding(
                    var.location,
                    f"service '{svc.name}': {var.name} is set to a literal secret in {where} "
                    f"(value redacted, {len((var.value or '').strip())} characters); "
                    "reference a variable or a Docker secret instead",
                    subject=svc.name,
                    data={"service": svc.name, "project": svc.project, "variable": var.name},
                )

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
