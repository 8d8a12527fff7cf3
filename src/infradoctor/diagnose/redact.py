"""Redaction of secrets from evidence before anything is written or printed.

Bundles travel (tickets, chat, another machine), so collectors call `redact_bundle` before
returning and every reporter only ever sees redacted data. What goes: values of
environment variables / keys whose names look secret, Authorization / Cookie / Set-Cookie
header values (HTTP dumps, JSON, nginx `proxy_set_header`), bearer/basic credentials,
Telegram bot tokens, passwords in URLs and DSNs, PEM private keys. What stays: IP
addresses, hostnames, ports and paths, because they are the join keys of the analysis.

Bot tokens are replaced by a short SHA-256 fingerprint (`[REDACTED:bot-token:<12 hex>]`) so
the bot-conflict analyzer can still tell "two containers run the same bot" without the
token. Tokens are long random strings, so the fingerprint reveals nothing usable.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from infradoctor.syntax.jsondoc import loads_bounded

MASK = "[REDACTED]"

# Names (env vars, JSON keys, query parameters) whose values are secret.
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
    "AUTH",
    "SALT",
    "COOKIE",
    "SESSION",
    "SIGNATURE",
    "CERT_PASS",
    "APIKEY",
    "ACCESS_KEY",
    "CONN_STR",
    "CONNECTION_STRING",
    "DATABASE_URL",
)
# Names that contain a secret word but are not secrets themselves.
_NOT_SECRET = re.compile(
    r"(?i)^(.*_)?(KEY_?(FILE|PATH|ID|NAME|ALGORITHM|TYPE|SIZE|LENGTH)|"
    r"(TOKEN|SECRET|PASSWORD|KEY)_(FILE|PATH|EXPIRE\w*|TTL|LIFETIME|LENGTH|URL_PATH)|"
    r"AUTH_(TYPE|METHOD|MODE|ENABLED|URL|HOST|PORT)|KEYS?_?DIR|MONKEY|KEYCLOAK\w*|KEYBOARD\w*|"
    r"KEEPALIVE\w*|KEYS?_?ZONE|KEYVAL\w*|KEY_?PREFIX|\w*(ERROR|EXCEPTION)|SESSION_(TIMEOUT|LIFETIME|ENGINE|DRIVER|TTL|COOKIE_AGE))$"
)
_SECRET_NAME = re.compile(
    "(?i)(" + "|".join(_SECRET_WORDS) + r"|(?:^|[_.-])(?:PASS|PW)(?:[_.-]|$))"
)

BOT_TOKEN = re.compile(r"(?<![0-9])(\d{6,12}):([A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])")
_PEM = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----"
    r"(?:.*?-----END \1-----|.*\Z)",
    re.DOTALL,
)
# scheme://user:password@host  (the password may contain '@'; the last '@' before the
# host part wins). user may be empty (redis://:pass@host).
_URL_CRED = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{1,30}://)([^:/?#@\s\"'<>]*):([^\s/?#\"'<>]*)@")
_URL_VALUE = re.compile(r"(?i)^([a-z][a-z0-9+.-]{1,30}://)(?:([^/?#\s]*)@)?([^?#\s]*)(?:\?(\S*))?$")
_BEARER = re.compile(r"(?i)\b(bearer|basic|token|digest)(\s+)([A-Za-z0-9._~+/=-]{8,})")
_HEADER_NAMES = (
    r"authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token|"
    r"x-access-token|api-key|x-amz-security-token|private-token|x-telegram-bot-api-secret-token"
)
# nginx: proxy_set_header Authorization "Bearer ..."; / add_header Set-Cookie ...;
_NGINX_HEADER = re.compile(
    r"(?im)\b((?:proxy|grpc|uwsgi|fastcgi)_set_header|add_header|more_set_headers|"
    r"more_set_input_headers|proxy_set_body)(\s+[\"']?)(" + _HEADER_NAMES + r")([\"']?\s+)"
    r"(\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^;\s][^;\n]*)"
)
# nginx: `secure_link_secret s3cr3t;`, `set $api_token "abc";` (directive or variable
# names that say secret; paths of key files are kept: `ssl_certificate_key` is not here)
_NGINX_SECRET_DIRECTIVE = re.compile(
    r"(?im)^(\s*(?:set\s+\$\w*(?:secret|token|passw(?:or)?d|api_?key)\w*|"
    r"\w*(?:secret|passw(?:or)?d)\w*)\s+)(\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^;\s]+)(\s*;)"
)
# HTTP header style "Name: value" (to end of line) and JSON "Name": "value".
_HEADER_JSON = re.compile(
    r"(?i)([\"'])(" + _HEADER_NAMES + r")\1(\s*:\s*)(\"(?:[^\"\\]|\\.)*\"|'[^']*')"
)
_HEADER_LINE = re.compile(r"(?im)(?<![\w-])(" + _HEADER_NAMES + r")([ \t]*:[ \t]*)([^\r\n\"]+)")
# NAME=value / NAME: value / "NAME": "value" / --name=value / ?api_key=value
_ASSIGN = re.compile(
    r"(?<![A-Za-z0-9_/.])(?<!\$\{)([\"']?)([A-Za-z_][A-Za-z0-9_.-]{0,80})\1([ \t]*[=:][ \t]*)"
    r"(?!//|\?|-[^-\s])"
    r"(\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s\"'&,;}\]<>]+)"
)


# Settings *about* secrets (switches, locations, formats), not secrets themselves.
_BENIGN_SUFFIX = re.compile(
    r"(?i)_(ENABLED?|DISABLED?|URL|URI|PATH|FILE|DIR|NAME|FORMAT|HOST|PORT|TYPE|MODE|METHOD|"
    r"TTL|TIMEOUT|EXPIRES?|EXPIRY|LENGTH|SIZE|SCHEDULE|ALGORITHM|PROVIDER|REALM|SCOPES?|"
    r"ISSUER|AUDIENCE|HEADER|FIELD|ATTRIBUTE|SEARCH|FILTER|ZONE|STRATEGY|BACKEND|DRIVER|"
    r"ENGINE|LIFETIME|AGE|DOMAIN|LABEL|PLUGIN|PROVIDERS|MAP|VERIFICATION|SERVICE|"
    r"INSECURE|ID)$"
)
_ALWAYS_SECRET = re.compile(r"(?i)(DATABASE_URL|DSN|CONNECTION_STRING|CONN_STR)$")


def is_secret_name(name: str) -> bool:
    """Does a variable / key name look like it holds a secret?"""
    bare = name.strip().strip("\"'").lstrip("-").replace("-", "_").replace(".", "_")
    if not bare or not _SECRET_NAME.search(bare):
        return False
    if _ALWAYS_SECRET.search(bare):
        return True
    if _BENIGN_SUFFIX.search(bare):
        return False
    return not _NOT_SECRET.match(bare)


def token_fingerprint(token: str) -> str:
    """Short stable fingerprint of a high-entropy token (never of a password)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:12]


