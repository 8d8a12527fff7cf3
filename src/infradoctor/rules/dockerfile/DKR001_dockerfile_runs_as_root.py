"""DKR001: the image built from this Dockerfile runs its process as root."""

from __future__ import annotations

import re
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
from infradoctor.findings import Applicability, Edit, Finding, Fix, Severity
from infradoctor.fixes import dockerfile_edit as de
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.lazyre import lazy
from infradoctor.model.stack import Dockerfile, Stack, Stage
from infradoctor.rules.base import Example, Rule
from infradoctor.subjects import DockerfileSubject

# ---------------------------------------------------------------- fix

UNSAFE = Applicability.UNSAFE


# Instructions a USER placed before them would affect at build time or override.
_USER_SENSITIVE = frozenset({"USER", "RUN", "COPY", "ADD", "WORKDIR", "ONBUILD"})


def _user_point(ctx: FixContext, df: Dockerfile) -> tuple[int, str]:
    """Where a USER takes effect for the container and changes no build step: before the
    final CMD/ENTRYPOINT, unless a USER (say `USER root` after CMD), RUN or COPY comes
    after them; then after the last of those."""
    stage = df.final
    assert stage is not None
    pos, prefix = de.insert_point(ctx, df)
    later = [
        i
        for i in stage.instructions
        if i.keyword in _USER_SENSITIVE
        and ctx.stack.files[df.path].offset_of(i.location.line) >= pos
    ]
    if later:
        return de.after(ctx, df, max(later, key=lambda i: i.location.line))
    return pos, prefix


_USER_NAME = lazy(r"^[a-z_][a-z0-9_-]*\$?$")


_SEGMENT = lazy(r"&&|\|\||;|\||\n")


def _created_user(stage: Stage) -> str | None:
    """The name of the last user a RUN of `stage` creates (`useradd ... app`,
    `adduser -S -G app app`): a fix already applied, or the author's own user."""
    found = None
    for ins in stage.all("RUN"):
        for segment in _SEGMENT.split(ins.value):
            words = segment.replace("\\", " ").split()
            while words and words[0] in ("sudo", "exec", "command"):
                words = words[1:]
            if len(words) < 2 or words[0].rsplit("/", 1)[-1] not in ("useradd", "adduser"):
                continue
            name = words[-1].strip("'\"")
            if _USER_NAME.match(name) and not name.startswith("-"):
                found = name
    return found


def _user_lines(stage: Stage) -> list[str]:
    base = stage.base_image.lower()
    if "distroless" in base:
        return ["USER nonroot"]
    if re.search(r"(^|/)node(:|$)", base):
        return ["USER node"]
    if "alpine" in base or "busybox" in base:
        return ["RUN addgroup -S app && adduser -S -G app -H -D app", "USER app"]
    if base == "scratch":
        return ["USER 65534:65534"]
    return [
        "RUN groupadd --system app && useradd --system --gid app --no-create-home app",
        "USER app",
    ]


def _known_user(df: Dockerfile) -> str | None:
    """A non-root user the final stage (or a stage it is built FROM) already switched to
    or created: switching back to it needs no new user."""
    from infradoctor.facts.images import is_root_user, stage_chain

    for st in stage_chain(df):
        for ins in reversed(st.all("USER")):
            value = ins.value.strip()
            if value and "$" not in value and not is_root_user(value):
                return value
        created = _created_user(st)
        if created:
            return created
    return None


def fix_dockerfile_user(ctx: FixContext, finding: Finding) -> Fix | None:
    from infradoctor.facts.images import effective_user, is_root_user

    df = ctx.dockerfile(finding)
    if df.final is None:
        raise FixUnavailable("no stage")
    user = effective_user(df)
    if user is not None and ("$" in user.value or not is_root_user(user.value)):
        raise FixUnavailable("already has a non-root USER")
    de.editable(ctx, df)
    known = _known_user(df)
    lines = [f"USER {known}"] if known else _user_lines(df.final)
    pos, prefix = _user_point(ctx, df)
    body = prefix + "".join(f"{ln}\n" for ln in lines)
    return make_fix(
        f"Run as a non-root user (`{lines[-1]}`); check file permissions",
        UNSAFE,
        [Edit(df.path, pos, pos, body)],
    )


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
    fixer = staticmethod(fix_dockerfile_user)
    fix_applicability = Applicability.UNSAFE
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
                    detail=DockerfileSubject(path),
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
                detail=DockerfileSubject(path),
            )
