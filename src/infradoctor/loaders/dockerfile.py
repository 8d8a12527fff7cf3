"""Dockerfile loader: instructions with line continuations (honouring `# escape=`),
heredocs, comments, multi-stage builds, flags and exec-form arrays. Malformed lines
become LoadErrors with their line number; the rest of the file still loads."""

from __future__ import annotations

import json

from infradoctor.facts.dockerfile import parse_env
from infradoctor.lazyre import lazy
from infradoctor.model.source import LoadError, Location, SourceFile
from infradoctor.model.stack import Dockerfile, Instruction, Stage

INSTRUCTIONS = frozenset(
    {
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "MAINTAINER",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
    }
)
# Instructions whose leading `--flag[=value]` words are options, not arguments.
FLAGGED = frozenset({"FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"})
EXEC_FORM = frozenset({"CMD", "ENTRYPOINT", "RUN", "SHELL", "VOLUME"})
PARSER_DIRECTIVE_RE = lazy(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(\S*)\s*$")
HEREDOC_RE = lazy(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
FLAG_RE = lazy(r"--([a-zA-Z][a-zA-Z0-9-]*)(?:=(\"[^\"]*\"|'[^']*'|\S*))?")
KEYWORD_RE = lazy(r"^\s*([A-Za-z]+)(?:\s+|$)")


# A flat JSON array of strings, checked before json.loads so that nested input (`[[[[...`,
# which makes json.loads recurse until RecursionError) never reaches the decoder: anything
# else is shell form anyway. Strings follow RFC 8259 (no raw control characters).
_JSON_WS = "[ \t\n\r]*"
_JSON_STRING = r'"(?:[^"\\\x00-\x1f]++|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*+"'
EXEC_ARRAY_RE = lazy(
    rf"\[{_JSON_WS}(?:{_JSON_STRING}{_JSON_WS}(?:,{_JSON_WS}{_JSON_STRING}{_JSON_WS})*+)?\]"
)


def _exec_array(value: str) -> list[str] | None:
    """The JSON array of exec form, or None for shell form (Docker's own rule: anything
    that is not a valid JSON array of strings is shell form). Linear time, no recursion."""
    v = value.strip()
    if not v.startswith("[") or not EXEC_ARRAY_RE.fullmatch(v):
        return None
    try:
        parsed = json.loads(v)
    except (ValueError, RecursionError):  # defensive: the pattern admits flat arrays only
        return None
    if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
        return parsed
    return None


def _split_flags(value: str) -> tuple[dict[str, str], str]:
    flags: dict[str, str] = {}
    rest = value.lstrip()
    while rest.startswith("--"):
        m = FLAG_RE.match(rest)
        if m is None:
            break
        val = m.group(2) or ""
        if len(val) >= 2 and val[0] == val[-1] and val[0] in "\"'":
            val = val[1:-1]
        flags[m.group(1).lower()] = val
        rest = rest[m.end() :].lstrip()
    return flags, rest


def load_dockerfile(src: SourceFile) -> tuple[Dockerfile | None, list[LoadError]]:  # noqa: C901
    """Parse one Dockerfile. Returns (None, errors) only when nothing usable was found."""
    errors: list[LoadError] = []
    text = src.text
    lines = text.split("\n")
    starts = src.line_starts
    escape = "\\"
    # Parser directives (`# escape=`, `# syntax=`) only count before anything else.
    for raw in lines:
        m = PARSER_DIRECTIVE_RE.match(raw.strip())
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("`", "\\"):
            escape = m.group(2)

    df = Dockerfile(src.path, [])
    stage: Stage | None = None
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        first_line = i
        parts: list[str] = []
        cur = line
        # Join continuation lines; comment and blank lines inside a continuation are skipped.
        while True:
            body = cur.rstrip()
            if body.endswith(escape):
                parts.append(body[: -len(escape)])
                i += 1
                while i < n:  # past blank and comment lines
                    nxt = lines[i].strip()
                    if nxt and nxt[0] != "#":
                        break
                    i += 1
                if i >= n:
                    df.open_continuation = True
                    break
                cur = lines[i]
                continue
            parts.append(cur)
            break
        last_line = min(i, n - 1)
        i += 1
        logical = "".join(parts)
        km = KEYWORD_RE.match(logical)
        if km is None:
            errors.append(
                LoadError(
                    src.path, f"cannot parse line: {stripped[:60]!r}", "parse-error", first_line + 1
                )
            )
            continue
        keyword = km.group(1).upper()
        value = logical[km.end() :].strip()
        # Heredocs: their bodies follow the instruction line(s) and end at the delimiter.
        if keyword in ("RUN", "COPY", "ADD") and "<<" in value:
            bodies: list[str] = []
            for hm in HEREDOC_RE.finditer(value):
                strip_tabs, delim = hm.group(1) == "-", hm.group(3)
                while i < n:
                    body_line = lines[i].lstrip("\t") if strip_tabs else lines[i]
                    i += 1
                    bodies.append(body_line)
                    if body_line.rstrip() == delim:
                        break
                else:
                    errors.append(
                        LoadError(
                            src.path,
                            f"heredoc <<{delim} is not terminated",
                            "parse-error",
                            first_line + 1,
                        )
                    )
                last_line = min(i - 1, n - 1)
            if bodies:  # keep heredoc bodies in the value (secret scanning reads them)
                value = value + "\n" + "\n".join(bodies)
        indent = len(line) - len(line.lstrip())
        end_column = len(lines[last_line])
        # the Location src.location(start, end) gives, without two bisects: both lines
        # are known here
        location = Location(
            src.path,
            first_line + 1,
            indent + 1,
            last_line + 1,
            end_column + 1,
            starts[first_line] + indent,
            starts[last_line] + end_column,
        )
        if keyword not in INSTRUCTIONS:
            errors.append(
                LoadError(
                    src.path, f"unknown instruction {km.group(1)!r}", "parse-error", first_line + 1
                )
            )
            continue
        flags: dict[str, str] = {}
        if keyword in FLAGGED:
            flags, value = _split_flags(value)
        exec_form: list[str] | None = None
        if keyword in EXEC_FORM:
            exec_form = _exec_array(value)
        elif keyword == "HEALTHCHECK":
            hc = value.split(None, 1)
            if hc and hc[0].upper() == "CMD" and len(hc) > 1:
                exec_form = _exec_array(hc[1])
            elif not hc or hc[0].upper() not in ("CMD", "NONE"):
                errors.append(
                    LoadError(
                        src.path,
                        "HEALTHCHECK needs CMD <command> or NONE",
                        "parse-error",
                        first_line + 1,
                    )
                )
        ins = Instruction(keyword, value, location, exec_form, flags)
        if keyword == "FROM":
            words = value.split()
            if not words:
                errors.append(
                    LoadError(src.path, "FROM without an image", "parse-error", first_line + 1)
                )
                continue
            name = None
            if len(words) >= 3 and words[1].upper() == "AS":
                name = words[2]
            elif len(words) > 1:
                errors.append(
                    LoadError(
                        src.path,
                        f"unexpected words after FROM image: {' '.join(words[1:])!r}",
                        "parse-error",
                        first_line + 1,
                    )
                )
            stage = Stage(words[0], name, location)
            df.stages.append(stage)
            continue
        if stage is None:
            if keyword == "ARG":
                df.args.update(ins.env)
                continue
            errors.append(
                LoadError(
                    src.path, f"{keyword} before the first FROM", "parse-error", first_line + 1
                )
            )
            continue
        stage.instructions.append(ins)
    if not df.stages:
        if any(line.strip() and not line.strip().startswith("#") for line in lines):
            errors.append(LoadError(src.path, "no FROM instruction", "parse-error", 1))
        return (df if df.args else None), errors
    return df, errors


__all__ = ["load_dockerfile", "parse_env"]
