"""Redaction of secrets from everything infradoctor prints or writes.

Every output path goes through here: lint reports (text excerpts, messages, fix titles and
edits, load errors in all four formats), `fix` output and `fix --diff`, baselines, diagnose
bundles (collectors, `bundle`, `diagnose --from`) and diagnose reports. The policy is
documented in docs/output.md ("Secrets").

What goes (replaced by `[REDACTED]`, a bot token by `[REDACTED:bot-token:<12 hex>]`):

- values of keys / variables / flags whose names look secret (`PASSWORD`, `*_TOKEN`,
  `SECRET_KEY`, `API_KEY`, `*_PASS`, `client_secret`, ...) in `NAME=value`, `NAME: value`,
  JSON, Dockerfile `ENV NAME value`, `--password X`, `--password=X`, YAML block scalars
  under such keys, Kubernetes `- name: DB_PASSWORD` / `value: ...` pairs, the values of
  a Kubernetes `Secret`'s `data` / `stringData`;
- command-line passwords that depend on the command: `mysql -pPASS` (and the other MySQL /
  MariaDB clients), `sshpass -p X`, `redis-cli -a X`, `mongo -p X`, `docker login -p X`,
  `curl -u user:pass` (the user is kept), `htpasswd -b file user pass`, SQL
  `IDENTIFIED BY '...'` / `PASSWORD '...'`;
- passwords in URLs (`scheme://user:[REDACTED]@host`);
- header values: `Authorization`, `Cookie`, `X-Api-Key`, ... (HTTP dumps, JSON, nginx
  `proxy_set_header`), `Bearer` / `Basic` credentials;
- tokens recognisable by their shape: JWTs, AWS access key ids, GitHub, GitLab, Slack,
  Stripe, Google, OpenAI-style, npm, SendGrid, Hugging Face tokens, Slack webhook paths,
  Telegram bot tokens; PEM private key blocks (every line between BEGIN and END).

What stays: variable references (`$X`, `${X}`; the default of `${X:-default}` is
redacted), empty values, switches (`true`, `off`, ...), paths to secret files, and what
the analysis joins on: IP addresses, host names, ports, paths, image references.

Guarantees (tested):

- linear time: patterns use possessive quantifiers and bounded repeats; multi-line
  contexts are located by regex and then walked procedurally;
- redaction never adds or removes a line break (a redacted file has the same lines as
  the original, so diffs and excerpts are redacted with their multi-line context);
- idempotent: redacting redacted text changes nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from infradoctor.lazyre import lazy

MASK = "[REDACTED]"

# ----------------------------------------------------------------------------- names

# Names (env vars, JSON keys, query parameters, flags) whose values are secret: these
# words anywhere in the name ...
_SECRET_WORDS = (
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "KEY",
    "CREDENTIAL",
    "DSN",
    "PRIVATE",
    "SALT",
    "COOKIE",
    "SIGNATURE",
    "APIKEY",
    "CONN_STR",
    "CONNECTION_STRING",
    "DATABASE_URL",
    "REQUIREPASS",
)
# ... and these as a word of it: PASS anywhere (`REDIS_PASS`), AUTH and SESSION as the
# last word (`BASIC_AUTH`, `basicauth.users`, `PHPSESSID`; not `AUTHENTIK_HOST`, `author`,
# `GF_AUTH_ANONYMOUS_ORG_ROLE`, `session_preload_libraries`)
_SECRET_SEGMENT = re.compile(
    r"(?i)(?:^|_)(?:PASS|PW|PWD)(?:_|$)|"
    r"(?:^|_)(?:[A-Z]*AUTH(?:N|Z|ORIZATION)?(?:_USERS?)?|[A-Z]*SESSION(?:ID)?|[A-Z]*SESSID)$"
)
# Words that contain a secret word without meaning it (removed before the search).
_INNOCENT_WORDS = re.compile(
    r"(?i)KEYCLOAK|VALKEY|MONKEY|DONKEY|TURKEY|WHISKEY|JOCKEY|HOCKEY|KEYBOARD|KEYSTONE|"
    r"KEYSPACE|KEYSERVER|KEYRING|KEYWORD|KEYVAL|HOTKEY|TOKENIZER|PUBLIC_?KEY|RECV_KEYS|NOPASSWD"
)
# Names that contain a secret word but are not secrets themselves.
_NOT_SECRET = lazy(
    r"(?i)^(?:[A-Z0-9_]*_)?(?:KEY_?(?:FILE|PATH|ID|NAME|ALGORITHM|TYPE|SIZE|LENGTH)|"
    r"(?:TOKEN|SECRET|PASSWORD|KEY)_(?:FILE|PATH|EXPIRE[A-Z0-9_]*|TTL|LIFETIME|LENGTH|URL_PATH)|"
    r"AUTH_(?:TYPE|METHOD|MODE|ENABLED|URL|HOST|PORT)|KEYS?_?DIR|KEYS?_?ZONE|KEY_?PREFIX|"
    r"(?:NUM|MAX|MIN)_(?:NEW_)?TOKENS?|OLDPWD|PWD|"
    r"[A-Z0-9]*(?:ERROR|EXCEPTION)|SESSION_(?:TIMEOUT|LIFETIME|ENGINE|DRIVER|TTL|COOKIE_AGE))$"
)
_SECRET_NAME = re.compile("(?i)(?:" + "|".join(_SECRET_WORDS) + ")")
# Settings *about* secrets (switches, locations, formats, who), not secrets themselves.
_BENIGN_SUFFIX = lazy(
    r"(?i)_(?:ENABLED?|DISABLED?|URL|URI|PATH|FILE|DIR|NAME|FORMAT|HOST|PORT|TYPE|MODE|METHOD|"
    r"TTL|TIMEOUT|EXPIRES?|EXPIRY|LENGTH|SIZE|SCHEDULE|ALGORITHM|PROVIDER|REALM|SCOPES?|"
    r"ISSUER|AUDIENCE|HEADER|FIELD|ATTRIBUTE|SEARCH|FILTER|ZONE|STRATEGY|BACKENDS?|DRIVER|"
    r"ENGINE|LIFETIME|AGE|DOMAIN|LABEL|PLUGIN|PROVIDERS|MAP|VERIFICATION|SERVICE|"
    r"INSECURE|ID|STDIN|WARNINGS?|VERSION|SCHEME|CACHE|RATE_?LIMIT|LIMIT|COUNT|POLICY|"
    r"EMAIL|USER|USERNAME|COMMAND|CMD|IMAGE|ENCODING|CHARSET|SH|BASH|PY|JS|RB|PS1)$"
)
_ALWAYS_SECRET = lazy(r"(?i)(?:DATABASE_URL|DSN|CONNECTION_STRING|CONN_STR)$")
# flags that hold a password without saying so in a secret word
_SECRET_FLAG_EXTRA = lazy(
    r"(?i)^(?:[a-z0-9]*(?<!by)(?<!com)pass(?:wd|phrase)?|pass(?:in|out)|requirepass|masteruser)$"
)
_BOOLEAN_FLAG = lazy(r"(?i)^(?:no|without|disable|enable|skip|allow|insecure)[_-]")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_MAX_NAME = 256


@functools.lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """Does a variable / key / flag name look like it holds a secret?"""
    if len(name) > _MAX_NAME:  # no legitimate name is that long: err on the side of redaction
        return True
    bare = name.strip().strip("\"'").lstrip("-")
    bare = _CAMEL.sub("_", bare).replace("-", "_").replace(".", "_")
    words = _INNOCENT_WORDS.sub("", bare)
    if bare.upper() in ("KEY", "KEYS"):  # `key: refreshToken` (secretKeyRef), a cache key
        return False
    if not bare or not (_SECRET_NAME.search(words) or _SECRET_SEGMENT.search(words)):
        return False
    if _ALWAYS_SECRET.search(bare):
        return True
    if _BENIGN_SUFFIX.search(bare):
        return False
    return not _NOT_SECRET.match(bare)


def is_secret_flag(flag: str) -> bool:
    """Does a command-line flag (`--password`, `-storepass`, `--api-key`) take a secret?
    One-letter flags (`-p`, `-u`, `-a`) depend on the command: see `_scan_command`."""
    name = flag.lstrip("-").partition("=")[0]
    if len(name) < 2 or not flag.startswith("-") or _BOOLEAN_FLAG.match(name):
        return False
    return is_secret_name(name) or bool(_SECRET_FLAG_EXTRA.match(name))


def token_fingerprint(token: str) -> str:
    """Short stable fingerprint of a high-entropy token (never of a password)."""
    from infradoctor.sha import sha256

    return sha256(token.encode("utf-8", "replace")).hexdigest()[:12]


# ---------------------------------------------------------------------------- values

_NOT_A_SECRET_VALUE = frozenset(
    {"true", "false", "yes", "no", "on", "off", "none", "null", "nil", "0", "1", "changeme", "~"}
)
_FILE_PATH = re.compile(r"^/(?:[\w.-]++/)*+[\w.-]++$")
_VAR_DEFAULT = lazy(r"^\$\{(\w++)(:?[-=])([^}]*+)\}$")
_PLACEHOLDER = lazy(r"^<[^<>\n]{1,80}+>$")
_BLOCK_INDICATOR = lazy(r"^(?:![^\s]*+[ \t]++)?[|>][-+0-9]*+$")


def _is_masked(text: str) -> bool:
    return "[REDACTED" in text


def _mask_value(value: str) -> str:
    """Replacement for a secret value; keeps quotes, variable references, switches and
    paths to secret files, and turns bot tokens into their fingerprint."""
    quote = (
        value[0] if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) > 1 else ""
    )
    inner = value[1:-1] if quote else value
    if not inner.strip() or _is_masked(inner):
        return value  # empty or already redacted
    if inner.startswith("$"):
        default = _VAR_DEFAULT.match(inner)
        if default and _mask_value(default.group(3)) != default.group(3):
            return f"{quote}${{{default.group(1)}{default.group(2)}{MASK}}}{quote}"
        return value  # a variable reference: not the secret
    if inner.lower() in _NOT_A_SECRET_VALUE or _FILE_PATH.match(inner):
        return value  # a switch or a path to a secret file (docker secrets): not the secret
    if _BLOCK_INDICATOR.match(inner):
        return value  # YAML block scalar: its lines are masked by the multi-line pass
    if _PLACEHOLDER.match(inner):
        return value  # <your-api-key>: a placeholder, not a secret
    m = BOT_TOKEN.search(inner)
    masked = f"[REDACTED:bot-token:{token_fingerprint(m.group(0))}]" if m else MASK
    return f"{quote}{masked}{quote}"


def _mask_secret_value(value: str) -> str:
    """Mask the value of a secret-named setting; a URL keeps scheme://user@host:port/path
    (the join keys) and loses its password and query."""
    inner = value.strip("\"'")
    if "$" in inner and "://" in inner:
        # interpolated (`postgres://app:${DB_PASSWORD}@db/app`): the references stay, a
        # literal password in it goes
        return _sub_urls(value)
    url = _URL_VALUE.match(inner)
    if url:
        quote = value[0] if value[:1] in "\"'" else ""
        userinfo = url.group(2)
        shown = url.group(1)
        if userinfo is not None:
            user, sep, password = _split_userinfo(userinfo)
            if sep and (password.startswith("$") or _is_masked(password)):
                shown += f"{userinfo}@"
            elif sep and user and not _is_masked(user):
                shown += f"{user}:{MASK}@"
            else:
                shown += f"{MASK}@"
        shown += url.group(3)
        if url.group(4):
            shown += "?" + MASK
        return quote + shown + quote
    return _mask_value(value)


def _preserve_lines(original: str, replacement: str) -> str:
    """`replacement` plus the line breaks of `original` it dropped (never change the
    number of lines)."""
    missing = original.count("\n") - replacement.count("\n")
    return replacement + "\n" * missing if missing > 0 else replacement


# -------------------------------------------------------------------------- patterns

BOT_TOKEN = re.compile(r"(?<![0-9])(\d{6,12}+):([A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])")
_PEM_BEGIN = lazy(r"-----BEGIN ((?:[A-Z0-9]{1,20}+ ){0,4}PRIVATE KEY(?: BLOCK)?)-----")
_JWT = lazy(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}+\.eyJ[A-Za-z0-9_-]{4,}+\.[A-Za-z0-9_-]*+")
# (literal that must occur, pattern, how many leading characters stay visible)
_TOKENS: tuple[tuple[tuple[str, ...], re.Pattern[str], int], ...] = (
    (
        (
            "AKIA",
            "ASIA",
            "ABIA",
            "ACCA",
            "AGPA",
            "AIDA",
            "AIPA",
            "ANPA",
            "ANVA",
            "APKA",
            "AROA",
            "ASCA",
        ),
        lazy(
            r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)"
            r"[0-9A-Z]{16}(?![A-Za-z0-9])"
        ),
        4,
    ),
    (
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        lazy(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{30,}+"),
        4,
    ),
    (("github_pat_",), lazy(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{20,}+"), 11),
    (("glpat-",), lazy(r"(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}+"), 6),
    (("xox",), lazy(r"(?<![A-Za-z0-9_-])xox[abposre]-[A-Za-z0-9-]{8,}+"), 5),
    (
        ("k_live_", "k_test_"),
        lazy(r"(?<![A-Za-z0-9_])[sr]k_(?:live|test)_[A-Za-z0-9]{8,}+"),
        8,
    ),
    (("whsec_",), lazy(r"(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=]{16,}+"), 6),
    (("AIza",), lazy(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{30,}+"), 4),
    (("sk-",), lazy(r"(?<![A-Za-z0-9_-])sk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}+"), 3),
    (("npm_",), lazy(r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}"), 4),
    (("hf_",), lazy(r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,}+"), 3),
    (("pypi-",), lazy(r"(?<![A-Za-z0-9_])pypi-[A-Za-z0-9_-]{50,}+"), 5),
    (("dop_v1_",), lazy(r"(?<![A-Za-z0-9_])dop_v1_[a-f0-9]{64}"), 7),
    (("SG.",), lazy(r"(?<![A-Za-z0-9_.-])SG\.[A-Za-z0-9_-]{16,}+\.[A-Za-z0-9_-]{16,}+"), 3),
    (("hooks.slack.com",), lazy(r"hooks\.slack\.com/services/[A-Za-z0-9/]++"), 25),
)
# Some token kind's literal occurs: only then are the patterns above tried one by one.
_TOKEN_HINT = re.compile("|".join(re.escape(lit) for lits, _, _ in _TOKENS for lit in lits))
# scheme://authority (userinfo is inside the authority; the last '@' wins)
_URL = re.compile(r"(?i)(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,30}+://)([^\s/?#\"'<>`]*+)")
# user:password@host without a scheme (as messages quote a proxy target); not an image
# reference with a digest (name:tag@sha256:...)
_BARE_USERINFO = lazy(
    r"(?<![\w.:/@%+{$-])([A-Za-z0-9_.~-]{1,64}+):([^\s@/'\"`<>:]{1,128}+)@(?!sha\d{3}:)"
    r"(?=[A-Za-z0-9\[])"
)
# a token used as the user name (https://<token>@host, a Sentry DSN key)
_TOKEN_USER = lazy(r"^(?=[A-Za-z_-]*+[0-9])(?=[0-9_-]*+[A-Za-z])[A-Za-z0-9_-]{16,}+$")
# a raw '/' in a password ends the authority early: user:pa/ss@host (bounded look-ahead)
_URL_TAIL = lazy(r"[^\s\"'<>`@]{0,256}+@")
# anchored: the backtracking to the last '@' happens once per value
_URL_VALUE = lazy(r"(?i)^([a-z][a-z0-9+.-]{1,30}+://)(?:([^/?#\s]*)@)?([^?#\s]*+)(?:\?(\S*+))?$")
_BEARER = lazy(r"(?i)\b(bearer|basic|token|digest)([ \t]++)([A-Za-z0-9._~+/=-]{8,}+)")
_HEADER_NAMES = (
    r"authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token|"
    r"x-access-token|api-key|x-amz-security-token|private-token|x-telegram-bot-api-secret-token"
)
# nginx: proxy_set_header Authorization "Bearer ..."; / add_header Set-Cookie ...;
_NGINX_HEADER = lazy(
    r"(?im)\b((?:proxy|grpc|uwsgi|fastcgi)_set_header|add_header|more_set_headers|"
    r"more_set_input_headers|proxy_set_body)([ \t]++[\"']?)(" + _HEADER_NAMES + r")([\"']?[ \t]++)"
    r"(\"(?:[^\"\\\n]|\\.)*+\"|'[^'\n]*+'|[^;\s][^;\n]*+)"
)
# nginx: `secure_link_secret s3cr3t;`, `set $api_token "abc";`, `secure_link_md5 "... salt"`
# (directive or variable names that say secret; paths of key files are kept:
# `ssl_certificate_key` is not here)
_NGINX_SECRET_DIRECTIVE = re.compile(
    r"(?im)^([ \t]*+(?:set[ \t]++\$\w*?(?:secret|token|passw(?:or)?d|api_?key)\w*+|"
    r"secure_link_md5|\w*?(?:secret|passw(?:or)?d)\w*+)[ \t]++)"
    r"(\"(?:[^\"\\\n]|\\.)*+\"|'[^'\n]*+'|[^;\s]++)([ \t]*+;)"
)
# HTTP header style "Name: value" (to end of line) and JSON "Name": "value".
_HEADER_JSON = lazy(
    r"(?i)([\"'])(" + _HEADER_NAMES + r")\1([ \t]*+:[ \t]*+)(\"(?:[^\"\\\n]|\\.)*+\"|'[^'\n]*+')"
)
_HEADER_LINE = lazy(r"(?im)(?<![\w/-])(" + _HEADER_NAMES + r")([ \t]*+:[ \t]*+)([^\r\n\"']++)")
# NAME=value / NAME: value / "NAME": "value" / --name=value / ?api_key=value
_ASSIGN_HEAD = re.compile(
    r"(?<![A-Za-z0-9_/.])(?<![A-Za-z0-9_]-)(?<!\$\{)([\"']?)([A-Za-z_][A-Za-z0-9_.-]{0,80}+)\1([ \t]*+[=:][ \t]*+)"
    r"(?!//|\?|-[^-\s])"
)
_VALUE = lazy(r"\"(?:[^\"\\\n]|\\.)*+\"|'[^'\n]*+'|[\"'][^\n]*+|(?![{\[|()])[^\s\"'&,;}\]<>]++")
# the head starts a YAML / env line: the value runs to the end of the line (or comment)
_LINE_START = lazy(r"[ \t]*+(?:-[ \t]++|export[ \t]++)?$")
# ${DB_PASSWORD:-default}: the default of a secret-named variable is a secret
_VAR_WITH_DEFAULT = lazy(r"\$\{([A-Za-z_]\w{0,80}+)(:?[-=+])([^}\n]{1,256}+)\}")
# Dockerfile legacy form: ENV NAME value with spaces
_DOCKER_ENV = lazy(
    r"(?im)^([ \t]*+(?:ENV|ARG)[ \t]++)([A-Za-z_][A-Za-z0-9_]*+)([ \t]++)(?=[^\s=])([^\n]*+)"
)
# SQL: IDENTIFIED BY 'pw', PASSWORD 'pw'
_SQL_PASSWORD = lazy(
    r"(?i)\b(identified(?:[ \t]++with[ \t]++\w++)?[ \t]++by(?:[ \t]++password)?|password)"
    r"([ \t]++)('[^'\n]*+'|\"[^\"\n]*+\")"
)


# ------------------------------------------------------------------------- the passes


_PEM_BODY = lazy(r"(?=[A-Za-z=]*+[0-9+/])[A-Za-z0-9+/=]{12,}+|[A-Za-z0-9+/=]{40,}+")
_PEM_LAST = lazy(r"[A-Za-z0-9+/]{1,64}+={1,2}")  # the short last line of a body
_PEM_HEADER = lazy(r"(?:Proc-Type|DEK-Info|Comment):")


def _mask_pem_lines(inner: str) -> str:
    masked: list[str] = []
    for part in inner.split("\n"):
        content = part.strip()
        if not content:
            masked.append(part)
        else:
            indent = part[: len(part) - len(part.lstrip())]
            masked.append(indent + (content if content == MASK else MASK))
    return "\n".join(masked)


def _pem_tail(text: str, start: int) -> tuple[int, str]:
    """A private key whose END line is missing (a truncated log or excerpt): the rest of
    the BEGIN line, then the following lines while they look like the key's body (a
    base64 run as their last word, or a PEM header); a log line's prefix is kept."""
    out: list[str] = []
    eol = text.find("\n", start)
    eol = len(text) if eol < 0 else eol
    rest = text[start:eol]
    out.append(rest[: len(rest) - len(rest.lstrip())] + MASK if rest.strip() else rest)
    pos = eol
    for n in range(100_000):
        if pos >= len(text):
            break
        nxt = text.find("\n", pos + 1)
        nxt = len(text) if nxt < 0 else nxt
        line = text[pos + 1 : nxt]
        words = line.split()
        if not words:  # a blank line inside (after PEM headers) when the body follows
            after_end = text.find("\n", nxt + 1) if n < 4 else -1
            after = text[nxt + 1 : after_end if after_end >= 0 else len(text)] if n < 4 else ""
            if after.split() and _PEM_BODY.fullmatch(after.split()[-1]):
                out.append("\n" + line)
                pos = nxt
                continue
            break
        last = words[-1]
        if last != MASK and not _PEM_BODY.fullmatch(last) and not _PEM_LAST.fullmatch(last):
            if not (n < 3 and _PEM_HEADER.match(line.strip())):
                break
            last = line.strip()
        cut = line.rfind(last)
        out.append("\n" + line[:cut] + MASK + line[cut + len(last) :])
        pos = nxt
    return pos, "".join(out)