_NOT_A_SECRET_VALUE = frozenset(
    {"true", "false", "yes", "no", "on", "off", "none", "null", "nil", "0", "1", "changeme"}
)
_FILE_PATH = re.compile(r"^/(?:[\w.-]+/)*[\w.-]+$")


def _mask_value(value: str) -> str:
    """Replacement for a secret value; keeps quotes and bot-token fingerprints."""
    quote = (
        value[0] if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) > 1 else ""
    )
    inner = value[1:-1] if quote else value
    if not inner or inner.startswith("$") or MASK in inner or inner.startswith("[REDACTED"):
        return value  # empty, a variable reference, or already redacted
    if inner.lower() in _NOT_A_SECRET_VALUE or _FILE_PATH.match(inner):
        return value  # a switch or a path to a secret file (docker secrets): not the secret
    m = BOT_TOKEN.search(inner)
    if m:
        masked = f"[REDACTED:bot-token:{token_fingerprint(m.group(0))}]"
    else:
        masked = MASK
    return f"{quote}{masked}{quote}"


def _sub_bot(m: re.Match[str]) -> str:
    return f"[REDACTED:bot-token:{token_fingerprint(m.group(0))}]"


def _mask_secret_value(value: str) -> str:
    """Mask the value of a secret-named setting; a URL keeps scheme://host:port/path (the
    join keys) and loses its userinfo and query."""
    url = _URL_VALUE.match(value.strip("\"'"))
    if url:
        quote = value[0] if value[:1] in "\"'" else ""
        masked_url = url.group(1) + (MASK + "@" if url.group(2) else "") + url.group(3)
        if url.group(4):
            masked_url += "?" + MASK
        return quote + masked_url + quote
    return _mask_value(value)


def _sub_assign(m: re.Match[str]) -> str:
    value = m.group(4)
    if m.group(2).upper() == "REDACTED":
        return m.group(0)
    if not is_secret_name(m.group(2)):
        # not secret itself, but the value may hold an assignment (?token=..., "a=b c=d")
        head = m.group(0)[: len(m.group(0)) - len(value)]
        if value[:1] in ("'", '"'):
            return head + value[0] + _ASSIGN.sub(_sub_assign, value[1:])
        return (
            head + value[:1] + _ASSIGN.sub(_sub_assign, value[1:])
            if "=" in value[1:]
            else m.group(0)
        )
    return m.group(1) + m.group(2) + m.group(1) + m.group(3) + _mask_secret_value(value)


