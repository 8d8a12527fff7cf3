"""The variables a Dockerfile ENV or ARG instruction sets: one parser, run once per
instruction when the model is built (`Instruction.env`)."""

from __future__ import annotations

from infradoctor.syntax.shell import split_words


def _legacy_value(rest: str) -> str:
    """Docker takes the rest of the line, whitespace kept, quotes and escapes processed."""
    if '"' not in rest and "'" not in rest and "\\" not in rest:
        return rest
    return " ".join(split_words(rest))


def parse_env(value: str) -> list[tuple[str, str]]:
    """Pairs of `ENV A=1 B="two words"` or the legacy `ENV A some value`. In the key=value
    form a word without `=` sets nothing (Docker rejects it)."""
    text = value.strip()
    if not text:
        return []
    first = text.split(None, 1)
    if "=" not in first[0]:
        return [(first[0], _legacy_value(first[1].strip()) if len(first) > 1 else "")]
    pairs: list[tuple[str, str]] = []
    for w in split_words(text):
        k, sep, v = w.partition("=")
        if k and sep:
            pairs.append((k, v))
    return pairs


def arg_pairs(value: str) -> list[tuple[str, str | None]]:
    """`ARG A B=1 C="x"`: each name with its default (None when it has none)."""
    out: list[tuple[str, str | None]] = []
    for word in value.split():
        name, sep, default = word.partition("=")
        out.append((name, default.strip("\"'") if sep else None))
    return out
