"""Command-line words and listen addresses: shell-ish splitting, option lookup, ports and
hosts. Pure text helpers below the listen detection (facts/listen.py) and the per-server
detectors (facts/servers.py), and shared by the port facts (facts/ports.py)."""

from __future__ import annotations

from infradoctor.facts.env import UNSET_MARK
from infradoctor.lazyre import lazy
from infradoctor.syntax.numbers import digits_value
from infradoctor.syntax.shell import split_words

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "ip6-localhost"})


ALL_HOSTS = frozenset({"0.0.0.0", "::", "[::]", "*", ""})


def is_unknown(text: str | None) -> bool:
    """Whether `text` holds a value we can't know (an unset or unknown variable)."""
    return text is not None and UNSET_MARK in text


MAX_COMMAND_WORDS = 10_000


def split_shell(text: str) -> list[str]:
    """Shell-ish word split that keeps `&&`, `;` and `|` as their own words (an
    unterminated quote makes the rest of the text one word; never raises). Only the
    first MAX_COMMAND_WORDS words are read: commands are analysed word by word, many
    times over, and no real command line is that long."""
    return split_words(text, ";&|()", max_words=MAX_COMMAND_WORDS)


ASSIGN_RE = lazy(r"^[A-Za-z_][A-Za-z0-9_]*=")


class Args:
    """Option lookup over one simple command's words (after the program word)."""

    def __init__(self, words: list[str]) -> None:
        self.words = words

    def values(self, *names: str) -> list[str]:
        out: list[str] = []
        # with only options asked for, a word not starting with "-" matches none of them
        options_only = all(n[:1] == "-" for n in names)
        for i, w in enumerate(self.words):
            if options_only and w[:1] != "-":
                continue
            for n in names:
                if w == n and i + 1 < len(self.words):
                    out.append(self.words[i + 1])
                elif n.startswith("--") and w.startswith(n + "="):
                    out.append(w[len(n) + 1 :])
                elif (
                    not n.startswith("--")
                    and len(n) == 2
                    and w.startswith(n)
                    and len(w) > 2
                    and w[2] != "-"
                    and not w.startswith("--")
                ):
                    out.append(w[2:])
        return out

    def value(self, *names: str) -> str | None:
        found = self.values(*names)
        return found[-1] if found else None

    def has(self, *names: str) -> bool:
        return any(w == n or w.startswith(n + "=") for w in self.words for n in names)

    def positional(self) -> list[str]:
        return [w for w in self.words if not w.startswith("-")]


def parse_port(text: str | None) -> int | None:
    if text is None:
        return None
    n = digits_value(text.strip())
    return n if n is not None and 0 < n < 65536 else None


def parse_host_port(text: str) -> tuple[str | None, int | None] | None:
    """`0.0.0.0:8000`, `:8000`, `[::]:8000`, `8000`, `tcp://0.0.0.0:8000`; None for unix
    sockets and fd:// binds."""
    text = text.strip()
    if text.startswith(("unix:", "fd://")) or text.startswith("/"):
        return None
    if "://" in text:
        text = text.split("://", 1)[1].split("/", 1)[0]
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, parse_port(rest.lstrip(":"))
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, parse_port(port)
    if digits_value(text) is not None:
        return None, parse_port(text)
    if text.count(":") > 1:  # bare IPv6 without port
        return text, None
    return text, None


def normalise_host(host: str | None) -> str | None:
    if host is None:
        return None
    host = host.strip().strip("[]")
    if host in ("", "*", "0"):
        return "0.0.0.0"
    return host


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    h = host.strip().strip("[]").lower()
    return h in LOOPBACK_HOSTS or h.startswith("127.")