def _sub_pem(text: str) -> str:
    """Every line between BEGIN and END PRIVATE KEY becomes [REDACTED], keeping the
    markers, the indentation and the line count (without END: see `_pem_tail`)."""
    out: list[str] = []
    pos = 0
    absent: set[str] = set()  # END markers known to be missing after some BEGIN
    while True:
        m = _PEM_BEGIN.search(text, pos)
        if m is None:
            break
        end_marker = f"-----END {m.group(1)}-----"
        end = -1 if end_marker in absent else text.find(end_marker, m.end())
        out.append(text[pos : m.end()])
        if end < 0:
            absent.add(end_marker)
            pos, masked = _pem_tail(text, m.end())
            out.append(masked)
            continue
        out.append(_mask_pem_lines(text[m.end() : end]))
        out.append(end_marker)
        pos = end + len(end_marker)
    out.append(text[pos:])
    return "".join(out)


# the end of any BOT_TOKEN's id, found from its `:` (a literal first: the regex engine
# jumps from colon to colon instead of trying a digit run at every offset)
_BOT_TOKEN_HINT = re.compile(r":(?<=\d{6}:)")


def _sub_tokens(text: str) -> str:
    if ":" in text and _BOT_TOKEN_HINT.search(text):
        text = BOT_TOKEN.sub(
            lambda m: f"[REDACTED:bot-token:{token_fingerprint(m.group(0))}]", text
        )
    if "eyJ" in text:
        text = _JWT.sub(MASK, text)
    if _TOKEN_HINT.search(text):  # one scan instead of a look per token kind
        for literals, pattern, keep in _TOKENS:
            for literal in literals:
                if literal in text:
                    text = pattern.sub(_keep_prefix(keep), text)
                    break
    return text


