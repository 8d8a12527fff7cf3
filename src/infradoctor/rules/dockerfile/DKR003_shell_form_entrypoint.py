"""DKR003: shell-form CMD/ENTRYPOINT makes /bin/sh PID 1, which swallows SIGTERM."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.images import chain_last, services_building
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.subjects import DockerfileSubject


@record(frozen=True)
class ShellForm(DockerfileSubject):
    """The Dockerfile and the instruction (CMD or ENTRYPOINT) written in shell form."""

    instruction: str


class ShellFormEntrypoint(Rule):
    code = "DKR003"
    name = "shell-form-entrypoint"
    title = "CMD/ENTRYPOINT in shell form: the app does not receive SIGTERM"
    severity = Severity.INFO
    category = "dockerfile"
    why = (
        '`CMD gunicorn app:app` (shell form) runs as `/bin/sh -c "gunicorn app:app"`, so '
        "PID 1 is the shell. `docker stop` and `docker compose up` during a deploy send "
        "SIGTERM to PID 1 only; sh does not forward it, the app never starts its graceful "
        "shutdown, and after the 10 s stop timeout Docker SIGKILLs everything. In-flight "
        'requests are cut (nginx logs 502 "upstream prematurely closed connection"), every '
        "deploy takes 10 s longer per container, and workers lose jobs they were "
        "processing. The instruction that decides PID 1 is checked: ENTRYPOINT when "
        "present, otherwise CMD. Shell forms that start with `exec` are fine, and so are "
        "Dockerfiles whose every compose service overrides the command."
    )
    how_to_fix = (
        "Use exec form (a JSON array), or `exec` the program from the shell:\n\n"
        '```dockerfile\nCMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]\n'
        "# needs env expansion? let the shell replace itself:\n"
        "CMD exec gunicorn app:app --bind 0.0.0.0:${PORT}\n```\n\n"
        'If an entrypoint script is needed, end it with `exec "$@"`.'
    )
    references = (
        "https://docs.docker.com/reference/dockerfile/#shell-and-exec-form",
        "https://docs.docker.com/reference/dockerfile/#entrypoint",
    )
    examples = (
        Example(
            bad={
                "api/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "WORKDIR /app\n"
                    "COPY . .\n"
                    "RUN pip install --no-cache-dir -r requirements.txt\n"
                    "CMD gunicorn app:app --bind 0.0.0.0:8000 --workers 4\n"
                )
            },
            good={
                "api/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "WORKDIR /app\n"
                    "COPY . .\n"
                    "RUN pip install --no-cache-dir -r requirements.txt\n"
                    'CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000", \\\n'
                    '     "--workers", "4"]\n'
                ),
                "bot/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "COPY bot.py /bot.py\n"
                    "CMD exec python /bot.py --token-file /run/secrets/bot_token\n"
                ),
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for path, df in stack.dockerfiles.items():
            entry = chain_last(df, "ENTRYPOINT")
            ins = entry if entry is not None else chain_last(df, "CMD")
            if ins is None or ins.exec_form is not None:
                continue
            text = ins.value.strip()
            if not text or text.startswith("exec ") or text == "exec":
                continue
            consumers = services_building(stack, df)
            if consumers and all(
                s.entrypoint is not None or (entry is None and s.command is not None)
                for s in consumers
            ):
                continue  # compose replaces it for every service built from here
            yield self.finding(
                ins.location,
                f"{path}: {ins.keyword} in shell form runs under /bin/sh -c, which becomes "
                "PID 1 and does not forward SIGTERM: the app is SIGKILLed after the stop "
                "timeout, cutting in-flight requests (use the JSON exec form or `exec`)",
                subject=path,
                detail=ShellForm(path, ins.keyword),
            )
