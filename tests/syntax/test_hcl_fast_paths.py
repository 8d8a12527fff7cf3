"""syntax/hcl.py reads the commonest shapes (`name = `, `"plain"`, `a.b.c`, object keys)
with one regex each; every other shape takes the general path from the same offset. These
cases sit on the boundary between the two: the trees and the errors (message and offset)
must be what the general path gives."""

from __future__ import annotations

import pytest

from infradoctor.syntax.hcl import MAX_DEPTH, Attribute, Expr, HclError, parse


def _attr(text: str) -> Expr:
    body = parse(text)
    assert len(body) == 1 and isinstance(body[0], Attribute)
    return body[0].expr


def test_plain_string_is_a_one_part_template() -> None:
    expr = _attr('name = "web"\n')
    assert (expr.kind, expr.parts, expr.start, expr.end, expr.content_start) == (
        "template",
        ["web"],
        7,
        12,
        8,
    )
    assert _attr('name = ""').parts == []


def test_string_with_escape_or_interpolation_takes_the_general_path() -> None:
    assert _attr(r'a = "x\ny"').parts == ["x\ny"]
    interpolated = _attr('a = "${var.x}-y"')
    assert isinstance(interpolated.parts[0], Expr) and interpolated.parts[1] == "-y"
    assert _attr('a = "50%"').parts == ["50%"]  # `%` not followed by `{`: literal


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        ("a = var.region", "ref", "var.region"),
        ("a = aws_s3_bucket.b.id", "ref", "aws_s3_bucket.b.id"),
        ("a = x.0.y", "ref", "x.0.y"),
        ("a = x[0]", "ref", "x[0]"),  # postfix: the general path
        ("a = x.*.id", "ref", "x.*.id"),
        ("a = true.x", "opaque", ""),  # a keyword, then a postfix: not a reference
        ('a = "s".x', "opaque", ""),
        ("a = x - y", "opaque", ""),
        ("a = x ? 1 : 2", "opaque", ""),
        ('a = "x" + 1', "opaque", ""),
        ("a = f(1)", "call", "f"),
    ],
)
def test_operand_kinds(text: str, kind: str, name: str) -> None:
    expr = _attr(text)
    assert (expr.kind, expr.name) == (kind, name)
    assert expr.end == len(text)


def test_keywords_stay_literals() -> None:
    assert [_attr(f"a = {k}").value for k in ("true", "false", "null")] == [True, False, None]


def test_object_keys() -> None:
    expr = _attr('x = {\n  a = 1\n  "b.c" = 2\n  "" = 3\n  d: 4\n  null = 5\n  true = 6\n}')
    assert [(k, at) for k, at, _ in expr.pairs] == [
        ("a", 8),
        ("b.c", 16),
        ("", 28),
        ("d", 37),
        (None, 44),  # a null key is no key, as on the general path
        ("true", 55),
    ]


def test_comments_and_carriage_returns_around_the_equals_sign() -> None:
    body = parse('a /* c */ = 1\r\nb\t= "x" # trailing\nc =\r 2\n')
    assert [(i.name, i.start) for i in body if isinstance(i, Attribute)] == [
        ("a", 0),
        ("b", 15),
        ("c", 34),
    ]


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ('a = "x" b', "expected a newline, found 'b'", 8),
        ("x = {a = 1 b = 2}", "expected ',', a newline or '}' in an object, found 'b'", 11),
        ('a = "x\n', "unterminated string (newline inside quotes)", 4),
        ("a = 1 /* open", "unterminated /* comment", 6),
        ("x = {a == 1}", "expected '=' or ':' after an object key, found '}'", 11),
        ("x = {\n  a = >1}", "expected an expression, found '>'", 12),
    ],
)
def test_errors_keep_message_and_offset(text: str, message: str, offset: int) -> None:
    with pytest.raises(HclError) as info:
        parse(text)
    assert (info.value.message, info.value.offset) == (message, offset)


@pytest.mark.parametrize(("key", "offset"), [("a", 250), ('"a"', 348)])
def test_depth_limit_is_reported_at_the_same_key(key: str, offset: int) -> None:
    """At the depth limit a key is read by the general path, which counts it as nesting."""
    text = "x = " + f"{{{key} = " * MAX_DEPTH + "1" + "}" * MAX_DEPTH
    with pytest.raises(HclError) as info:
        parse(text)
    assert (info.value.message, info.value.offset) == (
        f"nested more than {MAX_DEPTH} levels deep",
        offset,
    )
    parse("x = " + f"{{{key} = " * 40 + "1" + "}" * 40)  # well under the limit: read
