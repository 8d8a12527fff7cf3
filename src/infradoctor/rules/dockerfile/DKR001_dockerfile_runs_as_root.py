"""DKR001: the image built from this Dockerfile runs its process as root."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.image_table import ROOT
from infradoctor.facts.images import (
    effective_user,
    external_base,
    image_drops_root,
    image_facts,
    is_build_context_name,
    is_root_user,
    services_building,
)
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule


class DockerfileRunsAsRoot(Rule):
    code = "DKR001"
    name = "dockerfile-runs-as-root"
    title = "Final stage runs as root (no USER or USER root)"
    severity = Severity.INFO
    category = "dockerfile"
    why = (
        "Without a `USER` in the final stage the container's process runs as uid 0 (unless "
        "the base image sets a user). Root in a container is the host's root uid, held back "
        "only by namespaces and dropped capabilities: an RCE in the app plus a kernel or "
        "runtime escape, a writable bind mount or a mounted docker.sock becomes root on the "
        "host, and the attacker can rewrite the application inside the container. "
        "`USER root` at the end of the file (often left over from an `apt-get install`) has "
        "the same effect.\n\n"
        "Not flagged: base images that already run as non-root (distroless `:nonroot`, "
        "Chainguard, nginx-unprivileged, bitnami, ...), and Dockerfiles whose every compose "
        "service sets a non-root `user:`. Compose services built from a flagged Dockerfile "
        "are not reported again by SEC001."
    )
    how_to_fix = (
        "Create an unprivileged user and switch to it after the steps that need root:\n\n"
        "```dockerfile\nFROM python:3.12-slim\nRUN useradd --system --uid 10001 app\n"
        "WORKDIR /app\nCOPY --chown=app:app . .\nUSER app\n"
        'CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]\n```\n\n'
        "Ports below 1024 need root or NET_BIND_SERVICE: listen on 8000/8080 instead."
    )
    fixable = "unsafe"
    references = (
        "https://docs.docker.com/reference/dockerfile/#user",
        "https://docs.docker.com/build/building/best-practices/#user",
    )
    examples = (
        Example(
            bad={
                "api/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "WORKDIR /app\n"
                    "COPY requirements.txt .\n"
                    "RUN pip install --no-cache-dir -r requirements.txt\n"
                    "COPY . .\n"
                    'CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]\n'
                )
            },
            good={
                "api/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "RUN useradd --system --uid 10001 app\n"
                    "WORKDIR /app\n"
                    "COPY requirements.txt .\n"
                    "RUN pip install --no-cache-dir -r requirements.txt\n"
                    "COPY --chown=app:app . .\n"
                    "USER app\n"
                    'CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]\n'
                ),
                "worker/Dockerfile": (
                    "FROM golang:1.22 AS build\n"
                    "WORKDIR /src\n"
                    "COPY . .\n"
                    "RUN CGO_ENABLED=0 go build -o /worker ./cmd/worker\n"
                    "\n"
                    "FROM gcr.io/distroless/static-debian12:nonroot\n"
                    "COPY --from=build /worker /worker\n"
                    'ENTRYPOINT ["/worker"]\n'
                ),
            },
            fixed={
                "api/Dockerfile": (
                    "FROM python:3.12-slim\n"
                    "WORKDIR /app\n"
                    "COPY requirements.txt .\n"
                    "RUN pip install --no-cache-dir -r requirements.txt\n"
                    "COPY . .\n"
                    "RUN groupadd --system app && useradd --system --gid app --no-create-home app\n"
                    "USER app\n"
                    'CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]\n'
                ),
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for path, df in stack.dockerfiles.items():
            final = df.final
            if final is None:
                continue
            user = effective_user(df)
            if user is not None:
                if "$" in user.value or not is_root_user(user.value):
                    continue
                yield self.finding(
                    user.location,
                    f"{path}: the final stage switches to `USER {user.value.strip()}`, so "
                    "the container's process runs as root",
                    subject=path,
                    data={"dockerfile": path},
                )
                continue
            base = external_base(df)
            if base is None or is_build_context_name(base):
                continue
            if base.lower() != "scratch" and image_drops_root(base):
                continue
            consumers = services_building(stack, df)
            if consumers and all(s.user and not is_root_user(s.user) for s in consumers):
                continue  # compose runs it as a non-root user everywhere
            row = image_facts(base)
            known = base.lower() == "scratch" or (row is not None and row.user == ROOT)
            runs = "runs as root" if known else "may run as root (unknown base image user)"
            yield self.finding(
                final.location,
                f"{path}: the final stage (from {base}) sets no USER, so the container's "
                f"process {runs} (add a non-root user and `USER` it)",
                subject=path,
                data={"dockerfile": path},
            )
