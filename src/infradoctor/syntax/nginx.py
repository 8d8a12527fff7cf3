"""nginx tokenizer and parser that keeps exact offsets and comments.

One compiled-regex pass over the text builds `Directive` trees whose locations cover the
whole directive source (name .. `;` or closing `}`), so fixers can replace directives and
insert into blocks at `block_close`. Bad input never raises: problems become LoadErrors
and parsing continues with what could be understood. Shared by the nginx loader and the
nginx fixers.
"""

from __future__ import annotations

import re
from dataclasses import field

from infradoctor.lazyre import lazy
from infradoctor.model.nginx import Directive
from infradoctor.model.source import LoadError, Location, SourceFile
from infradoctor.records import record

# A word is a run of pieces: plain characters, `${VAR}`, template expressions `{{ ... }}` /
# `{% ... %}`, backslash escapes, a lone `$`. It may not *start* with a quote or `#`
# (those start a string / comment) but may contain them, as in nginx. `}` ends a word
# (nginx would keep it, but `x}` is never meant as a word and this keeps
# `{ return 404}` sane). Possessive quantifiers: no backtracking on hostile input.
_WORD = (
    r"(?![\"'#])(?:[^\s;{}\\$]++|\$\{[^}\s]*\}|\{\{[^\n]{0,300}?\}\}"
    r"|\{%[^\n]{0,300}?%\}|\\.|\$)++"
)

# No whitespace token: finditer() skips it (the `bad` branch never matches whitespace).
TOKEN_RE = re.compile(
    r"(?P<comment>\#[^\n]*+)"
    # Jinja/Liquid statements and comments
    r"|(?P<tplstmt>\{%[^\n]{0,300}?%\}|\{\#[^\n]{0,300}?\#\})"
    rf"|(?P<word>{_WORD})"
    r"|(?P<dq>\"(?:[^\"\\]++|\\.)*+\")"
    r"|(?P<sq>'(?:[^'\\]++|\\.)*+')"
    r"|(?P<open>\{)"
    r"|(?P<close>\})"
    r"|(?P<semi>;)"
    r"|(?P<bad>\S)",
    re.DOTALL,
)

# Real configs nest a handful of levels; the tree helpers recurse, so cap it.
MAX_DEPTH = 64
MAX_ERRORS = 20  # per file: one broken file must not flood the report

