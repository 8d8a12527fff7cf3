"""Dockerfile fixers: a non-root USER (unsafe: the app may need to write where only root
can) and a HEALTHCHECK template (display-only: the path and tool are guesses)."""

from __future__ import annotations

import re

from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.model.stack import Dockerfile, Stage
from infradoctor.syntax.numbers import digits_value

UNSAFE = Applicability.UNSAFE
DISPLAY = Applicability.DISPLAY_ONLY


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
        src = ctx.stack.files[df.path]
        line = first.location.line
        while (
            line > 1
            and src.line_text(line - 1).lstrip().startswith("#")
            and not re.match(r"#\s*(syntax|escape|check)\s*=", src.line_text(line - 1).strip())
        ):
            line -= 1  # a comment above CMD describes CMD: keep them together
        return src.offset_of(line, 1), ""
    return len(text), "" if text.endswith("\n") or not text else "\n"


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


def fix_dockerfile_user(ctx: FixContext, finding: Finding) -> Fix | None:
    df = ctx.dockerfile(finding)
    if df.final is None or df.user is not None and df.user.value.strip() not in ("root", "0"):
        raise FixUnavailable("already has a non-root USER")
    pos, prefix = _insert_point(ctx, df)
    lines = _user_lines(df.final)
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
    path = finding.data.get("health_path")
    port = finding.data.get("port") or _exposed_port(df)
    pos, prefix = _insert_point(ctx, df)
    line = healthcheck_instruction(df, path, port)
    what = "template: set the health path" if path is None else f"probe {path}"
    return make_fix(
        f"Add a HEALTHCHECK ({what})", DISPLAY, [Edit(df.path, pos, pos, prefix + line + "\n")]
    )
