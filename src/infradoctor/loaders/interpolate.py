"""Compose variable interpolation and `.env` parsing, as the compose specification says.

Supported: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`,
`${VAR:+alt}`, `${VAR+alt}`, nested expressions inside the word (`${A:-${B}}`) and `$$` for
a literal `$`. As in compose, `$` followed by anything else (`$1`, `$ `) stays literal, an
unset variable without an operator becomes "" (compose only warns), and a malformed `${...}`
is an error. Nothing here raises: problems come back as messages, and the tree-level
helper turns them into LoadError kind "interpolation" at the line of the value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import field
from itertools import islice

from infradoctor.facts.env import UNSET_MARK
from infradoctor.lazyre import lazy
from infradoctor.model.source import LoadError
from infradoctor.records import record
from infradoctor.syntax.yaml import PEntry, PNode

_NAME_RE = lazy(r"[_a-zA-Z][_a-zA-Z0-9]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")

Lookup = Callable[[str], "str | None"]


@record(hot=True)
class Interpolation:
    """Result of interpolating one string."""

    text: str
    errors: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # unset variables used without default
    required: list[str] = field(default_factory=list)  # `${VAR:?}` vars that were missing
    mark: str = ""  # what an unset variable becomes ("" as compose does, or UNSET_MARK)


def escape(text: str) -> str:
    """The compose-escaped form of literal text (`$` -> `$$`)."""
    return text.replace("$", "$$")


def _closing_brace(text: str, start: int) -> int:
    """Index of the `}` closing a `${` whose body starts at `start` (nested `${` counted,
    `$$` skipped), or -1."""
    close = text.find("}", start)
    if close == -1 or text.find("$", start, close) == -1:
        return close  # the usual `${NAME...}`: nothing nested before the first `}`
    depth = 1
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "$" and i + 1 < n:
            nxt = text[i + 1]
            if nxt == "$":
                i += 2
                continue
            if nxt == "{":
                depth += 1
                i += 2
                continue
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _as_lookup(env: Mapping[str, str] | Lookup) -> Lookup:
    if isinstance(env, Mapping):
        return env.get
    return env


def interpolate(text: str, env: Mapping[str, str] | Lookup) -> Interpolation:
    """Substitute variables in `text` from `env` (a mapping or a lookup function)."""
    result = Interpolation("")
    if "$" not in text:
        result.text = text
        return result
    result.text = _expand(text, _as_lookup(env), result, 0)
    return result


def _expand(text: str, lookup: Lookup, result: Interpolation, level: int) -> str:
    if level > 32:
        result.errors.append("interpolation nested too deeply")
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        j = text.find("$", i)
        if j == -1:
            out.append(text[i:])
            break
        out.append(text[i:j])
        if j + 1 >= n:
            out.append("$")
            break
        nxt = text[j + 1]
        if nxt == "$":
            out.append("$")
            i = j + 2
            continue
        if nxt == "{":
            i = _braced(text, j, lookup, result, level, out)
            continue
        m = _NAME_RE.match(text, j + 1)
        if m is None:  # `$1`, `$ `, `$-`: compose leaves these alone
            out.append("$")
            i = j + 1
            continue
        value = lookup(m.group())
        if value is None:
            result.missing.append(m.group())
            value = result.mark
        out.append(value)
        i = m.end()
    return "".join(out)


def _braced(
    text: str, start: int, lookup: Lookup, result: Interpolation, level: int, out: list[str]
) -> int:
    """Handle `${...}` at `start`; append the substitution to `out`; return the index after."""
    body_start = start + 2
    close = _closing_brace(text, body_start)
    if close == -1:
        result.errors.append(f"unclosed '${{' in {text[start : start + 40]!r}")
        out.append(text[start:])
        return len(text)
    m = _NAME_RE.match(text, body_start)
    if m is None:
        result.errors.append(f"invalid interpolation format {text[start : close + 1]!r}")
        out.append(text[start : close + 1])
        return close + 1
    name = m.group()
    pos = m.end()
    if pos == close:
        value = lookup(name)
        if value is None:
            result.missing.append(name)
            value = result.mark
        out.append(value)
        return close + 1
    op = next((o for o in _OPERATORS if text.startswith(o, pos)), None)
    if op is None:
        result.errors.append(f"invalid interpolation format {text[start : close + 1]!r}")
        out.append(text[start : close + 1])
        return close + 1
    word = text[pos + len(op) : close]
    value = lookup(name)
    is_set = value is not None
    non_empty = bool(value)
    if op in (":-", "-"):
        use_default = not non_empty if op == ":-" else not is_set
        out.append(_expand(word, lookup, result, level + 1) if use_default else value or "")
    elif op in (":?", "?"):
        missing = not non_empty if op == ":?" else not is_set
        if missing:
            message = _expand(word, lookup, result, level + 1)
            result.required.append(name)
            result.errors.append(
                f"required variable {name} is missing a value" + (f": {message}" if message else "")
            )
            out.append(result.mark)
        else:
            out.append(value or "")
    else:  # ":+" / "+"
        use_alt = non_empty if op == ":+" else is_set
        out.append(_expand(word, lookup, result, level + 1) if use_alt else "")
    return close + 1


# ------------------------------------------------------------------ trees


def interpolate_tree(
    node: PNode,
    env: Mapping[str, str] | Lookup,
    errors: list[LoadError],
    missing: set[str] | None = None,
    *,
    report_required: bool = True,
    unset_marked: dict[int, str] | None = None,
) -> PNode:
    """A copy of `node` with every string scalar value interpolated (keys are left alone,
    as compose does). Shared (aliased) nodes stay shared. Errors are appended to `errors`
    as LoadError kind "interpolation" at the value's file and line; with
    `report_required=False` a missing `${VAR:?}` variable just becomes "" (and is added
    to `missing`) instead of being an error. `unset_marked` receives, for every new scalar
    that used an unset variable without a default, id(scalar) -> its text with UNSET_MARK
    where the unset values went (the scalars stay alive in the returned tree)."""
    lookup = _as_lookup(env)
    memo: dict[int, PNode] = {}

    def walk(n: PNode) -> PNode:
        if n.kind == "scalar" and not (isinstance(n.scalar, str) and "$" in n.scalar):
            return n  # most scalars: unchanged, nothing to remember
        done = memo.get(id(n))
        if done is not None:
            return done
        if n.kind == "scalar":
            new = n
            if isinstance(n.scalar, str) and "$" in n.scalar:
                # one expansion serves both texts when the mark cannot be confused with
                # the value's own characters: a 1 MB value was expanded twice per lint
                one_pass = unset_marked is not None and UNSET_MARK not in n.scalar
                res = Interpolation("", mark=UNSET_MARK if one_pass else "")
                res.text = _expand(n.scalar, lookup, res, 0)
                marked_text = res.text
                if one_pass:
                    res.text = marked_text.replace(UNSET_MARK, "")
                for msg in res.errors:
                    if not report_required and msg.startswith("required variable "):
                        continue
                    loc = n.location
                    errors.append(LoadError(loc.file, msg, "interpolation", loc.line, loc.column))
                if missing is not None:
                    missing.update(res.missing)
                    missing.update(res.required)
                new = n.copy_with(scalar=res.text)
                if unset_marked is not None and (res.missing or res.required):
                    if not one_pass:
                        marked = Interpolation("", mark=UNSET_MARK)
                        marked_text = _expand(n.scalar, lookup, marked, 0)
                    unset_marked[id(new)] = marked_text
        elif n.kind == "sequence":
            items = [
                i
                if i.kind == "scalar" and not (isinstance(i.scalar, str) and "$" in i.scalar)
                else walk(i)
                for i in n.items
            ]
            new = (
                n
                if all(a is b for a, b in zip(items, n.items, strict=True))
                else n.copy_with(items=items)
            )
        else:
            entries: dict[Hashable, PEntry] | None = None  # copied from the first change on
            for index, (key, entry) in enumerate(n.entries.items()):
                value = entry.value
                if value.kind != "scalar" or (
                    isinstance(value.scalar, str) and "$" in value.scalar
                ):
                    value = walk(value)  # (an unchanged scalar without the call: most)
                if entries is None and value is not entry.value:
                    entries = {
                        k: e.with_value(e.value) for k, e in islice(n.entries.items(), index)
                    }
                if entries is not None:
                    entries[key] = entry.with_value(value)
            new = n if entries is None else n.copy_with(entries=entries)
        memo[id(n)] = new
        return new

    try:
        return walk(node)
    finally:
        # `walk` refers to itself through its closure; that cycle would keep the memo
        # (every node of both trees) alive until the next full garbage collection.
        memo.clear()


# ------------------------------------------------------------------ .env files


@record
class EnvFile:
    """Parsed `.env` / `env_file`: values, the 1-based line of each, and problems."""

    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)  # syntax problems
    interpolation_errors: list[tuple[int, str]] = field(default_factory=list)


_ENV_KEY_RE = lazy(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_DQ_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$$"}


def parse_env_file(text: str, env: Mapping[str, str] | Lookup | None = None) -> EnvFile:
    """Parse dotenv text: `KEY=VAL`, `export KEY=VAL`, `#` comments, single quotes
    (literal), double quotes (escapes, multi-line, interpolation), unquoted values (inline
    ` #` comments, interpolation). `${VAR}` in values sees earlier keys of the file first,
    then `env`. A bare `KEY` takes its value from `env` (skipped when unset)."""
    result = EnvFile()
    outer = _as_lookup(env) if env is not None else (lambda _n: None)

    def lookup(name: str) -> str | None:
        if name in result.values:
            return result.values[name]
        return outer(name)

    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        lineno = i + 1
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[7:].lstrip()
        m = _ENV_KEY_RE.match(line)
        if m is None:
            result.errors.append((lineno, f"invalid line {line[:40]!r}"))
            continue
        key = m.group()
        rest = line[m.end() :].lstrip()
        if not rest or rest.startswith("#"):
            value_from_env = outer(key)
            if value_from_env is not None:
                result.values[key] = value_from_env
                result.lines[key] = lineno
            continue
        if rest[0] not in "=:":
            result.errors.append((lineno, f"invalid line {line[:40]!r}: expected '='"))
            continue
        raw = rest[1:].lstrip()
        if raw[:1] in ("'", '"'):
            quote = raw[0]
            body = raw[1:]
            collected: list[str] = []
            while True:
                end = _closing_quote(body, quote)
                if end != -1:
                    collected.append(body[:end])
                    break
                collected.append(body)
                if i >= len(lines):
                    result.errors.append((lineno, f"unterminated {quote} quote"))
                    break
                body = "\n" + lines[i]
                i += 1
            content = "".join(collected)
            if quote == "'":
                value = content
            else:
                value = _expand_dq(content, lookup, result, lineno)
        else:
            if "#" in raw:  # an inline comment starts at whitespace + `#`
                raw = re.split(r"\s#", raw, maxsplit=1)[0]
            value = raw.rstrip()
            if "$" in value:
                res = Interpolation("")
                value = _expand(value, lookup, res, 0)
                result.interpolation_errors.extend((lineno, e) for e in res.errors)
        result.values[key] = value
        result.lines[key] = lineno
    return result


def _closing_quote(body: str, quote: str) -> int:
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and quote == '"':
            i += 2
            continue
        if ch == quote:
            return i
        i += 1
    return -1


def _expand_dq(content: str, lookup: Lookup, result: EnvFile, lineno: int) -> str:
    out: list[str] = []
    i = 0
    while i < len(content):
        ch = content[i]
        if ch == "\\" and i + 1 < len(content):
            out.append(_DQ_ESCAPES.get(content[i + 1], "\\" + content[i + 1]))
            i += 2
            continue
        out.append(ch)
        i += 1
    res = Interpolation("")
    value = _expand("".join(out), lookup, res, 0)
    result.interpolation_errors.extend((lineno, e) for e in res.errors)
    return value


def project_environment(
    dotenv: str | EnvFile | None, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The variables compose interpolates with: the process environment (`env`, else
    os.environ) over the project's `.env` (its text, or an already parsed EnvFile)."""
    process = dict(os.environ if env is None else env)
    merged: dict[str, str] = {}
    if isinstance(dotenv, str):
        dotenv = parse_env_file(dotenv, process)
    if dotenv is not None:
        merged.update(dotenv.values)
    merged.update(process)
    return merged


__all__ = [
    "UNSET_MARK",
    "EnvFile",
    "Interpolation",
    "escape",
    "interpolate",
    "interpolate_tree",
    "parse_env_file",
    "project_environment",
]
