"""Dockerfile fixers: a non-root USER (unsafe: the app may need to write where only root
can) and a HEALTHCHECK template (display-only: the path and tool are guesses)."""

from __future__ import annotations

import re

from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.stack import Dockerfile, Instruction, Stage
from infradoctor.syntax.numbers import digits_value

UNSAFE = Applicability.UNSAFE
DISPLAY = Applicability.DISPLAY_ONLY


def _editable(ctx: FixContext, df: Dockerfile) -> None:
    """Refuse a Dockerfile that does not parse cleanly: with an unterminated heredoc or
    an unknown instruction we cannot tell where an instruction would really land (the
    end of the file may be inside a heredoc body)."""
    for err in ctx.stack.errors:
        if err.file == df.path and err.kind == "parse-error":
            raise FixUnavailable(f"{df.path} does not parse cleanly: {err.message}")


def _before_line(ctx: FixContext, df: Dockerfile, ins: Instruction) -> int:
    """Offset of the line of `ins`, moved up over the comment lines right above it (a
    comment above CMD describes CMD: keep them together)."""
    src = ctx.stack.files[df.path]
    line = ins.location.line
    while (
        line > 1
        and src.line_text(line - 1).lstrip().startswith("#")
        and not re.match(r"#\s*(syntax|escape|check)\s*=", src.line_text(line - 1).strip())
    ):
        line -= 1
    return src.offset_of(line, 1)


def _after(ctx: FixContext, df: Dockerfile, ins: Instruction) -> tuple[int, str]:
    """Offset of the line after `ins` (continuations and heredoc bodies included) and
    the newline needed before new lines there."""
    text = ctx.text(df.path)
    src = ctx.stack.files[df.path]
    end = ins.location.end_offset
    if end is None:
        end = src.offset_of(ins.location.end_line or ins.location.line, 1)
    nl = text.find("\n", end)
    if nl == -1:
        return len(text), "\n"
    return nl + 1, ""


def _insert_point(ctx: FixContext, df: Dockerfile) -> tuple[int, str]:
    """Offset before the final stage's CMD/ENTRYPOINT (else the end of the file) and the
    newline-prefix needed there."""
    text = ctx.text(df.path)
    stage = df.final
    if stage is None:
        raise FixUnavailable("no stage")
    tail = [i for i in (stage.last("CMD"), stage.last("ENTRYPOINT")) if i is not None]
    if tail:
        first = min(tail, key=lambda i: i.location.line)
        return _before_line(ctx, df, first), ""
    return len(text), "" if text.endswith("\n") or not text else "\n"


# Instructions a USER placed before them would affect at build time or override.
_USER_SENSITIVE = frozenset({"USER", "RUN", "COPY", "ADD", "WORKDIR", "ONBUILD"})


def _user_point(ctx: FixContext, df: Dockerfile) -> tuple[int, str]:
    """Where a USER takes effect for the container and changes no build step: before the
    final CMD/ENTRYPOINT, unless a USER (say `USER root` after CMD), RUN or COPY comes
    after them; then after the last of those."""
    stage = df.final
    assert stage is not None
    pos, prefix = _insert_point(ctx, df)
    later = [
        i
        for i in stage.instructions
        if i.keyword in _USER_SENSITIVE
        and ctx.stack.files[df.path].offset_of(i.location.line) >= pos
    ]
    if later:
        return _after(ctx, df, max(later, key=lambda i: i.location.line))
    return pos, prefix


_USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]*\$?$")
_SEGMENT = re.compile(r"&&|\|\||;|\||\n")


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
    _editable(ctx, df)
    known = _known_user(df)
    lines = [f"USER {known}"] if known else _user_lines(df.final)
    pos, prefix = _user_point(ctx, df)
    body = prefix + "".join(f"{ln}\n" for ln in lines)
    return make_fix(
        f"Run as a non-root user (`{lines[-1]}`); check file permissions",
        UNSAFE,
        [Edit(df.path, pos, pos, body)],
    )


def _exposed_port(df: Dockerfile) -> int | None:
    for ins in df.expose:
        m = re.search(r"[0-9]+", ins.value)
        port = digits_value(m.group(0)) if m else None
        if port is not None and 0 < port < 65536:
            return port
    return None


def _has_tool(stage: Stage, tool: str) -> bool:
    return any(re.search(rf"\b(install|add)\b[^&;|]*\b{tool}\b", i.value) for i in stage.all("RUN"))


def healthcheck_instruction(df: Dockerfile, path: str | None, port: int | None) -> str:
    stage = df.final
    assert stage is not None
    url = f"http://127.0.0.1:{port or 'PORT'}{path or '/'}"
    base = stage.base_image.lower()
    if _has_tool(stage, "curl"):
        cmd = f"curl -fsS -o /dev/null {url} || exit 1"
    elif "alpine" in base or "busybox" in base or _has_tool(stage, "wget"):
        cmd = f"wget -q -O /dev/null {url} || exit 1"
    elif re.search(r"(^|/)python(:|$)", base):
        cmd = f"python -c \"import urllib.request; urllib.request.urlopen('{url}', timeout=4)\""
    else:
        cmd = f"curl -fsS -o /dev/null {url} || exit 1"
    return f"HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD {cmd}"


def fix_dockerfile_healthcheck(ctx: FixContext, finding: Finding) -> Fix | None:
    df = ctx.dockerfile(finding)
    if df.final is None or df.healthcheck is not None:
        raise FixUnavailable("has a HEALTHCHECK")
    _editable(ctx, df)
    path = finding.data.get("health_path")
    port = finding.data.get("port") or _exposed_port(df)
    pos, prefix = _insert_point(ctx, df)
    line = healthcheck_instruction(df, path, port)
    what = "template: set the health path" if path is None else f"probe {path}"
    return make_fix(
        f"Add a HEALTHCHECK ({what})", DISPLAY, [Edit(df.path, pos, pos, prefix + line + "\n")]
    )
