"""A small HCL2 (Terraform native syntax) parser that keeps character offsets.

Why our own and not python-hcl2 or tree-sitter-hcl: docs/terraform.md has the numbers.
In short, python-hcl2 (Lark) gives no positions and is slow; tree-sitter needs two wheels
and a walk over a concrete syntax tree. We only need blocks, attributes and the values
of literal expressions (strings, heredocs, numbers, lists, objects, calls such as
`file()`), so this is a single left-to-right pass: linear, bounded in depth, and every
problem is an `HclError` with the offset where it was seen (the loader turns it into a
LoadError naming file:line). Expressions we do not evaluate (operators, conditionals,
`for`, splats) are still parsed for their extent and kept as `opaque`.
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import Any

from infradoctor.lazyre import lazy
from infradoctor.records import record

MAX_DEPTH = 100  # nested blocks + expressions; deeper input is refused, never a RecursionError

_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_CHARS = _IDENT_START | frozenset("0123456789-")
_DIGITS = frozenset("0123456789")
# `/` followed by `/` or `*` starts a comment, not a division
_OPERATOR_RE = lazy(r"==|!=|<=|>=|&&|\|\||[-+*%<>]|/(?![/*])")
_IDENT_RE = lazy(r"[A-Za-z_][A-Za-z0-9_-]*")
_SKIP = re.compile(r"(?:[ \t\r]+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_SKIP_NL = re.compile(r"(?:[ \t\r\n]+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_SKIP_FIRST = frozenset(" \t\r\n#/")
_SKIP_INLINE = frozenset(" \t\r#/")  # what a match of _SKIP alone can start with
_AFTER_OPERAND = frozenset(
    "=!<>&|-+*%/?"
)  # what an operator or `?` can start with  # what a match of _SKIP or _SKIP_NL can start with
_QUOTED_RUN = re.compile(r'[^"\\\n$%]+')
# Fast paths for the commonest shapes; anything else takes the general path from the
# same offset, so results and errors are the same either way.
_PLAIN_STRING = re.compile(r'"([^"\\\n$%]*)"')  # no escape, interpolation or directive
_PLAIN_REF = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)(?:\.[A-Za-z0-9_][A-Za-z0-9_-]*)*")
# `  name = ` (the indentation is all a skip would pass: a name cannot be skipped)
_ATTR_HEAD = re.compile(r"[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*=(?!=)[ \t]*")
_KEY_HEAD = re.compile(
    r'[ \t]*((?:([A-Za-z_][A-Za-z0-9_-]*)|"([^"\\\n$%]*)"))[ \t]*(?:=(?!=)|:)[ \t]*'
)  # `  name = ` or `  "plain text" = `
_KEYWORDS = frozenset(("true", "false", "null"))
# a value that ends its line: "text" | digits | name(.name)*, then blanks and the newline
_LINE_VALUE = re.compile(
    r'(?:"([^"\\\n$%]*)"|([0-9]+)|(([A-Za-z_][A-Za-z0-9_-]*)(?:\.[A-Za-z0-9_][A-Za-z0-9_-]*)*))'
    r"[ \t]*\n"
)
_NOT_PLAIN_AFTER = frozenset(".[(")  # a postfix or a call follows: the general path
_HEREDOC_RUN = re.compile(r"[^$%]+")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


class HclError(Exception):
    """Malformed HCL at character `offset`."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@record(hot=True)
class Expr:
    """One expression. kind: literal (value), template (parts: str | Expr; `directive`
    when it holds `%{ }`), list (items), object (pairs), call (name, items), ref (name:
    the traversal text, `var.x`), opaque (anything else)."""

    kind: str
    start: int
    end: int = 0
    value: Any = None
    parts: list[str | Expr] = field(default_factory=list)
    items: list[Expr] = field(default_factory=list)
    pairs: list[tuple[str | None, int, Expr]] = field(default_factory=list)
    name: str = ""
    heredoc: bool = False
    strip_indent: bool = False  # `<<-EOF`
    content_start: int = 0  # first character of a string's content (heredoc: next line)
    directive: bool = False


@record(hot=True)
class Attribute:
    name: str
    start: int  # the name
    expr: Expr