def _keep_prefix(keep: int) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        return m.group(0)[:keep] + MASK

    return sub


def _sub_nginx_header(m: re.Match[str]) -> str:
    value = m.group(5).rstrip()
    tail = m.group(5)[len(value) :]
    return m.group(1) + m.group(2) + m.group(3) + m.group(4) + _mask_value(value) + tail


def _sub_bearer(m: re.Match[str]) -> str:
    value = m.group(3)
    if value.startswith(("[REDACTED", "$")) or _is_masked(value):
        return m.group(0)
    looks_like_credential = len(value) >= 16 or any(ch.isdigit() or ch in "=._+/" for ch in value)
    if not looks_like_credential:
        return m.group(0)  # "Basic Settings", "token expired"
    return f"{m.group(1)}{m.group(2)}{MASK}"


_DQUOTED = lazy(r'"(?:[^"\\\n]|\\.)*+"')


def _split_userinfo(userinfo: str) -> tuple[str, str, str]:
    """`user:password` split at the first ':' outside `${...}` (`${U:-app}:${P}`)."""
    depth = 0
    for i, ch in enumerate(userinfo):
        if ch == "{" and userinfo[i - 1 : i] == "$":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == ":" and not depth:
            return userinfo[:i], ":", userinfo[i + 1 :]
    return userinfo, "", ""


