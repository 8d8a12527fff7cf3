"""Secret-looking variable names and literal values, shared by SEC007 (compose / env files)
and DKR006 (Dockerfile ENV/ARG). Values are only ever measured, never returned."""

from __future__ import annotations

import functools
import re

from infradoctor.lazyre import lazy

NAME_SPLIT_RE = re.compile(r"[_\-.]+|(?<=[a-z0-9])(?=[A-Z])")

SECRET_LAST = frozenset(
    {
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "SECRET",
        "TOKEN",
        "APIKEY",
        "SECRETKEY",
        "CREDENTIALS",
        "PASSPHRASE",
        "PRIVATEKEY",
        "ACCESSKEY",
        "AUTHTOKEN",
    }
)
SECRET_PAIR_FIRST = frozenset(
    {
        "API",
        "SECRET",
        "PRIVATE",
        "ACCESS",
        "SIGNING",
        "ENCRYPTION",
        "MASTER",
        "APP",
        "AUTH",
        "JWT",
        "HMAC",
        "SESSION",
        "LICENSE",
        "SERVICE",
        "ACCOUNT",
        "CLIENT",
        "WEBHOOK",
        "CRYPT",
    }
)
# A trailing word that makes the variable describe a secret rather than hold one.
NOT_SECRET_LAST = frozenset(
    {
        "FILE",
        "PATH",
        "DIR",
        "LENGTH",
        "LEN",
        "MIN",
        "MAX",
        "EXPIRE",
        "EXPIRES",
        "EXPIRY",
        "EXPIRATION",
        "TTL",
        "TIMEOUT",
        "ENABLED",
        "ENABLE",
        "DISABLED",
        "REQUIRED",
        "ALGORITHM",
        "ALGO",
        "TYPE",
        "NAME",
        "HEADER",
        "ID",
        "USER",
        "USERNAME",
        "POLICY",
        "LIFETIME",
        "MINUTES",
        "SECONDS",
        "HOURS",
        "DAYS",
        "AGE",
        "COST",
        "ROUNDS",
        "PROVIDER",
        "MODE",
        "FORMAT",
        "LOCATION",
        "HOST",
        "PORT",
        "URL",
        "URI",
        "ENDPOINT",
        "VERSION",
        "PREFIX",
        "SUFFIX",
        "LIMIT",
        "COUNT",
        "SIZE",
        "STRENGTH",
        "COMPLEXITY",
        "RESET",
        "HINT",
        "FIELD",
        "PARAM",
        "COOKIE",
        "REGEX",
        "PATTERN",
        "METHOD",
        "ISSUER",
        "AUDIENCE",
        "SCOPE",
        "SCOPES",
    }
)