# Template markers: envsubst `${VAR}` and Jinja/gomplate/Liquid/Helm `{{ }}` / `{% %}`.
TEMPLATE_RE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}|\{\{|\{%")
_STANDALONE_TEMPLATE_RE = re.compile(r"\{\{.*\}\}|\$\{[A-Z_][A-Z0-9_]*\}")
TEMPLATE_LOGIC_RE = re.compile(r"\{%|\{\{-?\s*(?:if|end|else|range|for|with)\b")
NGINX_T_MARKER_RE = lazy(r"^# configuration file (.+?):[ \t]*$", re.MULTILINE)

# Block directives whose arguments are names or values (a map, an upstream called
# `location`): "location" among their arguments is no sign of a missing `;`.
_NAMING_BLOCKS = frozenset(
    {"location", "if", "upstream", "map", "geo", "split_clients", "types", "match"}
)
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE_RE = lazy(r"\\(.)", re.DOTALL)


# Blocks nginx accepts only in the main context (of nginx.conf or a file included there),
# and the blocks a `server {}` may never sit in.
_MAIN_ONLY_BLOCKS = frozenset({"http", "events", "stream", "mail"})
_NO_SERVER_INSIDE = frozenset({"location", "server", "if", "upstream", "limit_except"})


def _misplaced_block(name: str, parent: str | None) -> bool:
    """A block nginx rejects where it is written (`"http" directive is not allowed
    here`): a file with one is a parse error, so no fix edits it."""
    if parent is None:
        return False
    return name in _MAIN_ONLY_BLOCKS or (name == "server" and parent in _NO_SERVER_INSIDE)


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


@record(hot=True)
class Comment:
    """A full-line comment (kept for suppression handling and fixers)."""

    text: str  # without the leading `#`
    location: Location


@record
class ParsedFile:
    """The top-level directives of one (virtual) file plus its comments and errors.
    `directives` have `parent=None` at the top; the loader re-parents them when splicing."""

    path: str
    directives: list[Directive]
    comments: list[Comment] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    template: bool = False  # contains ${VAR} or {{ }} / {% %} template markup


@record(hot=True)
class _Frame:
    directive: Directive | None  # None for the top level
    children: list[Directive]


def _lua_block_end(text: str, pos: int, end: int) -> int:
    """Offset of the `}` that closes a Lua block whose `{` is just before `pos`
    (skipping Lua strings and comments), or -1 when unbalanced."""
    depth = 1
    i = pos
    while i < end:
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        elif ch in "\"'":
            j = i + 1
            while j < end and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j
        elif ch == "-" and text.startswith("--", i):
            if text.startswith("--[[", i):
                close = text.find("]]", i + 4, end)
                i = end if close == -1 else close + 1
            else:
                nl = text.find("\n", i, end)
                i = end if nl == -1 else nl
        elif ch == "[" and text.startswith("[[", i):
            close = text.find("]]", i + 2, end)
            i = end if close == -1 else close + 1
        i += 1
    return -1


def parse_nginx(  # noqa: C901
    src: SourceFile, start: int = 0, end: int | None = None, path: str | None = None
) -> ParsedFile:
    """Parse src.text[start:end] (a whole file, or one file of an `nginx -T` dump).
    Locations name `path` (default src.path) and offsets index into src.text."""
    text = src.text
    end = len(text) if end is None else end
    fname = path or src.path
    result = ParsedFile(fname, [], template=bool(TEMPLATE_RE.search(text, start, end)))
    errors = result.errors
    # Jinja/gomplate/Liquid control flow (`{% if %}`, `{{ end }}`) can make the text
    # unbalanced until rendered: those errors are a limit of static checking, not a bug.
    error_kind = "template" if TEMPLATE_LOGIC_RE.search(text, start, end) else "parse-error"
    error_note = (
        " (template markup; checked as far as it parses)" if error_kind == "template" else ""
    )
    # Locations are built in increasing offset order, so a cursor that counts newlines
    # as it moves is cheaper than a bisect per position.
    cur_off, cur_line, cur_line_start = start, 1, 0
    if start:
        cur_line, col = src.position_of(start)
        cur_line_start = start - col + 1

    def advance(offset: int) -> tuple[int, int]:
        nonlocal cur_off, cur_line, cur_line_start
        if offset < cur_off:  # never expected; stay correct anyway
            return src.position_of(offset)
        nl = text.count("\n", cur_off, offset)
        if nl:
            cur_line += nl
            cur_line_start = text.rfind("\n", cur_off, offset) + 1
        cur_off = offset
        return cur_line, offset - cur_line_start + 1

    def loc(a: int, b: int) -> Location:
        """`advance(a)` then `advance(b)`, inlined (one call per directive, not three)."""
        nonlocal cur_off, cur_line, cur_line_start
        if a < cur_off:  # never expected; stay correct anyway
            line, col = src.position_of(a)
        else:
            if nl := text.count("\n", cur_off, a):
                cur_line += nl
                cur_line_start = text.rfind("\n", cur_off, a) + 1
            cur_off = a
            line, col = cur_line, a - cur_line_start + 1
        if b < cur_off:
            eline, ecol = src.position_of(b)
        else:
            if nl := text.count("\n", cur_off, b):
                cur_line += nl
                cur_line_start = text.rfind("\n", cur_off, b) + 1
            cur_off = b
            eline, ecol = cur_line, b - cur_line_start + 1
        return Location(fname, line, col, eline, ecol, a, b)

    def error(offset: int, message: str) -> None:
        if len(errors) > MAX_ERRORS:
            return
        line, col = src.position_of(offset)
        if len(errors) == MAX_ERRORS:
            message = "too many parse errors; further ones are not reported"
        errors.append(LoadError(fname, message + error_note, error_kind, line, col))

    top = _Frame(None, result.directives)
    stack: list[_Frame] = [top]
    # Pending directive: its words and the offset of its first word.
    words: list[str] = []
    first_start = -1
    last_end = -1
    # The most recently finished directive (for trailing comments) and its end line.
    last_done: Directive | None = None
    last_done_end = -1
    scan_from: int | None = start
    while scan_from is not None:
        resume, scan_from = scan_from, None
        for m in TOKEN_RE.finditer(text, resume, end):
            kind = m.lastgroup
            tok_start, pos = m.span()
            if kind == "word":
                word = m.group()
                # (the pattern only matches words starting with `{{` or `${`)
                if not words and word[0] in "{$" and _STANDALONE_TEMPLATE_RE.fullmatch(word):
                    # `{{ end }}` or `${HTTPS_CONFIG}` alone on its line stands for template
                    # markup / whole directives: skip it like a comment.
                    nl = text.find("\n", pos, end)
                    tail = text[pos : end if nl == -1 else nl].strip()
                    if not tail or tail.startswith("#"):
                        continue
                if not words:
                    first_start = tok_start
                words.append(word)
                last_end = pos
                continue
            if kind == "dq" or kind == "sq":
                if not words:
                    first_start = tok_start
                words.append(_unescape(text[tok_start + 1 : pos - 1]))
                last_end = pos
                continue
            if kind == "comment" or kind == "tplstmt":
                if kind == "comment":
                    body = m.group()[1:]
                    if (
                        last_done is not None
                        and not words
                        and last_done.comment is None
                        and "\n" not in text[last_done_end:tok_start]
                    ):
                        last_done.comment = body.strip()
                    else:
                        result.comments.append(Comment(body, loc(tok_start, pos)))
                continue
            if kind == "semi":
                if not words:
                    error(tok_start, 'unexpected ";"')
                    continue
                d = Directive(words[0], words[1:], loc(first_start, pos), None, stack[-1].directive)
                if d.name == "if":
                    _strip_if_parens(d)
                stack[-1].children.append(d)
                words = []
                last_done, last_done_end = d, pos
                continue
            if kind == "open":
                if not words:
                    error(tok_start, 'unexpected "{" (block without a directive name)')
                    words, first_start = ["{"], tok_start
                if "location" in words[1:] and words[0] not in _NAMING_BLOCKS:
                    # `listen 80` / `$a` + `location /x {`: a directive missing its `;`
                    # before a location (nginx rejects it); the block is no route.
                    error(
                        first_start,
                        f'missing ";" after "{words[0]}" before "location"',
                    )
                if words[0] == "location" and not 2 <= len(words) <= 3:
                    # nginx: `invalid number of arguments in "location" directive`;
                    # the block is no route (its passes are not checked or edited).
                    error(first_start, 'invalid number of arguments in "location" directive')
                parent = stack[-1].directive
                if _misplaced_block(words[0], parent.name if parent is not None else None):
                    # nginx: `"http" directive is not allowed here` (nginx -t fails)
                    error(first_start, f'"{words[0]}" directive is not allowed here')
                d = Directive(
                    words[0],
                    words[1:],
                    loc(first_start, pos),
                    block=[],
                    parent=parent,
                    block_open=tok_start,
                )
                if d.name == "if":
                    _strip_if_parens(d)
                stack[-1].children.append(d)
                words = []
                if d.name.endswith("_by_lua_block"):
                    close = _lua_block_end(text, pos, end)
                    if close == -1:
                        error(tok_start, f'unbalanced braces: "{d.name}" block is not closed')
                        d.location = loc(first_start, end)
                        pos = end
                        break
                    d.block_close = close
                    pos = close + 1
                    d.location = loc(first_start, pos)
                    last_done, last_done_end = d, pos
                    scan_from = pos  # resume tokenising after the opaque Lua block
                    break
                # A comment right after `{` on the same line describes the block.
                last_done, last_done_end = d, pos
                stack.append(_Frame(d, d.block))  # type: ignore[arg-type]
                if len(stack) > MAX_DEPTH:
                    error(
                        tok_start,
                        f"blocks nested deeper than {MAX_DEPTH} levels; "
                        "the rest of the file is skipped",
                    )
                    scan_from = None
                    break
                continue
            if kind == "close":
                if words:
                    error(last_end, f'missing ";" after "{words[0]}" before "}}"')
                    frame = stack[-1]
                    d = Directive(
                        words[0], words[1:], loc(first_start, last_end), None, frame.directive
                    )
                    frame.children.append(d)
                    words = []
                if len(stack) == 1:
                    error(tok_start, 'unexpected "}" (no block is open)')
                    continue
                frame = stack.pop()
                blk = frame.directive
                assert blk is not None
                blk.block_close = tok_start
                bl = blk.location
                eline, ecol = advance(pos)
                blk.location = Location(fname, bl.line, bl.column, eline, ecol, bl.offset, pos)
                last_done, last_done_end = blk, pos
                continue
            # kind == "bad": an unterminated quote (everything else is a word char).
            ch = m.group()
            if ch in "\"'":
                error(tok_start, f"unterminated quoted string starting with {ch}")
                pos = end
                break
            error(tok_start, f"unexpected character {ch!r}")
    if words:
        error(last_end, f'missing ";" at end of file after "{words[0]}"')
        frame = stack[-1]
        frame.children.append(
            Directive(words[0], words[1:], loc(first_start, last_end), None, frame.directive)
        )
    while len(stack) > 1:
        frame = stack.pop()
        blk = frame.directive
        assert blk is not None
        line = blk.location.line
        error(
            blk.location.offset or 0,
            f'unbalanced braces: "{blk.name}" block opened at line {line} is not closed',
        )
        blk.location = loc(blk.location.offset or 0, end)
    return result  # each directive got its parent (its frame's block) when it was made


def _strip_if_parens(d: Directive) -> None:
    """`if ($a = b)` tokenises as `($a`, `=`, `b)`: keep the condition without parens."""
    args = d.args
    if args and args[0].startswith("("):
        args[0] = args[0][1:]
        if not args[0]:
            del args[0]
    if args and args[-1].endswith(")"):
        args[-1] = args[-1][:-1]
        if not args[-1]:
            del args[-1]


def split_nginx_t(text: str) -> list[tuple[str, int, int]]:
    """Split `nginx -T` output into virtual files: (path, start, end) offsets into text.
    Empty when the text has no `# configuration file <path>:` markers."""
    marks = list(NGINX_T_MARKER_RE.finditer(text))
    out: list[tuple[str, int, int]] = []
    for i, m in enumerate(marks):
        body_start = m.end() + 1 if m.end() < len(text) else m.end()
        body_end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out.append((m.group(1).strip(), min(body_start, body_end), body_end))
    return out


def is_nginx_t_dump(text: str) -> bool:
    return NGINX_T_MARKER_RE.search(text) is not None


def clone(d: Directive, parent: Directive | None) -> Directive:
    """A deep copy (a file included twice needs its own parent links each time)."""
    c = Directive(
        d.name, list(d.args), d.location, None, parent, d.block_open, d.block_close, d.comment
    )
    if d.block is not None:
        c.block = [clone(x, c) for x in d.block]
    return c


def directive_source(src: SourceFile, d: Directive) -> str:
    """The exact source text of a directive (for messages and tests)."""
    loc = d.location
    if loc.offset is None or loc.end_offset is None:
        return ""
    return src.text[loc.offset : loc.end_offset]


__all__ = [
    "Comment",
    "ParsedFile",
    "clone",
    "directive_source",
    "is_nginx_t_dump",
    "parse_nginx",
    "split_nginx_t",
]