def _line_value(text: str, start: int) -> int:
    """End of a YAML / env value starting at `start`: the end of the line, or the start
    of a ` # comment` (outside quotes)."""
    eol = text.find("\n", start)
    if eol < 0:
        eol = len(text)
    if text[start : start + 1] == '"':
        m = _DQUOTED.match(text, start, eol)
        if m:
            return m.end()
    elif text[start : start + 1] == "'":
        close = text.find("'", start + 1, eol)
        if close > 0:
            return close + 1
    elif text[start : start + 1] == "#" and text[start - 1 : start] in (" ", "\t"):
        return start  # `KEY= # comment`: no value
    line = text[start:eol]
    for sep in (" #", "\t#"):
        cut = line.find(sep)
        if cut >= 0:
            line = line[:cut]
    return start + len(line.rstrip())


def _sub_assign(text: str) -> str:
    """Mask the values of secret-named assignments. Linear: the head (name and `=`/`:`)
    is matched by regex, a secret value is consumed once, anything else is scanned on.
    A head and its value lie in one line: only the lines that could name a secret (or
    hold a mask to skip) are searched."""
    out: list[str] = []
    pos = 0
    scan = 0
    for start, stop in _line_spans(_folded(text), _ASSIGN_WORDS):
        scan = max(scan, start)
        while True:
            m = _ASSIGN_HEAD.search(text, scan, stop)
            if m is None:
                break
            scan = m.end()
            name = m.group(2)
            if name.upper() == "REDACTED":  # [REDACTED:bot-token:...]: skip the whole mask
                close = text.find("]", m.start(), m.start() + 64)
                if text[m.start() - 1 : m.start()] == "[" and close >= 0:
                    scan = close + 1
                continue
            if not is_secret_name(name):
                continue
            value, end = _assigned_value(text, m)
            if not value:
                continue
            out.append(text[pos : m.end()])
            out.append(_preserve_lines(value, _mask_secret_value(value)))
            pos = scan = end
    out.append(text[pos:])
    return "".join(out)


def _assigned_value(text: str, m: re.Match[str]) -> tuple[str, int]:
    """The value after the head `m` and where it ends ("" when there is none)."""
    # the head starts a line (indentation, `- `, `export `: at most 64 characters)
    line_start = text.rfind("\n", max(0, m.start() - 64), m.start()) + 1
    at_line_start = (line_start > 0 or m.start() <= 64) and _LINE_START.match(
        text, line_start, m.start()
    )
    if at_line_start and text[m.end() : m.end() + 1] not in ("{", "["):
        end = _line_value(text, m.end())
        return text[m.end() : end], end
    v = _VALUE.match(text, m.end())
    if v is None:
        return "", m.end()
    return v.group(0), v.end()


def _sub_urls(text: str) -> str:
    """scheme://user:password@host keeps the user; a long user-only userinfo (a token used
    as the user, a Sentry DSN key) goes whole. Only the authority is consumed, so URLs
    in a path or query are scanned too."""
    edits: list[tuple[int, int, str]] = []
    done = 0
    for m in _matches(_URL, text, ("://",), cased=False):  # a URL's authority lies in one line
        if m.start() < done:
            continue
        authority = m.group(2)
        at = authority.rfind("@")
        if at >= 0:
            userinfo_end = m.start(2) + at
        else:
            user, sep, tail = authority.partition(":")
            if not sep or not tail or tail.isdigit() or "[" in authority:
                continue
            if text[m.end() : m.end() + 1] not in ("/", "?", "#") or tail.startswith("$"):
                continue
            t = _URL_TAIL.match(text, m.end())
            if t is None:
                continue
            userinfo_end = t.end() - 1
        userinfo = text[m.start(2) : userinfo_end]
        user, sep, password = _split_userinfo(userinfo)
        if sep:
            if not password or _is_masked(password) or password.startswith("$"):
                continue
            edits.append((m.start(2) + len(user) + 1, userinfo_end, MASK))
        elif _TOKEN_USER.match(user):
            edits.append((m.start(2), userinfo_end, MASK))
        done = userinfo_end
    return _apply(text, edits)


def _sub_var_default(m: re.Match[str]) -> str:
    value = m.group(3)
    if not is_secret_name(m.group(1)) or _mask_value(value) == value:
        return m.group(0)  # not secret-named, or a reference / switch / path / placeholder
    return f"${{{m.group(1)}{m.group(2)}{MASK}}}"


def _sub_bare_userinfo(m: re.Match[str]) -> str:
    password = m.group(2)
    if _is_masked(password) or password.startswith("$") or password.isdigit():
        return m.group(0)  # host:port@... is not a password
    return f"{m.group(1)}:{MASK}@"


def _sub_docker_env(m: re.Match[str]) -> str:
    if not is_secret_name(m.group(2)):
        return m.group(0)
    value = m.group(4).rstrip()
    tail = m.group(4)[len(value) :]
    return m.group(1) + m.group(2) + m.group(3) + _mask_value(value) + tail


def _sub_sql(m: re.Match[str]) -> str:
    return m.group(1) + m.group(2) + _mask_value(m.group(3))


# ------------------------------------------------------------------ command lines

_MYSQL_CLIENTS = frozenset(
    {
        "mysql",
        "mysqladmin",
        "mysqldump",
        "mysqlcheck",
        "mysqlimport",
        "mysqlshow",
        "mysqlpump",
        "mysqlslap",
        "mysqlbinlog",
        "mysql_upgrade",
        "mysqlsh",
        "mariadb",
        "mariadb-admin",
        "mariadb-dump",
        "mariadb-check",
        "mariadb-import",
        "mariadb-show",
        "mariadb-slap",
        "mariadb-binlog",
        "mariadb-upgrade",
        "mariadb-backup",
        "mariabackup",
        "xtrabackup",
    }
)
_MONGO_CLIENTS = frozenset(
    {"mongo", "mongosh", "mongodump", "mongorestore", "mongoexport", "mongoimport", "mongostat"}
)
_CONTAINER_CLIS = frozenset({"docker", "podman", "nerdctl", "buildah", "skopeo", "helm", "oras"})
_COMMANDS = _MYSQL_CLIENTS | _MONGO_CLIENTS | {"sshpass", "redis-cli", "curl", "htpasswd", "login"}
# what makes a line worth the command scanner (matched on the lower-cased text; both
# start with literals so the regex engine can skip ahead quickly)
_COMMAND_WORD = re.compile(r"mysql|mariadb|xtrabackup|mongo|sshpass|redis-cli|curl|htpasswd|login")
_SECRET_WORD_HINT = re.compile(
    r"pass|secret|token|key|auth|cred|pw|session|cookie|salt|signature|dsn|private"
)
_FLAG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-")
_TOKEN = re.compile(r"&&|\|\||[;|]|[^\s\"',;|&\[\]()`]++")
_PORTS = lazy(r"^(?:[\d.]+:)?\d+(?:-\d+)?(?::\d+(?:-\d+)?)?(?:/\w+)?$")