def _sub_nginx_header(m: re.Match[str]) -> str:
    value = m.group(5).rstrip()
    tail = m.group(5)[len(value) :]
    return m.group(1) + m.group(2) + m.group(3) + m.group(4) + _mask_value(value) + tail


def _sub_bearer(m: re.Match[str]) -> str:
    value = m.group(3)
    if value.startswith(("[REDACTED", "$")):
        return m.group(0)
    looks_like_credential = len(value) >= 16 or any(ch.isdigit() or ch in "=._+/" for ch in value)
    if not looks_like_credential:
        return m.group(0)  # "Basic Settings", "token expired"
    return f"{m.group(1)}{m.group(2)}{MASK}"


def redact_text(text: str) -> str:
    """Redact secrets in free text (logs, configs, command output)."""
    if not text:
        return text
    text = _PEM.sub(lambda m: f"-----BEGIN {m.group(1)}-----{MASK}-----END {m.group(1)}-----", text)
    text = BOT_TOKEN.sub(_sub_bot, text)
    text = _NGINX_HEADER.sub(_sub_nginx_header, text)
    text = _NGINX_SECRET_DIRECTIVE.sub(
        lambda m: m.group(1) + _mask_value(m.group(2)) + m.group(3), text
    )
    text = _HEADER_JSON.sub(
        lambda m: m.group(1) + m.group(2) + m.group(1) + m.group(3) + _mask_value(m.group(4)), text
    )
    text = _HEADER_LINE.sub(
        lambda m: (
            m.group(1)
            + m.group(2)
            + _mask_value(m.group(3).rstrip())
            + m.group(3)[len(m.group(3).rstrip()) :]
        ),
        text,
    )
    text = _BEARER.sub(_sub_bearer, text)
    text = _ASSIGN.sub(_sub_assign, text)
    text = _URL_CRED.sub(
        lambda m: (
            f"{m.group(1)}{m.group(2)}:{MASK}@" if m.group(3) and m.group(3) != MASK else m.group(0)
        ),
        text,
    )
    return text


def _redact_env_entry(entry: str) -> str:
    """Docker `Config.Env` entry "NAME=value"."""
    name, sep, value = entry.partition("=")
    if sep and is_secret_name(name):
        return f"{name}={_mask_secret_value(value)}" if value else entry
    return redact_text(entry)


def redact_json(obj: Any, key: str | None = None) -> Any:
    """Redact a parsed JSON document (docker inspect, probe results, ...) recursively."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            ks = str(k)
            if ks == "Env" and isinstance(v, list):
                out[k] = [_redact_env_entry(e) if isinstance(e, str) else redact_json(e) for e in v]
            elif is_secret_name(ks) or re.fullmatch(f"(?i){_HEADER_NAMES}", ks):
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
        if key in ("Cmd", "Entrypoint", "Args"):
            return _redact_argv(obj)
        return [redact_json(x, key) for x in obj]
    if isinstance(obj, str):
        return redact_text(obj)
    return obj


def _redact_argv(argv: list[Any]) -> list[Any]:
    """`--password secret` as two argv items: mask the item after a secret-named flag."""
    out: list[Any] = []
    mask_next = False
    for item in argv:
        if not isinstance(item, str):
            out.append(redact_json(item))
            mask_next = False
            continue
        if mask_next and not item.startswith("-"):
            out.append(_mask_value(item))
        else:
            out.append(redact_text(item))
        mask_next = item.startswith("-") and "=" not in item and is_secret_name(item)
    return out


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def redact_bytes(path: str, data: bytes) -> bytes:
    """Redact one bundle member by its type (JSON structurally, anything else as text)."""
    text = _decode(data)
    if path.endswith(".json"):
        try:
            obj = loads_bounded(text)
        except ValueError:
            return _encode(redact_text(text))
        return json.dumps(redact_json(obj), indent=1, sort_keys=True, default=str).encode()
    return _encode(redact_text(text))


def redact_bundle(bundle: Any) -> None:
    """Redact every file, the metadata and collector errors of a Bundle, in place."""
    for path in list(bundle.files):
        bundle.files[path] = redact_bytes(path, bundle.files[path])
    bundle.meta.update(redact_json(dict(bundle.meta)))
    for status in bundle.collectors:
        if status.error:
            status.error = redact_text(status.error)


__all__ = [
    "BOT_TOKEN",
    "MASK",
    "is_secret_name",
    "redact_bundle",
    "redact_bytes",
    "redact_json",
    "redact_text",
    "token_fingerprint",
]