@record(hot=True)
class Block:
    type: str
    labels: list[str]
    start: int  # the block type
    body: list[Attribute | Block]
    end: int = 0

    def attr(self, name: str) -> Attribute | None:
        for item in self.body:
            if isinstance(item, Attribute) and item.name == name:
                return item
        return None

    def blocks(self, type_: str) -> list[Block]:
        return [b for b in self.body if isinstance(b, Block) and b.type == type_]


def parse(text: str) -> list[Attribute | Block]:
    """The top-level body of a .tf file. Raises HclError on malformed input."""
    return _Parser(text).parse_file()


def parse_template(text: str) -> Expr:
    """A whole file as a template (`templatefile()`): literal text and `${ }` parts."""
    parser = _Parser(text)
    expr = Expr("template", 0, heredoc=True)
    parser.template_parts(expr, end_quote=False, limit=len(text))
    expr.end = len(text)
    return expr


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.i = 0
        self.depth = 0

    # ------------------------------------------------------------ low level
    def error(self, message: str, offset: int | None = None) -> HclError:
        return HclError(message, self.i if offset is None else offset)

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.text[j] if j < self.n else ""

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep")

    def skip(self, newlines: bool) -> None:
        """Skip blanks and comments (and newlines when `newlines`)."""
        text, i = self.text, self.i
        if i < self.n and text[i] not in _SKIP_FIRST:
            return  # most calls: nothing to skip, no regex to run
        m = (_SKIP_NL if newlines else _SKIP).match(text, i)
        if m is not None:  # always (the pattern is a `*`)
            self.i = i = m.end()
        if text.startswith("/*", i):
            raise self.error("unterminated /* comment")

    def ident(self) -> str:
        m = _IDENT_RE.match(self.text, self.i)
        if m is None:
            raise self.error(f"expected a name, found {self.describe()}")
        self.i = m.end()
        return m.group()

    def describe(self) -> str:
        c = self.peek()
        if not c:
            return "end of file"
        return "a newline" if c == "\n" else repr(c)

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.error(f"expected {char!r}, found {self.describe()}")
        self.i += 1

    # ------------------------------------------------------------ structure
    def parse_file(self) -> list[Attribute | Block]:
        body = self.parse_body(None)
        return body

    def parse_body(self, open_at: int | None) -> list[Attribute | Block]:
        body: list[Attribute | Block] = []
        text = self.text
        while True:
            head = _ATTR_HEAD.match(text, self.i)  # `  name = `: most items
            if head is None:
                self.skip(newlines=True)
                if self.i >= self.n:
                    if open_at is not None:
                        raise self.error("block opened here is never closed ('}' missing)", open_at)
                    return body
                if text[self.i] == "}":
                    if open_at is None:
                        raise self.error("unexpected '}'")
                    self.i += 1
                    return body
                head = _ATTR_HEAD.match(text, self.i)
            if head is not None:
                self.i = head.end()
                expr = self.line_value()
                if expr is None:
                    if text[self.i : self.i + 1] in _SKIP_INLINE:
                        self.skip(newlines=False)
                    expr = self.parse_expr(newlines=False)
                    self.end_item()
                body.append(Attribute(head.group(1), head.start(1), expr))
                continue
            start = self.i
            name = self.ident()
            self.skip(newlines=False)
            if self.peek() == "=" and self.peek(1) != "=":
                self.i += 1
                self.skip(newlines=False)
                body.append(Attribute(name, start, self.parse_expr(newlines=False)))
            else:
                body.append(self.parse_block(name, start))
            self.end_item()

    def line_value(self) -> Expr | None:
        """A plain string, integer, keyword or reference that ends its line (most values),
        read past the newline; None (nothing read) for anything else."""
        if self.depth >= MAX_DEPTH:
            return None  # the general path refuses the value: same error, same offset
        m = _LINE_VALUE.match(self.text, self.i)
        if m is None:
            return None
        start, end = self.i, m.end(m.lastindex or 0) + (m.lastindex == 1)
        if m.lastindex == 1:  # "text"
            content = m.group(1)
            parts: list[str | Expr] = [content] if content else []
            expr = Expr("template", start, end, parts=parts, content_start=start + 1)
        elif m.lastindex == 2:  # digits
            if end - start > 1000:
                return None
            expr = Expr("literal", start, end, value=int(m.group(2)))
        else:
            word = m.group(3)
            if word in _KEYWORDS:
                expr = Expr("literal", start, end, value=None if word == "null" else word == "true")
            elif m.group(4) in _KEYWORDS:
                return None  # `true.x`: opaque on the general path
            else:
                expr = Expr("ref", start, end, name=word)
        self.i = m.end()
        return expr

    def end_item(self) -> None:
        """An attribute or block ends at a newline, a `}` or the end of the file."""
        if self.text.startswith("\n", self.i):  # most items: nothing to skip
            self.i += 1
            return
        self.skip(newlines=False)
        c = self.peek()
        if c == "\n":
            self.i += 1
        elif c not in ("}", ""):
            raise self.error(f"expected a newline, found {self.describe()}")

    def parse_block(self, type_: str, start: int) -> Block:
        labels: list[str] = []
        while True:
            c = self.peek()
            if c == '"':
                lab = self.parse_quoted()
                labels.append("".join(p for p in lab.parts if isinstance(p, str)))
            elif c in _IDENT_START:
                labels.append(self.ident())
            elif c == "{":
                break
            else:
                raise self.error(f"expected '=' or '{{' after {type_!r}, found {self.describe()}")
            self.skip(newlines=False)
        open_at = self.i
        self.i += 1
        self.enter()
        body = self.parse_body(open_at)
        self.depth -= 1
        return Block(type_, labels, start, body, self.i)

    # ------------------------------------------------------------ expressions
    def parse_expr(self, newlines: bool) -> Expr:
        """An expression; operators and conditionals make it opaque."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep")
        start = self.i
        expr = self.plain_operand(start) or self.parse_operand(newlines)
        text = self.text
        while True:
            c = text[self.i : self.i + 1]
            if c not in _AFTER_OPERAND and (c not in _SKIP_FIRST or (c == "\n" and not newlines)):
                break  # most operands: no operator, no conditional follows
            save = self.i
            self.skip(newlines)
            if self.i >= self.n or self.text[self.i] not in _AFTER_OPERAND:
                self.i = save  # most operands: no operator, no conditional follows
                break
            m = _OPERATOR_RE.match(self.text, self.i)
            op = m.group() if m is not None else None
            if op is not None:
                self.i += len(op)
                self.skip(newlines=True)
                self.parse_operand(newlines)
                expr = Expr("opaque", start, self.i)
                continue
            if self.peek() == "?":
                self.i += 1
                self.skip(newlines=True)
                self.parse_expr(newlines)
                self.skip(newlines)
                self.expect(":")
                self.skip(newlines=True)
                self.parse_expr(newlines)
                expr = Expr("opaque", start, self.i)
                continue
            self.i = save
            break
        self.depth -= 1
        return expr

    def plain_operand(self, start: int) -> Expr | None:
        """`"text"` or `a.b.c` with no postfix or call after it (most operands), read
        with one regex; None sends every other shape to the general path."""
        text = self.text
        c = text[start : start + 1]
        if c == '"':
            m = _PLAIN_STRING.match(text, start)
            if m is None or text[(end := m.end()) : end + 1] in _NOT_PLAIN_AFTER:
                return None
            self.i = end
            content = m.group(1)
            parts: list[str | Expr] = [content] if content else []
            return Expr("template", start, end, parts=parts, content_start=start + 1)
        if c not in _IDENT_START:
            return None
        m = _PLAIN_REF.match(text, start)
        if m is None or text[(end := m.end()) : end + 1] in _NOT_PLAIN_AFTER:
            return None
        if m.group(1) in _KEYWORDS:
            return None
        self.i = end
        return Expr("ref", start, end, name=text[start:end])

    def parse_operand(self, newlines: bool) -> Expr:
        c = self.text[self.i : self.i + 1]
        if c in ("-", "!"):
            start = self.i
            self.i += 1
            self.skip(newlines=False)
            self.enter()  # `- - - ... 1`: bounded like any nesting
            inner = self.parse_operand(newlines)
            self.depth -= 1
            if c == "-" and inner.kind == "literal" and isinstance(inner.value, int | float):
                return Expr("literal", start, inner.end, value=-inner.value)
            return Expr("opaque", start, self.i)
        return self.parse_postfix(self.parse_primary())

    def parse_postfix(self, expr: Expr) -> Expr:
        """`.attr`, `[index]`, `.*`, `[*]` after a value."""
        start = expr.start
        text = self.text
        while True:
            c, after = text[self.i : self.i + 1], text[self.i + 1 : self.i + 2]
            if c == "." and after == "*":
                self.i += 2
            elif c == "." and (after in _IDENT_START or after in _DIGITS):
                self.i += 1
                while self.i < self.n and self.text[self.i] in _IDENT_CHARS:
                    self.i += 1
            elif c == "[":
                self.i += 1
                self.skip(newlines=True)
                if self.peek() == "*":
                    self.i += 1
                else:
                    self.parse_expr(newlines=True)
                self.skip(newlines=True)
                self.expect("]")
            else:
                break
            if expr.kind != "ref":
                expr = Expr("opaque", start, self.i)
            else:
                expr = Expr("ref", start, self.i, name=self.text[start : self.i])
        expr.end = self.i
        return expr

    def parse_primary(self) -> Expr:
        start = self.i
        c = self.text[start : start + 1]
        if c == '"':
            return self.parse_quoted()
        if c == "<" and self.text.startswith("<<", start):
            return self.parse_heredoc()
        if c in _DIGITS:
            return self.parse_number()
        if c == "[":
            return self.parse_list()
        if c == "{":
            return self.parse_object()
        if c == "(":
            self.i += 1
            self.skip(newlines=True)
            self.parse_expr(newlines=True)
            self.skip(newlines=True)
            self.expect(")")
            return Expr("opaque", start, self.i)
        if c in _IDENT_START:
            name = self.ident()
            if name in ("true", "false"):
                return Expr("literal", start, self.i, value=name == "true")
            if name == "null":
                return Expr("literal", start, self.i, value=None)
            if self.peek() == "(":
                return self.parse_call(name, start)
            return Expr("ref", start, self.i, name=name)
        raise self.error(f"expected an expression, found {self.describe()}")

    def parse_number(self) -> Expr:
        start = self.i
        text, n = self.text, self.n
        while self.i < n and text[self.i] in _DIGITS:
            self.i += 1
        is_float = False
        if self.peek() == "." and self.peek(1) in _DIGITS:
            is_float = True
            self.i += 1
            while self.i < n and text[self.i] in _DIGITS:
                self.i += 1
        if self.peek() in ("e", "E"):
            j = self.i + 1
            if j < n and text[j] in "+-":
                j += 1
            if j < n and text[j] in _DIGITS:
                is_float = True
                self.i = j
                while self.i < n and text[self.i] in _DIGITS:
                    self.i += 1
        raw = text[start : self.i]
        if len(raw) > 1000:
            return Expr("opaque", start, self.i)
        value: int | float = float(raw) if is_float else int(raw)
        return Expr("literal", start, self.i, value=value)

    def parse_list(self) -> Expr:
        start = self.i
        self.i += 1
        self.enter()
        self.skip(newlines=True)
        if self.text.startswith("for", self.i) and self.peek(3) in (" ", "\t", "\n"):
            self.skip_balanced(start, "]")
            self.depth -= 1
            return Expr("opaque", start, self.i)
        items: list[Expr] = []
        text = self.text
        while True:
            self.skip(newlines=True)
            if text.startswith("]", self.i):
                self.i += 1
                break
            if self.i >= self.n:
                raise self.error("'[' is never closed", start)
            items.append(self.parse_expr(newlines=True))
            self.skip(newlines=True)
            if text.startswith(",", self.i):
                self.i += 1
            elif not text.startswith("]", self.i):
                raise self.error(f"expected ',' or ']' in a list, found {self.describe()}")
        self.depth -= 1
        return Expr("list", start, self.i, items=items)

    def parse_object(self) -> Expr:
        start = self.i
        self.i += 1
        self.enter()
        self.skip(newlines=True)
        if self.text.startswith("for", self.i) and self.peek(3) in (" ", "\t", "\n"):
            self.skip_balanced(start, "}")
            self.depth -= 1
            return Expr("opaque", start, self.i)
        pairs: list[tuple[str | None, int, Expr]] = []
        text = self.text
        while True:
            head = self.key_head()  # `  name = `: most keys
            if head is None:
                self.skip(newlines=True)
                if text.startswith("}", self.i):
                    self.i += 1
                    break
                if self.i >= self.n:
                    raise self.error("'{' is never closed", start)
                head = self.key_head()
            if head is not None:
                self.i = head.end()
                key = head.group(2) if head.group(3) is None else head.group(3)
                value = self.line_value()  # read with its newline, the pairs' separator
                if value is not None:
                    pairs.append((key, head.start(1), value))
                    continue
                if text[self.i : self.i + 1] in _SKIP_INLINE:
                    self.skip(newlines=False)
                pairs.append((key, head.start(1), self.parse_expr(newlines=False)))
            else:
                pairs.append(self.object_pair(self.i))
            if text[self.i : self.i + 1] in _SKIP_INLINE:
                self.skip(newlines=False)
            c = text[self.i : self.i + 1]
            if c == "," or c == "\n":
                self.i += 1
            elif c != "}":
                raise self.error(
                    f"expected ',', a newline or '}}' in an object, found {self.describe()}"
                )
        self.depth -= 1
        return Expr("object", start, self.i, pairs=pairs)

    def key_head(self) -> re.Match[str] | None:
        """`  name = ` / `  "text" = ` at the cursor, where the general path would read
        the same key (not `true`/`false`/`null`, not at the depth limit)."""
        if self.depth >= MAX_DEPTH:
            return None
        head = _KEY_HEAD.match(self.text, self.i)
        return None if head is None or head.group(2) in _KEYWORDS else head

    def object_pair(self, key_at: int) -> tuple[str | None, int, Expr]:
        """One `key = value` of an object, any key expression."""
        key_expr = self.parse_expr(newlines=False)
        key: str | None = None
        if key_expr.kind == "ref" and "." not in key_expr.name and "[" not in key_expr.name:
            key = key_expr.name
        elif key_expr.kind == "template" and all(isinstance(p, str) for p in key_expr.parts):
            key = "".join(p for p in key_expr.parts if isinstance(p, str))
        elif key_expr.kind == "literal" and key_expr.value is not None:
            key = str(key_expr.value).lower() if isinstance(key_expr.value, bool) else None
            if not isinstance(key_expr.value, bool):
                key = str(key_expr.value)
        self.skip(newlines=False)
        if self.peek() not in ("=", ":"):
            raise self.error(f"expected '=' or ':' after an object key, found {self.describe()}")
        self.i += 1
        self.skip(newlines=False)
        return key, key_at, self.parse_expr(newlines=False)

    def parse_call(self, name: str, start: int) -> Expr:
        self.i += 1
        self.enter()
        items: list[Expr] = []
        while True:
            self.skip(newlines=True)
            if self.peek() == ")":
                self.i += 1
                break
            if self.i >= self.n:
                raise self.error(f"'{name}(' is never closed", start)
            items.append(self.parse_expr(newlines=True))
            self.skip(newlines=True)
            if self.text.startswith("...", self.i):
                self.i += 3
                self.skip(newlines=True)
            if self.peek() == ",":
                self.i += 1
            elif self.peek() != ")":
                raise self.error(f"expected ',' or ')' in {name}(), found {self.describe()}")
        self.depth -= 1
        return Expr("call", start, self.i, items=items, name=name)

    def skip_balanced(self, open_at: int, close: str) -> None:
        """Skip a `for` expression up to its closing bracket (strings and nesting aware)."""
        closers = {"(": ")", "[": "]", "{": "}"}
        stack = [close]
        while stack:
            self.skip(newlines=True)
            if self.i >= self.n:
                raise self.error("bracket is never closed", open_at)
            c = self.peek()
            if c == '"':
                self.parse_quoted()
            elif c == "<" and self.peek(1) == "<" and self.heredoc_ahead():
                self.parse_heredoc()
            elif c in closers:
                stack.append(closers[c])
                self.i += 1
            elif c in ")]}":
                if c != stack[-1]:
                    raise self.error(f"unexpected {c!r}")
                stack.pop()
                self.i += 1
            else:
                self.i += 1

    # ------------------------------------------------------------ strings
    def parse_quoted(self) -> Expr:
        start = self.i
        self.i += 1
        expr = Expr("template", start, content_start=self.i)
        self.template_parts(expr, end_quote=True, limit=self.n)
        expr.end = self.i
        return expr

    def heredoc_ahead(self) -> bool:
        j = self.i + 2 + (1 if self.peek(2) == "-" else 0)
        return j < self.n and self.text[j] in _IDENT_START

    def parse_heredoc(self) -> Expr:
        start = self.i
        self.i += 2
        strip = self.peek() == "-"
        if strip:
            self.i += 1
        marker = self.ident()
        self.skip(newlines=False)
        if self.peek() != "\n":
            raise self.error(f"expected a newline after <<{marker}, found {self.describe()}")
        content_start = self.i + 1
        pos = content_start
        text = self.text
        while True:  # find the line that is only the marker
            if pos >= self.n:
                raise self.error(f"heredoc <<{marker} is never closed (no line '{marker}')", start)
            nl = text.find("\n", pos)
            line_end = self.n if nl == -1 else nl
            if text[pos:line_end].strip() == marker:
                break
            pos = line_end + 1
        expr = Expr(
            "template", start, heredoc=True, strip_indent=strip, content_start=content_start
        )
        self.i = content_start
        self.template_parts(expr, end_quote=False, limit=pos)
        self.i = line_end
        expr.end = line_end
        return expr

    def template_parts(self, expr: Expr, end_quote: bool, limit: int) -> None:
        """Literal text and `${ }` interpolations up to `limit` (or the closing quote)."""
        text = self.text
        buf: list[str] = []
        while True:
            if self.i >= limit:
                if end_quote:
                    raise self.error("unterminated string", expr.start)
                break
            c = text[self.i]
            if end_quote and c == '"':
                self.i += 1
                break
            if end_quote and c == "\n":
                raise self.error("unterminated string (newline inside quotes)", expr.start)
            if end_quote and c == "\\":
                nxt = self.peek(1)
                if nxt in _ESCAPES:
                    buf.append(_ESCAPES[nxt])
                    self.i += 2
                elif nxt == "u" or nxt == "U":
                    width = 4 if nxt == "u" else 8
                    digits = text[self.i + 2 : self.i + 2 + width]
                    try:
                        buf.append(chr(int(digits, 16)))
                    except ValueError as exc:
                        raise self.error("invalid \\u escape") from exc
                    self.i += 2 + width
                else:
                    raise self.error(f"invalid escape \\{nxt}")
                continue
            if c in "$%" and self.peek(1) == c and self.peek(2) == "{":
                buf.append(c + "{")  # `$${` and `%%{` are literal
                self.i += 3
                continue
            if c in "$%" and self.peek(1) == "{":
                if buf:
                    expr.parts.append("".join(buf))
                    buf = []
                self.i += 2
                if self.peek() == "~":
                    self.i += 1
                self.skip(newlines=True)
                if c == "$":
                    inner = self.parse_expr(newlines=True)
                    self.skip(newlines=True)
                    if self.peek() == "~":
                        self.i += 1
                    self.expect("}")
                    expr.parts.append(inner)
                else:  # %{ if } / %{ for }: a directive, never evaluated
                    expr.directive = True
                    end = text.find("}", self.i, limit)
                    if end == -1:
                        raise self.error("unterminated %{ directive")
                    self.i = end + 1
                continue
            run = (_QUOTED_RUN if end_quote else _HEREDOC_RUN).match(text, self.i, limit)
            if run is not None:
                buf.append(run.group())
                self.i = run.end()
            else:
                buf.append(c)
                self.i += 1
        if buf:
            expr.parts.append("".join(buf))


__all__ = ["MAX_DEPTH", "Attribute", "Block", "Expr", "HclError", "parse", "parse_template"]