URL_PASSWORD_RE = re.compile(r"^[a-z][a-z0-9+.\-]*://[^/\s:@]+:([^@\s/]+)@", re.IGNORECASE)
PLACEHOLDER_RE = lazy(r"^(<[^>]*>|\{\{.*\}\}|\[[^\]]*\]|[xX*._\-]+|\.\.\.)$")
FILE_PATH_RE = lazy(r"^(/|\./|~/)[\w.@/-]*/[\w.@-]+$|^/[\w.@-]+\.(json|pem|key|txt)$")
# Words that make a value a placeholder someone is meant to replace (change-me,
# replace_me, your-api-key, example, dummy, xxx...), not a credential.
PLACEHOLDER_WORDS = frozenset(
    {"changeme", "replaceme", "changethis", "example", "dummy", "placeholder", "todo", "fixme"}
)
PLACEHOLDER_PAIRS = frozenset({("change", "me"), ("replace", "me"), ("change", "this")})
VALUE_SPLIT_RE = re.compile(r"[^a-z0-9]+")
PEM_PRIVATE_RE = lazy(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----")
HEX_KEY_RE = lazy(r"^(?:0x)?[0-9a-fA-F]{32,}$")
NOT_SECRET_VALUES = frozenset(
    {"true", "false", "yes", "no", "on", "off", "none", "null", "nil", "undefined", "0", "1"}
)


def name_words(name: str) -> list[str]:
    return [w.upper() for w in NAME_SPLIT_RE.split(name) if w]


@functools.lru_cache(maxsize=4096)  # the same names recur in every service and rule
def is_secret_name(name: str) -> bool:
    """PASSWORD, DB_PASSWORD, SECRET_KEY, GITHUB_TOKEN, STRIPE_API_KEY... but not
    PASSWORD_FILE, TOKEN_TTL, PWD (the shell's working directory) or JWT_SECRET_LENGTH."""
    words = name_words(name)
    if not words or name.upper() == "PWD":
        return False
    if words[-1] in NOT_SECRET_LAST:
        return False
    last = words[-1]
    if last in SECRET_LAST:
        return True
    if last in ("KEY", "KEYS") and len(words) >= 2 and words[-2] in SECRET_PAIR_FIRST:
        return True
    if "".join(words[-2:]) in SECRET_LAST:
        return True
    if last == "BASE" and words[-2:-1] == ["KEY"]:  # Rails SECRET_KEY_BASE
        return True
    return private_key_name(words)


def private_key_name(words: list[str]) -> bool:
    """`*PRIVATE_KEY*` anywhere in the name (PRIVATE_KEY_PEM, JWT_PRIVATE_KEY_BASE64,
    GITHUB_APP_PRIVATE_KEY_CONTENT): key material whatever follows, as redaction judges
    it (the caller has already excluded PRIVATE_KEY_PATH, _FILE, _ID...)."""
    joined = "_".join(words)
    return "PRIVATE_KEY" in joined or "PRIVATEKEY" in words


def is_reference(raw_text: str) -> bool:
    """`${VAR}`, `$VAR`: the value comes from the environment at deploy time."""
    return "$" in raw_text


def is_literal_secret_value(value: str | None) -> bool:
    """A value that is a real literal (not empty, not a boolean, not a template placeholder
    such as `<your-token>`). Weak defaults like `changeme` or `secret` ARE literal secrets:
    they work as credentials and are the first ones a scanner tries."""
    if value is None:
        return False
    v = value.strip().strip("'\"")
    if not v or v.lower() in NOT_SECRET_VALUES:
        return False
    if PLACEHOLDER_RE.match(v) or is_placeholder(v):
        return False
    if FILE_PATH_RE.match(v):
        return False  # a path to a key/credentials file (Docker secrets, mounted JSON key)
    return True


def is_placeholder(value: str) -> bool:
    """change-me, changeme!, please_change_me, replace-me, your-api-key, <token>, example,
    dummy, xxx, long-and-random-alphanumeric-string: text asking to be replaced."""
    words = [w for w in VALUE_SPLIT_RE.split(value.lower()) if w]
    if not words or words[0] == "your" or "xxx" in value.lower():
        return True
    if PLACEHOLDER_WORDS.intersection(words) or "random" in words and "string" in words:
        return True
    return any(pair in PLACEHOLDER_PAIRS for pair in zip(words, words[1:], strict=False))


def looks_like_key_material(value: str) -> bool:
    """Long and mixed (letters with digits or symbols), a long hex string (an Ethereum or
    Nostr private key, a 256-bit secret) or a PEM private key block: generated key
    material rather than a weak example default such as `postgres` or `mysecretpassword`."""
    v = value.strip().strip("'\"")
    if PEM_PRIVATE_RE.search(v) or HEX_KEY_RE.match(v):
        return True
    classes = sum(
        (any(c.islower() for c in v), any(c.isupper() for c in v), any(c.isdigit() for c in v))
    ) + any(not c.isalnum() for c in v)
    return len(v) >= 20 and classes >= 3


def secret_part(value: str) -> str:
    """The part of a value that is the credential: the password of a connection URL
    (`mysql://root:hello@db/app` -> `hello`; the URL's punctuation is not key material),
    otherwise the whole value."""
    m = URL_PASSWORD_RE.match(value.strip())
    return m.group(1) if m else value


def url_with_password(value: str | None) -> bool:
    """`postgres://app:hunter2@db/app`: a connection URL with an inline literal password."""
    if not value or "://" not in value:  # the pattern needs one: most values have none
        return False
    m = URL_PASSWORD_RE.match(value.strip())
    if m is None:
        return False
    return is_literal_secret_value(m.group(1)) and "$" not in m.group(1)