@dataclass
class _CommandState:
    """What the scanner knows at a point of a command line (carried over continuation
    lines and argv items)."""

    contexts: set[str] = field(default_factory=set)
    pending: str | None = None  # "mask" | "userpass": what to do with the next token
    container_cli: bool = False  # docker & co. seen before the context command
    htpasswd: list[int] | None = None  # [positionals seen, password index] once -b is seen
    last: str = ""

    def reset(self) -> None:
        self.contexts.clear()
        self.pending = None
        self.container_cli = False
        self.htpasswd = None
        self.last = ""


def _command_word(token: str) -> str:
    return token.rsplit("/", 1)[-1].lower()


def _scan_command(  # noqa: C901
    text: str, start: int, end: int, state: _CommandState
) -> list[tuple[int, int, str]]:
    """Edits (start, end, replacement) masking command-line passwords in text[start:end]."""
    edits: list[tuple[int, int, str]] = []
    pos = start
    while pos < end:
        m = _TOKEN.search(text, pos, end)
        if m is None:
            break
        pos = m.end()
        tok = m.group(0)
        if tok in ("&&", "||", ";", "|"):
            state.reset()
            continue
        if tok == "-":  # a YAML list item (or stdin): neither a flag nor a value
            continue
        t0, t1 = m.start(), m.end()
        if tok.startswith("REDACTED") and text[t0 - 1 : t0] == "[":
            state.pending = None
            continue
        word = _command_word(tok)
        pending, state.pending = state.pending, None
        if pending is not None and not tok.startswith("-"):
            _mask_token(text, t0, t1, end, pending, edits)
            state.last = tok
            if state.htpasswd is not None:
                state.htpasswd[0] += 1
            continue
        if word in _COMMANDS and not tok.startswith("-") and state.htpasswd is None:
            if word == "login":
                if state.last and _command_word(state.last) in _CONTAINER_CLIS | {"registry"}:
                    state.contexts.add("login")
            else:
                state.contexts.add(word)
            if word == "htpasswd":
                state.htpasswd = [0, -1]
            state.last = tok
            continue
        if word in _CONTAINER_CLIS and not state.contexts:
            state.container_cli = True
        ctx = state.contexts
        if tok.startswith("-"):
            flag, eq, value = tok.partition("=")
            if ctx & _MYSQL_CLIENTS and flag.startswith("-p") and not flag.startswith("--"):
                if len(tok) > 2:
                    rest = tok[2:]
                    if not (state.container_cli and _PORTS.match(rest)):
                        _mask_span(text, t0 + 2, t1, end, edits)
                elif text[t1 : t1 + 1] in ("'", '"'):
                    _mask_token(text, t1, t1, end, "mask", edits)
            elif (
                ctx & (_MONGO_CLIENTS | {"sshpass", "login"})
                and flag.startswith("-p")
                and (not flag.startswith("--"))
            ):
                if len(tok) > 2:
                    _mask_span(text, t0 + 2, t1, end, edits)
                else:
                    state.pending = "mask"
            elif "redis-cli" in ctx and tok == "-a":
                state.pending = "mask"
            elif "curl" in ctx and flag in ("-u", "--user", "-U", "--proxy-user"):
                if eq:
                    _userpass(text, t0 + len(flag) + 1, t1, edits)
                else:
                    state.pending = "userpass"
            elif (
                "curl" in ctx
                and flag.startswith("-u")
                and len(flag) > 2
                and not flag.startswith("--")
            ):
                _userpass(text, t0 + 2, t1, edits)
            elif state.htpasswd is not None and not flag.startswith("--"):
                letters = flag[1:]
                if "b" in letters:
                    state.htpasswd[1] = 1 if "n" in letters else 2
            elif is_secret_flag(flag):
                if eq:
                    if value and not value.startswith("$"):
                        _mask_span(text, t0 + len(flag) + 1, t1, end, edits)
                else:
                    state.pending = "mask"
        elif state.htpasswd is not None:
            if state.htpasswd[1] >= 0 and state.htpasswd[0] == state.htpasswd[1]:
                _mask_token(text, t0, t1, end, "mask", edits)
            state.htpasswd[0] += 1
        state.last = tok
    return edits


def _quoted_end(text: str, start: int, end: int) -> int:
    """End of the quoted string starting at `start` (or of the line when unterminated)."""
    close = text.find(text[start], start + 1, end)
    return close + 1 if close > 0 else end


def _mask_span(text: str, s: int, e: int, end: int, edits: list[tuple[int, int, str]]) -> None:
    if s < e and text[s : s + 1] in ("'", '"'):
        e = max(e, _quoted_end(text, s, end))
    value = text[s:e]
    if not value or value.startswith("$") or _is_masked(value):
        return
    edits.append((s, e, _mask_value(value)))


def _mask_token(
    text: str, t0: int, t1: int, end: int, how: str, edits: list[tuple[int, int, str]]
) -> None:
    """Mask the token at text[t0:t1]; a quote right before it or at t0 extends it to the
    matching quote (a value with spaces)."""
    if t0 > 0 and text[t0 - 1] in ("'", '"'):
        close = text.find(text[t0 - 1], t0, end)
        if close > 0 and how == "mask":
            t1 = max(t1, close)
    elif text[t0 : t0 + 1] in ("'", '"'):
        t1 = _quoted_end(text, t0, end)
    if how == "userpass":
        _userpass(text, t0, t1, edits)
    else:
        _mask_span(text, t0, t1, end, edits)


def _userpass(text: str, s: int, e: int, edits: list[tuple[int, int, str]]) -> None:
    colon = text.find(":", s, e)
    if colon < 0 or colon + 1 >= e:
        return  # curl -u user: prompts for the password
    value = text[colon + 1 : e]
    if value.startswith("$") or _is_masked(value):
        return
    edits.append((colon + 1, e, MASK))


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


_LIST_ITEM = lazy(r"[ \t]*+-[ \t]++")


def _continues(text: str, prev: tuple[int, int], nxt: tuple[int, int]) -> bool:
    """Does the command on line `prev` go on on line `nxt`? (shell `\\`, a flow list left
    open, or the next item of the same YAML block list)."""
    line = text[prev[0] : prev[1]].rstrip()
    if line.endswith(("\\", ",", "[")):
        return True
    a = _LIST_ITEM.match(text, prev[0], prev[1])
    b = _LIST_ITEM.match(text, nxt[0], nxt[1])
    return bool(a and b and (a.end() - a.start()) == (b.end() - b.start()))


def _command_triggers(text: str) -> list[int]:
    low = text.lower()
    found = [m.start() for m in _COMMAND_WORD.finditer(low)]
    if "-" not in low:  # no `-flag` to hold a secret word
        return found
    for m in _SECRET_WORD_HINT.finditer(low):  # a secret word inside a `-flag`
        k = m.start()
        stop = max(0, k - 40)
        while k > stop and low[k - 1] in _FLAG_CHARS and low[k - 1] != "-":
            k -= 1
        if k > 0 and low[k - 1] == "-":
            found.append(k - 1)
    return sorted(found)


def _sub_commands(text: str) -> str:
    edits: list[tuple[int, int, str]] = []
    done = 0  # lines before this offset were scanned
    for trigger in _command_triggers(text):
        if trigger < done:
            continue
        lines = [_line_bounds(text, trigger)]
        for _ in range(999):  # a command spans at most 1000 lines
            bounds = lines[-1]
            if bounds[1] >= len(text):
                break
            nxt = _line_bounds(text, bounds[1] + 1)
            if not _continues(text, bounds, nxt):
                break
            lines.append(nxt)
        done = lines[-1][1] + 1
        if not _may_mask_command(text, lines[0][0], lines[-1][1]):
            continue
        state = _CommandState()
        for bounds in lines:
            edits += _scan_command(text, bounds[0], bounds[1], state)
    return _apply(text, edits)


# from a `-` to the end of its `_TOKEN` word (a word is a maximal run of these
# characters: a flag when the `-` starts it); the literal first makes the search quick
# (a `-` inside a word, `db-mysql`, or a lone `-`, a YAML list item, is no flag: the
# look-behind and `++` leave them to the regex engine, after the literal `-`)
_FLAG_TOKEN = re.compile(r"-(?<![^\s\"',;|&\[\]()`]-)[^\s\"',;|&\[\]()`]++")


