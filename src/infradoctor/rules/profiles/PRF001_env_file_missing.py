"""PRF001: a service's `env_file` does not exist, so `docker compose up` refuses to start."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject
from infradoctor.rules.profiles._profiles import SAMPLE_NAMES, gitignored, selected_profiles


def _exists(path: Path) -> bool:
    """Whether something is at `path`; a name the OS cannot even look up (too long,
    NUL byte) is nothing there, never an exception."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _keeps_env_files(directory: Path) -> bool:
    """Does the directory hold real (non-sample) env files? Then the tree keeps its env
    files and a missing one is a mistake, not a secret created on the host."""
    try:
        if not directory.is_dir():
            return False
    except (OSError, ValueError):
        return False
    samples = (".example", ".sample", ".dist", ".template", "-sample", "-example")
    try:
        names = [p.name for p in directory.iterdir() if p.is_file()]
    except OSError:
        return False
    return any(
        (n == ".env" or n.startswith(".env.") or n.endswith(".env"))
        and not n.endswith(samples)
        and n not in SAMPLE_NAMES
        for n in names
    )


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
                raw = svc.raw.get("env_file")
                items = raw if isinstance(raw, list) else [raw] if raw is not None else []
                for item in items:
                    required = True
                    path_text = item
                    if isinstance(item, dict):
                        path_text = item.get("path")
                        required = item.get("required", True) not in (False, "false", "False")
                    if not isinstance(path_text, str) or not path_text or not required:
                        continue
                    if "$" in path_text:
                        continue  # interpolated: depends on the environment
                    base = stack.root / PurePosixPath(svc.location.file).parent
                    path = Path(os.path.normpath(base / path_text))
                    if _exists(path):
                        continue
                    if any(_is_file(path.parent / s) for s in SAMPLE_NAMES) or any(
                        _is_file(path.parent / f"{path.name}{suffix}")
                        for suffix in (".example", ".sample", ".dist", ".template")
                    ):
                        continue
                    if gitignored(stack, path):
                        continue  # kept out of git on purpose: created on the host
                    if not _keeps_env_files(path.parent):
                        continue  # env files are not kept in this tree at all
                    profile = svc.profiles[0] if len(svc.profiles) == 1 else None
                    scope = (
                        f" (profile{'s' if len(svc.profiles) > 1 else ''} "
                        f"{', '.join(svc.profiles)})"
                        if svc.profiles
                        else ""
                    )
                    yield self.finding(
                        svc.loc("env_file"),
                        f"service '{svc.name}'{scope}: env_file '{path_text}' does not exist: "
                        "`docker compose up` fails before starting anything (create it, fix "
                        "the path or mark it `required: false`)",
                        subject=svc.name,
                        detail=service_subject(svc),
                        profile=profile,
                    )
