"""PRF001: a service's `env_file` does not exist, so `docker compose up` refuses to start."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject
from infradoctor.rules.profiles._profiles import selected_profiles


class EnvFileMissing(Rule):
    code = "PRF001"
    name = "env-file-missing"
    title = "`env_file` that does not exist (compose up fails)"
    severity = Severity.WARNING
    category = "availability"
    why = (
        "`docker compose up` reads every `env_file` of the services it starts before it "
        "creates any container; a missing one stops the whole project with `env file ... not "
        "found` (since Compose 2.24 only `required: false` makes it optional). The usual "
        "cause is a per-environment file (`.env.stage`, `backend.env`) that was renamed, never "
        "created on the new host, or referenced from the wrong directory.\n\n"
        "Only files that nothing explains are reported: an `env_file` whose directory holds a "
        "sample (`.env.example`, `.env.sample`, ...) is the documented 'copy the sample and fill "
        "it' step, and a file that `.gitignore` keeps out of the repository is created on the "
        "host. Nor is anything reported in a directory that holds no env file at all: "
        "repositories rarely commit them, and a missing file is then expected in a checkout. "
        "A finding for a service of a single profile names that profile."
    )
    how_to_fix = (
        "Create the file (from its sample, if the project has one), fix the path (relative "
        "to the compose file), or make it optional:\n\n"
        "```yaml\nservices:\n  api:\n    env_file:\n      - path: ./api.local.env\n"
        "        required: false\n```"
    )
    references = ("https://docs.docker.com/reference/compose-file/services/#env_file",)
    examples = (
        Example(
            bad={
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n"
                    "    env_file: ./config/app.env\n"
                    "  db:\n    image: postgres:16\n    env_file: ./config/db.env\n"
                ),
                "config/api.env": "LOG_LEVEL=info\n",
                "config/db.env": "POSTGRES_DB=app\n",
            },
            good={
                "compose.yaml": (
                    "services:\n  api:\n    image: ghcr.io/acme/api:1.2\n"
                    "    env_file:\n      - ./config/api.env\n"
                    "      - path: ./config/local.env\n        required: false\n"
                    "  worker:\n    image: ghcr.io/acme/api:1.2\n    env_file: .env\n"
                ),
                "config/api.env": "LOG_LEVEL=info\n",
                ".env.example": "DB_PASSWORD=\n",
            },
            description="The env files live in config/, but the api names app.env (api.env is "
            "meant): compose up fails.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for project in stack.projects:
            profiles = selected_profiles(stack, project)
            for svc in project.services.values():
                if svc.profiles and not any(p in profiles for p in svc.profiles):
                    continue
                for ref in svc.env_file_refs:
                    if ref.exists or ref.absent_because is not None:
                        continue  # read at load: loaders/envfiles.py
                    profile = svc.profiles[0] if len(svc.profiles) == 1 else None
                    scope = (
                        f" (profile{'s' if len(svc.profiles) > 1 else ''} "
                        f"{', '.join(svc.profiles)})"
                        if svc.profiles
                        else ""
                    )
                    yield self.finding(
                        svc.loc("env_file"),
                        f"service '{svc.name}'{scope}: env_file '{ref.path}' does not exist: "
                        "`docker compose up` fails before starting anything (create it, fix "
                        "the path or mark it `required: false`)",
                        subject=svc.name,
                        detail=service_subject(svc),
                        profile=profile,
                    )