def _may_mask_command(text: str, start: int, end: int) -> bool:
    """Could `_scan_command` mask anything in the lines text[start:end]? Every mask it
    makes follows a flag of these (`-p...`, `-u...`, `-U`, `--user`, `--proxy-user`,
    `-a`, a secret flag) or is an `htpasswd` argument: most lines have none, and this
    look costs a fraction of the scan."""
    if "htpasswd" in text[start:end].lower():
        return True
    for m in _FLAG_TOKEN.finditer(text, start, end):
        tok = m.group(0)
        flag = tok.partition("=")[0]
        if flag[:2] in ("-p", "-u") or flag in _USER_FLAGS or tok == "-a":
            return True
        if is_secret_flag(flag):
            return True
    return False


_USER_FLAGS = frozenset({"-U", "--user", "--proxy-user"})


def _apply(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    out: list[str] = []
    pos = 0
    for s, e, rep in sorted(edits):
        if s < pos:
            continue  # overlapping edit: the first one already masked it
        out.append(text[pos:s])
        out.append(_preserve_lines(text[s:e], rep))
        pos = e
    out.append(text[pos:])
    return "".join(out)


def redact_argv(argv: list[Any]) -> list[Any]:
    """An argv list (`Config.Cmd`, a compose `command:` list): every item redacted as text,
    and the items after `--password`, `-p` (MySQL clients), `-u` (curl), ... masked."""
    items = [redact_text(x) if isinstance(x, str) else x for x in argv]
    state = _CommandState()
    out: list[Any] = []
    for item in items:
        if not isinstance(item, str):
            out.append(item)
            state.reset()
            continue
        out.append(_apply(item, _scan_command(item, 0, len(item), state)))
    return out


# ------------------------------------------------------------- YAML structure (lines)

_BLOCK_KEY = re.compile(
    r"(?m)^([ \t]*+)(-[ \t]++)?([\"']?)([A-Za-z_][\w.-]{0,80}+)\3[ \t]*+:[ \t]*+"
    r"(?:![^\s]*+[ \t]++)?[|>][-+0-9]*+[ \t]*+(?:#[^\n]*+)?$"
)
_NAME_KEY = re.compile(
    r"(?m)^([ \t]*+)(-[ \t]++)?name[ \t]*+:[ \t]*+([\"']?)([A-Za-z_][\w.-]{0,80}+)\3[ \t]*+(?:#[^\n]*+)?$"
)
_VALUE_KEY = lazy(r"[ \t]*+(-[ \t]++)?value[ \t]*+:[ \t]*+")
_SECRET_KIND = re.compile(r"(?m)^kind[ \t]*+:[ \t]*+[\"']?Secret[\"']?[ \t]*+(?:#[^\n]*+)?$")
_DATA_KEY = lazy(r"(?m)^(?:data|stringData)[ \t]*+:[ \t]*+(?:#[^\n]*+)?$")
_DOC_SEP = lazy(r"(?m)^---")
_MAX_SIBLING_LINES = 200


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _mask_line_content(text: str, s: int, e: int, edits: list[tuple[int, int, str]]) -> None:
    line = text[s:e]
    content = line.strip()
    if content and not _is_masked(content) and not content.startswith("#"):
        lead = len(line) - len(line.lstrip(" \t"))
        edits.append((s + lead, s + lead + len(content), MASK))


def _mask_block(text: str, after: int, key_indent: int, edits: list[tuple[int, int, str]]) -> None:
    """Mask the lines of a block scalar that starts after offset `after` (deeper than
    `key_indent`)."""
    pos = after
    while pos < len(text):
        s, e = _line_bounds(text, pos)
        line = text[s:e]
        if line.strip() and _indent(line) <= key_indent:
            break
        _mask_line_content(text, s, e, edits)
        pos = e + 1


def _sub_yaml(text: str) -> str:
    edits: list[tuple[int, int, str]] = []
    # secret-named key with a block scalar: every line of the scalar
    for m in _matches(_BLOCK_KEY, text, ("|", ">"), cased=False):
        if is_secret_name(m.group(4)):
            key_indent = len(m.group(1)) + len(m.group(2) or "")
            _mask_block(text, m.end() + 1, key_indent, edits)
    # Kubernetes env entries: - name: DB_PASSWORD / value: x (either order)
    for m in _matches(_NAME_KEY, text, ("name",), cased=False):
        if not is_secret_name(m.group(4)):
            continue
        column = len(m.group(1)) + len(m.group(2) or "")
        _mask_sibling_value(text, m.start(), column, bool(m.group(2)), edits)
    # Kubernetes Secret: every value under data / stringData
    if "Secret" in text and _SECRET_KIND.search(text):
        bounds = [0, *(m.start() for m in _DOC_SEP.finditer(text)), len(text)]
        for a, b in zip(bounds, bounds[1:], strict=False):
            if not _SECRET_KIND.search(text, a, b):
                continue
            for d in _DATA_KEY.finditer(text, a, b):
                _mask_mapping_values(text, d.end() + 1, b, edits)
    return _apply(text, edits)


def _mask_sibling_value(
    text: str, at: int, column: int, dashed: bool, edits: list[tuple[int, int, str]]
) -> None:
    """Mask `value:` among the keys of the mapping whose `name:` line starts at `at`
    (keys at `column`)."""
    lines: list[tuple[int, int]] = []
    s, e = _line_bounds(text, at)
    lines.append((s, e))
    # forward: lines of the same mapping (indent >= column, not a new item)
    pos = e + 1
    for _ in range(_MAX_SIBLING_LINES):
        if pos >= len(text):
            break
        s2, e2 = _line_bounds(text, pos)
        line = text[s2:e2]
        if line.strip():
            ind = _indent(line)
            if ind < column:
                break
        lines.append((s2, e2))
        pos = e2 + 1
    if not dashed:  # backward up to the item's dash line
        pos = s - 1
        for _ in range(_MAX_SIBLING_LINES):
            if pos < 0:
                break
            s2, e2 = _line_bounds(text, pos)
            line = text[s2:e2]
            if line.strip():
                ind = _indent(line)
                item = _LIST_ITEM.match(line)
                if item and item.end() == column:
                    lines.append((s2, e2))
                    break
                if ind < column:
                    break
            lines.append((s2, e2))
            pos = s2 - 1
    for s2, e2 in lines:
        v = _VALUE_KEY.match(text, s2, e2)
        if v is None:
            continue
        key_column = (v.start(1) - s2 + len(v.group(1))) if v.group(1) else _indent(text[s2:e2])
        if key_column != column:
            continue
        end = _line_value(text, v.end())
        value = text[v.end() : end]
        if value:
            masked = _mask_value(value)
            if masked != value:
                edits.append((v.end(), end, masked))
            elif _BLOCK_INDICATOR.match(value):
                _mask_block(text, e2 + 1, column, edits)


def _mask_mapping_values(
    text: str, start: int, stop: int, edits: list[tuple[int, int, str]]
) -> None:
    """Mask the value of every entry of the (indented) mapping starting at `start`."""
    pos = start
    child: int | None = None
    while pos < stop:
        s, e = _line_bounds(text, pos)
        line = text[s:e]
        pos = e + 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        ind = _indent(line)
        if ind == 0:
            break
        if child is None:
            child = ind
        if ind > child:  # inside a block scalar or nested value
            _mask_line_content(text, s, e, edits)
            continue
        colon = line.find(":")
        if colon < 0:
            _mask_line_content(text, s, e, edits)
            continue
        vs = s + colon + 1
        while vs < e and text[vs] in " \t":
            vs += 1
        ve = _line_value(text, vs)
        value = text[vs:ve]
        if value and not _BLOCK_INDICATOR.match(value) and not _is_masked(value):
            quote = (
                value[0] if value[0] in "\"'" and value[-1] == value[0] and len(value) > 1 else ""
            )
            edits.append((vs, ve, f"{quote}{MASK}{quote}"))


# ------------------------------------------------------------------------ entry points


_HINT_WORDS: list[str] = []  # the words of every `_hint` (see `_ANY_TRIGGER`)


def _hint(*words: str) -> Callable[[str], re.Match[str] | None]:
    """A search for any of `words` (literal): one C scan instead of a generator."""
    _HINT_WORDS.extend(words)
    return re.compile("|".join(re.escape(w) for w in words)).search


_NGINX_HEADER_WORDS = ("_set_header", "add_header", "more_set_", "proxy_set_body")
_NGINX_HEADER_HINT = _hint(*_NGINX_HEADER_WORDS)
_NGINX_SECRET_WORDS = ("secret", "passw", "token", "api", "secure_link_md5")
_NGINX_SECRET_HINT = _hint(*_NGINX_SECRET_WORDS)
_HEADER_WORDS = ("authorization", "cookie", "api-key", "-token")
_HEADER_HINT = _hint(*_HEADER_WORDS)
_BEARER_WORDS = ("bearer", "basic", "token", "digest")
_BEARER_HINT = _hint(*_BEARER_WORDS)


# Per pass, literals one of which every match holds (lower-cased; see `_sub_lines`).
_DOCKER_ENV_WORDS = ("env", "arg")
_SQL_WORDS = ("identified", "password")


def _line_spans(text: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """The lines of `text` in which one of `words` occurs, as (start, end after the line
    break) ranges, adjacent lines merged. One `str.find` per word and line holding it (a
    literal's find is several times quicker than a regex alternation's search)."""
    starts: set[int] = set()
    for word in words:
        at = text.find(word)
        while at >= 0:
            starts.add(text.rfind("\n", 0, at) + 1)
            eol = text.find("\n", at)
            at = text.find(word, eol + 1) if eol >= 0 else -1
    spans: list[tuple[int, int]] = []
    for start in sorted(starts):
        end = text.find("\n", start) + 1 or len(text)
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _sub_lines(
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
    text: str,
    words: tuple[str, ...],
    *,
    cased: bool,
) -> str:
    """`pattern.sub(repl, text)` for a pattern whose every match lies in one line and holds
    one of `words` (compared case-folded unless not `cased`): run on those lines only."""
    out: list[str] = []
    pos = 0
    for m in _matches(pattern, text, words, cased=cased):
        out.append(text[pos : m.start()])
        out.append(repl(m))
        pos = m.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _matches(
    pattern: re.Pattern[str], text: str, words: tuple[str, ...], *, cased: bool
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern whose every match lies in one line and holds
    one of `words` (`cased`: compared case-folded, see `_folded`)."""
    for start, end in _line_spans(_folded(text) if cased else text, words):
        yield from pattern.finditer(text, start, end)


# What a case-insensitive pattern matches an ASCII letter with: the letter in either
# case and four other characters (`ſ` is `s`, the Kelvin sign `k`, `İ` / `ı` are `i`).
_FOLD = str.maketrans(
    {
        **{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)},
        "İ": "i",
        "ı": "i",
        "ſ": "s",
        "\u212a": "k",
    }
)
_last_folded: tuple[str, str] = ("", "")


def _folded(text: str) -> str:
    """`text` with every character a case-insensitive pattern matches as an ASCII letter
    turned into that letter in lower case, the rest as it is (the same length, unlike
    `str.lower`): a literal lower-case word occurs in it where such a pattern can match
    it. The last one is kept while one text's passes run (they ask for it in turn)."""
    global _last_folded
    last = _last_folded
    if last[0] is text:
        return last[1]
    folded = text.lower() if text.isascii() else text.translate(_FOLD)
    _last_folded = (text, folded)
    return folded


def redact_text(text: str) -> str:
    """Redact secrets in free text: a whole file, a line, a log, a message. The result has
    the same number of lines as `text`."""
    if not text:
        return text
    if len(text) <= _MEMO_MAX_CHARS:  # reports redact the same titles and lines again
        return _redact_short(text)
    return _redact(text)


_MEMO_MAX_CHARS = 2048


@functools.lru_cache(maxsize=8192)
def _redact_short(text: str) -> str:
    return _redact(text)


def _redact(text: str) -> str:
    low = text.lower()  # hints only: each pass runs when its trigger words occur
    found = _trigger_words(low)
    bot = ":" in low and _BOT_TOKEN_HINT.search(low) is not None
    if text.isascii() and not found and not bot:
        return text  # no pass below would run (most titles, messages and fix texts)
    global _last_folded
    try:
        return _passes(text, low, found, bot)
    finally:
        _last_folded = ("", "")  # kept for one text's passes, not after (a whole bundle)


def _passes(text: str, low: str, found: set[str], bot: bool) -> str:
    """Every pass over `text` whose trigger words occur: `found` (the trigger words in
    `low`) rules a pass out before its own hint scans the text again. Hints on `text`
    itself use `found` only while no pass has changed it (a mask adds words)."""
    original = text
    if "private" in found and "PRIVATE KEY" in text:
        text = _sub_pem(text)
    if bot or found & _NEEDS["tokens"] or text != original:
        text = _sub_tokens(text)
    if found & _NEEDS["nginx_header"] and _NGINX_HEADER_HINT(low):
        text = _sub_lines(_NGINX_HEADER, _sub_nginx_header, text, _NGINX_HEADER_WORDS, cased=True)
    if found & _NEEDS["nginx_secret"] and _NGINX_SECRET_HINT(low):
        text = _sub_lines(
            _NGINX_SECRET_DIRECTIVE,
            lambda m: m.group(1) + _mask_value(m.group(2)) + m.group(3),
            text,
            _NGINX_SECRET_WORDS,
            cased=True,
        )
    if found & _NEEDS["header"] and _HEADER_HINT(low):
        text = _sub_lines(
            _HEADER_JSON,
            lambda m: m.group(1) + m.group(2) + m.group(1) + m.group(3) + _mask_value(m.group(4)),
            text,
            _HEADER_WORDS,
            cased=True,
        )
        text = _sub_lines(
            _HEADER_LINE,
            lambda m: (
                m.group(1)
                + m.group(2)
                + _mask_value(m.group(3).rstrip())
                + m.group(3)[len(m.group(3).rstrip()) :]
            ),
            text,
            _HEADER_WORDS,
            cased=True,
        )
    if found & _NEEDS["bearer"] and _BEARER_HINT(low):
        text = _sub_lines(_BEARER, _sub_bearer, text, _BEARER_WORDS, cased=True)
    if "env" in low or "arg" in low:
        text = _sub_lines(_DOCKER_ENV, _sub_docker_env, text, _DOCKER_ENV_WORDS, cased=True)
    if ("=" in text or ":" in text) and _may_name(text, original, found):
        text = _sub_assign(text)
    if "${" in text:
        text = _VAR_WITH_DEFAULT.sub(_sub_var_default, text)
    if "identified" in low or "password" in low:
        text = _sub_lines(_SQL_PASSWORD, _sub_sql, text, _SQL_WORDS, cased=True)
    if "://" in text:
        text = _sub_urls(text)
    if "@" in text:
        text = _sub_lines(_BARE_USERINFO, _sub_bare_userinfo, text, ("@",), cased=False)
    if text != original or (found & _NEEDS["commands"] and _may_mask_command(text, 0, len(text))):
        text = _sub_commands(text)
    if ":" in text and _may_name(text, original, found):
        text = _sub_yaml(text)
    return text


def _may_name(text: str, original: str, found: set[str]) -> bool:
    """`_may_name_secret(text)`, read off `found` while `text` is the original (the words
    of `_NAME_HINT` are all minimal trigger words: `found` holds those that occur)."""
    if text == original:
        return not text.isascii() or bool(found & _NEEDS["name"])
    return _may_name_secret(text)


# Letters every secret name holds (`is_secret_name`: its secret words, segments and
# innocent words, with `_` / `-` / `.` and camel case taken out): a text without any of
# them names no secret, so the name-driven passes have nothing to mask. Searched in the
# lower-cased text, which is exact for ASCII; other text is always searched in full
# (case-insensitive patterns match `ſ` as `s`, the Kelvin sign as `k`).
_NAME_HINT = re.compile(
    r"pass|pw|key|secret|token|cred|dsn|private|salt|cookie|signature|conn|database|auth|sess"
)
# the lines `_sub_assign` searches: a secret name holds a `_NAME_HINT` word; a
# `[REDACTED:...]` mask is skipped whole
_ASSIGN_WORDS = (*_NAME_HINT.pattern.split("|"), "redacted")


def _may_name_secret(text: str) -> bool:
    return not text.isascii() or _NAME_HINT.search(text.lower()) is not None


def _literal_trie(words: Iterable[str]) -> str:
    """A regex matching where any of `words` (literals) occurs, factored by common
    prefixes (a word stops at a shorter word it starts with: that one occurs too). The
    regex engine tries an alternative per first character, not one per word."""
    heads: dict[str, list[str]] = {}
    for word in sorted(set(words)):
        heads.setdefault(word[0], []).append(word[1:])
    parts = []
    for head, tails in heads.items():
        if "" in tails:
            parts.append(re.escape(head))
        elif len(tails) == 1:
            parts.append(re.escape(head + tails[0]))
        else:
            parts.append(re.escape(head) + "(?:" + _literal_trie(tails) + ")")
    return "|".join(parts)


# Every trigger of a pass of `_redact`, lower-cased: the hints' words, the token kinds'
# literals, the literals `_redact` looks for, a bot token id's end. An ASCII text in
# which none occurs is left as it is (tests/test_redact_gate.py keeps this in step).
_TRIGGER_WORDS = (
    *_HINT_WORDS,
    *(lit.lower() for lits, _, _ in _TOKENS for lit in lits),
    *_COMMAND_WORD.pattern.split("|"),
    *_SECRET_WORD_HINT.pattern.split("|"),
    *_NAME_HINT.pattern.split("|"),
    *("private key", "eyj", "env", "arg", "${", "identified", "password", "://", "@"),
)
_WORDS = set(_TRIGGER_WORDS)
# the trigger words that hold no other one: a text holds a trigger word iff it holds one
# of these, and no two of them start at the same offset
_MIN_TRIGGERS = frozenset(w for w in _WORDS if not any(o != w and o in w for o in _WORDS))
_ANY_TRIGGER = lazy(_literal_trie(_MIN_TRIGGERS))


def _needs(*words: str) -> frozenset[str]:
    """The minimal trigger words inside `words`: one of them occurs where a word does."""
    return frozenset(m for m in _MIN_TRIGGERS if any(m in w for w in words))


_NEEDS = {
    "tokens": _needs("eyj", *(lit.lower() for lits, _, _ in _TOKENS for lit in lits)),
    "nginx_header": _needs(*_NGINX_HEADER_WORDS),
    "nginx_secret": _needs(*_NGINX_SECRET_WORDS),
    "header": _needs(*_HEADER_WORDS),
    "bearer": _needs(*_BEARER_WORDS),
    "name": _needs(*_NAME_HINT.pattern.split("|")),
    # `_command_triggers`: a command word, or a secret word after a `-`
    "commands": _needs(*_COMMAND_WORD.pattern.split("|"), *_SECRET_WORD_HINT.pattern.split("|")),
}


def _trigger_words(low: str) -> set[str]:
    """The minimal trigger words that occur in `low` (overlapping ones too)."""
    if len(low) > _SHORT_TRIGGER_TEXT:
        return _trigger_words_by_letter(low)
    found: set[str] = set()
    m = _ANY_TRIGGER.search(low)
    while m is not None:
        found.add(m.group())
        m = _ANY_TRIGGER.search(low, m.start() + 1)
    return found


# Above this length one search per first character of the trigger words (or a `str.find`
# for a lone word) is quicker than the one search for all: the regex engine skips to the
# next place its literal first character occurs instead of trying every offset.
_SHORT_TRIGGER_TEXT = 256


def _trigger_words_by_letter(low: str) -> set[str]:
    found: set[str] = set()
    for word, search in _trigger_searches():
        if search is None:
            if word in low:
                found.add(word)
            continue
        m = search(low)
        while m is not None:
            found.add(m.group())
            m = search(low, m.start() + 1)
    return found


@functools.cache
def _trigger_searches() -> tuple[tuple[str, Callable[..., re.Match[str] | None] | None], ...]:
    """Per first character of the minimal trigger words: the word when it is alone, else
    a search for any of them (compiled at first use)."""
    by_first: dict[str, list[str]] = {}
    for word in sorted(_MIN_TRIGGERS):
        by_first.setdefault(word[0], []).append(word)
    return tuple(
        (words[0], None) if len(words) == 1 else (words[0], re.compile(_literal_trie(words)).search)
        for words in by_first.values()
    )


def redact_lines(text: str) -> list[str]:
    """The lines of `text` (as `str.splitlines(keepends=True)`), each redacted with the
    context of the whole text (a private key's middle line, a YAML block scalar)."""
    redacted = redact_text(text)
    shown = redacted.splitlines(keepends=True)
    if redacted is text:  # nothing masked (most files): the lines are the text's
        return shown
    lines = text.splitlines(keepends=True)
    if len(shown) != len(lines):  # a line break other than \n inside a masked value
        return [redact_text(line) for line in lines]
    return shown


def _redact_env_entry(entry: str) -> str:
    """Docker `Config.Env` entry "NAME=value"."""
    name, sep, value = entry.partition("=")
    if sep and is_secret_name(name):
        return f"{name}={_mask_secret_value(value)}" if value else entry
    return redact_text(entry)


_HEADER_KEY = lazy(f"(?i)(?:{_HEADER_NAMES})")


def redact_json(obj: Any, key: str | None = None) -> Any:
    """Redact a parsed JSON document (docker inspect, probe results, a report) recursively:
    secret-named keys lose their values, `Env` entries are redacted by name, lists of
    strings as argv (`--password X`), every other string as text."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            ks = str(k)
            if ks == "Env" and isinstance(v, list):
                out[k] = [_redact_env_entry(e) if isinstance(e, str) else redact_json(e) for e in v]
            elif is_secret_name(ks) or _HEADER_KEY.fullmatch(ks):
                if isinstance(v, str):
                    out[k] = _mask_secret_value(v)
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    out[k] = MASK
                else:
                    out[k] = redact_json(v, ks)
            else:
                out[k] = redact_json(v, ks)
        return out
    if isinstance(obj, list):
        if obj and all(isinstance(x, str) for x in obj):
            return redact_argv(obj)
        return [redact_json(x, key) for x in obj]
    if isinstance(obj, str):
        return redact_text(obj)
    return obj


# ----------------------------------------------------------------------------- bundles


def redact_bytes(path: str, data: bytes) -> bytes:
    """Redact one evidence-bundle member by its type: a `.json` member structurally
    (`Config.Env` by name, `Cmd`/`Args` as argv, secret-named keys), anything else as text."""
    text = data.decode("utf-8", "surrogateescape")
    if path.endswith(".json"):
        import json

        from infradoctor.syntax.jsondoc import loads_bounded

        try:
            obj = loads_bounded(text)
        except ValueError:
            return redact_text(text).encode("utf-8", "surrogateescape")
        return json.dumps(redact_json(obj), indent=1, sort_keys=True, default=str).encode()
    return redact_text(text).encode("utf-8", "surrogateescape")


def redact_bundle(bundle: Any) -> None:
    """Redact every member, the metadata and the collector errors of an evidence bundle
    (anything with `files`, `meta`, `collectors`), in place."""
    for path in list(bundle.files):
        bundle.files[path] = redact_bytes(path, bundle.files[path])
    bundle.meta.update(redact_json(dict(bundle.meta)))
    for status in bundle.collectors:
        if status.error:
            status.error = redact_text(status.error)


__all__ = [
    "BOT_TOKEN",
    "MASK",
    "is_secret_flag",
    "is_secret_name",
    "redact_argv",
    "redact_bundle",
    "redact_bytes",
    "redact_json",
    "redact_lines",
    "redact_text",
    "token_fingerprint",
]
