"""What a service really listens on inside its container, and how we know.

Facts come from, strongest first: the server command (compose `command`/`entrypoint`, else
Dockerfile CMD/ENTRYPOINT, exec or shell form) parsed for known app servers and their
*defaults* (uvicorn/gunicorn/hypercorn/daphne/runserver bind 127.0.0.1 unless told
otherwise -- the classic loopback 502); the healthcheck command (it probes a port from
inside the container); nginx `listen` for nginx services (added by the link step);
declarations (`expose`, `ports` targets, Dockerfile EXPOSE); hints (PORT/APP_PORT env);
and, only when nothing else is known, well-known images (postgres 5432, ...).

A platform convention as reliable as a flag is strong too ("convention"): $PORT for
`node app.js` / `npm start` / a node image (Express, Nest, Next, Nuxt all listen on
process.env.PORT), SERVER_PORT for Spring Boot. Any fact derived from a value that used an
unset variable (compose substitutes "", `Service.unset_values` says where) or an unknown
one is dropped, and the server's default port does not stand in for it: the port is
unknown, so rules stay silent.

`ListenAddress.source` is "<kind>:<detail>" with kind one of: command, default, convention,
healthcheck, nginx, image, expose, ports, EXPOSE, env, weak (php-fpm's default pool). Rules
use `evidence()` to decide whether the set is complete enough to say "port X is not
listened on".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar, cast

from infradoctor.facts.dockerfile import stage_chain
from infradoctor.facts.env import UNSET_MARK
from infradoctor.facts.image_table import port_rows
from infradoctor.lazyre import lazy
from infradoctor.model.source import Location
from infradoctor.model.stack import Dockerfile, Instruction, ListenAddress, Service
from infradoctor.records import record
from infradoctor.syntax.numbers import digits_value
from infradoctor.syntax.shell import split_words

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "ip6-localhost"})
ALL_HOSTS = frozenset({"0.0.0.0", "::", "[::]", "*", ""})

# Source kinds by how much they tell us.
STRONG_KINDS = frozenset({"command", "default", "nginx", "convention"})
DECLARED_KINDS = frozenset({"expose", "ports", "EXPOSE", "healthcheck"})
IMAGE_KIND = "image"
HINT_KINDS = frozenset({"env", "weak"})

# Well-known images' default ports come from the curated table (data/images.toml): each
# row's `ports_key` is a substring of the image's repository name; web servers (nginx,
# httpd, caddy) are weak: their port comes from a config file.


WEB_SERVER_WORDS = ("nginx", "openresty", "tengine", "angie")


@dataclass(slots=True)
class Token:
    """One word of the effective container command, with where it was written."""

    text: str
    location: Location | None
    origin: str  # "compose command" | "compose entrypoint" | "Dockerfile CMD" | ...


# ---------------------------------------------------------------- environment


ENV_REF_RE = lazy(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


def build_target(service: Service) -> str | None:
    build = service.raw.get("build") if isinstance(service.raw, dict) else None
    if isinstance(build, dict) and isinstance(build.get("target"), str):
        return str(build["target"])
    return None


def dockerfile_env(dockerfile: Dockerfile | None, target: str | None = None) -> dict[str, str]:
    """ENV of the stage that runs, following `FROM <earlier stage>` chains."""
    env: dict[str, str] = {}
    for st in reversed(stage_chain(dockerfile, target)):
        for ins in st.all("ENV"):
            env.update((k, v) for k, v in ins.env if v is not None)
    return env


def dockerfile_process(service: Service) -> tuple[Instruction | None, Instruction | None]:
    """(ENTRYPOINT, CMD) in effect for the stage that runs. An ENTRYPOINT set in a later
    stage than the CMD resets it, as Docker does."""
    entrypoint: Instruction | None = None
    cmd: Instruction | None = None
    ep_depth = cmd_depth = None
    for depth, st in enumerate(stage_chain(service.dockerfile, build_target(service))):
        if entrypoint is None and st.last("ENTRYPOINT") is not None:
            entrypoint, ep_depth = st.last("ENTRYPOINT"), depth
        if cmd is None and st.last("CMD") is not None:
            cmd, cmd_depth = st.last("CMD"), depth
    if ep_depth is not None and cmd_depth is not None and ep_depth < cmd_depth:
        cmd = None
    return entrypoint, cmd


def dockerfile_expose(service: Service) -> list[Instruction]:
    return [
        ins
        for st in stage_chain(service.dockerfile, build_target(service))
        for ins in st.all("EXPOSE")
    ]


def _service_env(service: Service) -> dict[str, str]:
    """Environment inside the container: Dockerfile ENV overlaid by compose environment."""
    env = dockerfile_env(service.dockerfile, build_target(service))
    for name, var in service.environment.items():
        if var.value is not None:
            env[name] = var.value
    return env


def _listen_env(service: Service) -> dict[str, str]:
    """`service_env` with UNSET_MARK where a compose value used an unset variable: such a
    value is unknown at deploy time, not the "" compose substituted."""
    env = service_env(service)
    if not service.unset_values:
        return env
    for name, var in service.environment.items():
        if var.value is None:
            continue
        marked = service.unset_values.get(var.value)
        if marked is None:  # list syntax: the scalar was `NAME=value`
            pair = service.unset_values.get(f"{name}={var.value}")
            marked = pair.split("=", 1)[1] if pair is not None and "=" in pair else None
        if marked is not None:
            env[name] = marked
    return env


def is_unknown(text: str | None) -> bool:
    """Whether `text` holds a value we can't know (an unset or unknown variable)."""
    return text is not None and UNSET_MARK in text


def expand(text: str, env: Mapping[str, str]) -> str | None:
    """Expand $VAR / ${VAR:-default} the way a shell would; None if a variable is unknown."""
    out = expand_marked(text, env)
    return None if is_unknown(out) else out


def expand_marked(text: str, env: Mapping[str, str]) -> str:
    """Like `expand`, but an unknown variable becomes UNSET_MARK in place, so the rest of the
    word (`0.0.0.0:$PORT` -> `0.0.0.0:\x00`) still says which flag it belonged to."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(4)
        op, default = m.group(2), m.group(3)
        val = env.get(name)
        if op in (":-", ":=") and not val:
            return default or ""
        if op in ("-", "=") and val is None:
            return default or ""
        if val is None:
            return UNSET_MARK
        return val

    return ENV_REF_RE.sub(sub, text)


# ---------------------------------------------------------------- command line


SEPARATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "\n", "(", ")"})
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})
WRAPPERS = frozenset(
    {
        "exec",
        "env",
        "nohup",
        "dumb-init",
        "tini",
        "gosu",
        "su-exec",
        "chpst",
        "nice",
        "time",
        "--",
        "-s",
        "-g",
        "doppler",
        "run",
    }
)


MAX_COMMAND_WORDS = 10_000


def split_shell(text: str) -> list[str]:
    """Shell-ish word split that keeps `&&`, `;` and `|` as their own words (an
    unterminated quote makes the rest of the text one word; never raises). Only the
    first MAX_COMMAND_WORDS words are read: commands are analysed word by word, many
    times over, and no real command line is that long."""
    return split_words(text, ";&|()", max_words=MAX_COMMAND_WORDS)


def _part_tokens(
    value: list[str] | str | None,
    location: Location | None,
    origin: str,
    unset: Mapping[str, str] | None = None,
) -> list[Token]:
    """Words of a command; `unset` (Service.unset_values) puts UNSET_MARK back where compose
    interpolated an unset variable to "" -- otherwise `--port ${PORT}` would lose its
    value word entirely in a shell-form string."""
    if value is None:
        return []
    if isinstance(value, list):
        words = [unset.get(w, w) if unset else w for w in value[:MAX_COMMAND_WORDS]]
    else:
        words = split_shell(unset.get(value, value) if unset else value)
    return [Token(str(w), location, origin) for w in words]


def _command_tokens(service: Service) -> list[Token]:
    """The effective argv of the container (ENTRYPOINT + CMD after compose overrides),
    with `sh -c "..."` strings unwrapped into words."""
    tokens: list[Token] = []
    if service.entrypoint is not None:
        tokens += _part_tokens(
            service.entrypoint,
            service.loc("entrypoint"),
            "compose entrypoint",
            service.unset_values,
        )
        tokens += _part_tokens(
            service.command, service.loc("command"), "compose command", service.unset_values
        )
    else:
        ep, cmd = dockerfile_process(service)
        if ep is not None:
            tokens += _part_tokens(
                ep.exec_form if ep.exec_form is not None else ep.value,
                ep.location,
                "Dockerfile ENTRYPOINT",
            )
        if service.command is not None:
            tokens += _part_tokens(
                service.command, service.loc("command"), "compose command", service.unset_values
            )
        elif cmd is not None:
            tokens += _part_tokens(
                cmd.exec_form if cmd.exec_form is not None else cmd.value,
                cmd.location,
                "Dockerfile CMD",
            )
    return unwrap_shell(tokens)


def unwrap_shell(tokens: list[Token], depth: int = 0) -> list[Token]:
    """Replace `sh -c "<script>"` by the script's words (recursively, bounded; at most
    MAX_COMMAND_WORDS words in all)."""
    out: list[Token] = []
    i = 0
    while i < len(tokens) and len(out) < MAX_COMMAND_WORDS:
        t = tokens[i]
        base = t.text.rsplit("/", 1)[-1]
        if (
            depth < 3
            and base in SHELLS
            and i + 2 < len(tokens)
            and tokens[i + 1].text.startswith("-")
            and "c" in tokens[i + 1].text
        ):
            script = tokens[i + 2]
            inner = [Token(w, script.location, script.origin) for w in split_shell(script.text)]
            out += unwrap_shell(inner, depth + 1)
            out.append(Token(";", script.location, script.origin))
            i += 3
            continue
        out.append(t)
        i += 1
    return out


def segments(tokens: list[Token]) -> list[list[Token]]:
    """Split into simple commands at `&&`, `;`, `|` ..."""
    segs: list[list[Token]] = [[]]
    for t in tokens:
        if t.text in SEPARATORS:
            segs.append([])
        else:
            segs[-1].append(t)
    return [s for s in segs if s]


ASSIGN_RE = lazy(r"^[A-Za-z_][A-Za-z0-9_]*=")


class Args:
    """Option lookup over one simple command's words (after the program word)."""

    def __init__(self, words: list[str]) -> None:
        self.words = words

    def values(self, *names: str) -> list[str]:
        out: list[str] = []
        for i, w in enumerate(self.words):
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


@record
class Found:
    port: int
    host: str | None
    kind: str  # command | default | env
    detail: str
    location: Location | None


def server_word(words: list[str]) -> tuple[int, str] | None:
    """Index and normalised name of the app-server program in a simple command."""
    for i, w in enumerate(words):
        base = w.rsplit("/", 1)[-1].lower()
        if base.endswith(".py") and base != "manage.py":
            base_noext = base[:-3]
        else:
            base_noext = base
        if base_noext in (
            "uvicorn",
            "gunicorn",
            "hypercorn",
            "daphne",
            "granian",
            "uwsgi",
            "waitress-serve",
            "php-fpm",
            "puma",
            "rails",
            "next",
            "nuxt",
            "nuxi",
            "streamlit",
            "php",
            "flask",
            "http.server",
            "simplehttpserver",
            "java",
            "node",
            "npm",
            "yarn",
            "pnpm",
            "bun",
            "deno",
            "redis-server",
            "postgres",
            "mongod",
            "memcached",
        ) or re.fullmatch(r"php-fpm[\d.]*", base_noext):
            if base_noext == "php":
                # php -S 0.0.0.0:8000 (built-in server) only
                if "-S" in words[i + 1 :]:
                    return i, "php"
                continue
            if base_noext.startswith("php-fpm"):
                return i, "php-fpm"
            return i, base_noext
        if base == "manage.py" and "runserver" in words[i + 1 :]:
            return i, "runserver"
        if base == "-m" and i + 1 < len(words):
            mod = words[i + 1].lower()
            if mod in (
                "uvicorn",
                "gunicorn",
                "hypercorn",
                "daphne",
                "flask",
                "http.server",
                "granian",
                "streamlit",
            ):
                return i + 1, mod
    return None


def detect_command(service: Service, env: Mapping[str, str]) -> list[Found]:
    """Listen facts from the container command (explicit flags and server defaults)."""
    found: list[Found] = []
    for seg in segments(command_tokens(service)):
        local_env = dict(env)
        words: list[str] = []
        for t in seg:
            if not words and ASSIGN_RE.match(t.text):
                k, v = t.text.split("=", 1)
                local_env[k] = expand_marked(v, env)
                continue
            words.append(t.text)
        expanded = [expand_marked(w, local_env) for w in words]
        hit = server_word(expanded)
        if hit is None:
            continue
        idx, server = hit
        loc = seg[min(idx, len(seg) - 1)].location if seg else None
        origin = seg[0].origin if seg else ""
        args = Args(expanded[idx + 1 :])
        if _listen_arg_unknown(server, args):
            continue  # the address is in a flag we can't read: no fact, no default either
        facts = _detect_server(server, args, local_env, loc, origin, service)
        if any(is_unknown(f.detail) for f in facts):
            continue  # derived from an unknown value (env var, joined flag): unknown
        found.extend(facts)
    return found


# Flags that carry a listen address or port for some server we know.
LISTEN_FLAGS = frozenset(
    {
        "--port",
        "-p",
        "--host",
        "-h",
        "-H",
        "--hostname",
        "-b",
        "--bind",
        "--binding",
        "--listen",
        "--http",
        "--https",
        "--http-socket",
        "--socket",
        "-s",
        "--uwsgi-socket",
        "-e",
        "--endpoint",
        "-S",
        "-u",
        "--unix-socket",
        "--uds",
        "--fd",
        "--address",
        "--addr",
        "--server.port",
        "--server.address",
    }
)
# Servers whose listen address can be a positional word (`runserver 0.0.0.0:8000`).
POSITIONAL_ADDRESS_SERVERS = frozenset({"runserver", "http.server", "simplehttpserver"})


def _listen_arg_unknown(server: str, args: Args) -> bool:
    """Whether a listen flag's value is unknown (an unset variable) or empty: then the
    address is unknown, and the server's default port must not stand in for it."""
    words = args.words
    for i, word in enumerate(words):
        prev = words[i - 1] if i else ""
        value_of_flag = prev in LISTEN_FLAGS and not word.startswith("-")
        if value_of_flag and (is_unknown(word) or not word.strip()):
            return True
        if not is_unknown(word):
            continue
        flag = word.split("=", 1)[0]
        if "=" in word and (flag in LISTEN_FLAGS or flag.startswith(("-Dserver.", "--server."))):
            return True
        if word[:2] in LISTEN_FLAGS and len(word) > 2 and not word.startswith("--"):
            return True  # joined short flag: `-b0.0.0.0:$PORT`
        if (
            server in POSITIONAL_ADDRESS_SERVERS
            and not word.startswith("-")
            and not prev.startswith("-")
        ):
            return True
    return False


def _mk(
    port: int | None, host: str | None, kind: str, detail: str, loc: Location | None
) -> list[Found]:
    if port is None:
        return []
    return [Found(port, normalise_host(host), kind, detail, loc)]


def _uvicorn(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of uvicorn."""
    if args.has("--uds", "--fd"):
        return []
    host = args.value("--host") or env.get("UVICORN_HOST")
    port_s = args.value("--port") or env.get("UVICORN_PORT")
    if host is None and port_s is None:
        return _mk(
            8000,
            "127.0.0.1",
            "default",
            f"uvicorn without --host/--port defaults to 127.0.0.1:8000{where}",
            loc,
        )
    port = parse_port(port_s) if port_s is not None else 8000
    kind = "command"
    detail = (
        "uvicorn"
        + (f" --host {host}" if host else " (no --host: 127.0.0.1)")
        + (f" --port {port_s}" if port_s else " (no --port: 8000)")
    )
    return _mk(port, host or "127.0.0.1", kind, detail + where, loc)


def _gunicorn(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of gunicorn and hypercorn."""
    binds = args.values("-b", "--bind")
    if server == "gunicorn":
        cmd_args = env.get("GUNICORN_CMD_ARGS")
        if cmd_args:
            binds += Args(split_shell(cmd_args)).values("-b", "--bind")
    if binds:
        out: list[Found] = []
        for b in binds:
            hp = parse_host_port(b)
            if hp is None:
                continue
            host, port = hp
            if port is None:
                if ":" in b.rsplit("]", 1)[-1] or host is None:
                    return []  # `0.0.0.0:` / `:$PORT`: the port is unknown, no default
                port = 8000  # `-b 0.0.0.0`: gunicorn's default port
            out += _mk(port, host, "command", f"{server} --bind {b}{where}", loc)
        return out
    if args.has("-c", "--config") or _has_config_file(server, service):
        return []  # the bind is in a config file we don't read
    if server == "gunicorn" and env.get("PORT"):
        # gunicorn's own default: bind 0.0.0.0:$PORT when PORT is set.
        return _mk(
            parse_port(env.get("PORT")),
            "0.0.0.0",
            "default",
            f"gunicorn without --bind uses $PORT={env.get('PORT')}{where}",
            loc,
        )
    return _mk(
        8000,
        "127.0.0.1",
        "default",
        f"{server} without --bind defaults to 127.0.0.1:8000{where}",
        loc,
    )


def _granian(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of granian."""
    if args.has("--uds"):
        return []
    host = args.value("--host") or env.get("GRANIAN_HOST") or "127.0.0.1"
    port = parse_port(args.value("--port") or env.get("GRANIAN_PORT") or "8000")
    return _mk(port, host, "command", f"granian --host {host} --port {port}{where}", loc)


def _daphne(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of daphne."""
    if args.has("-u", "--unix-socket", "--fd"):
        return []
    endpoints = args.values("-e", "--endpoint")
    out = []
    for ep in endpoints:
        m = re.search(r"port=(\d+)", ep)
        im = re.search(r"interface=([^:]+)", ep)
        if m:
            out += _mk(
                parse_port(m.group(1)),
                im.group(1) if im else "0.0.0.0",
                "command",
                f"daphne -e {ep}{where}",
                loc,
            )
    host = args.value("-b", "--bind")
    port_s = args.value("-p", "--port")
    if endpoints and host is None and port_s is None:
        return out
    kind = "command" if (host or port_s) else "default"
    return out + _mk(
        parse_port(port_s) if port_s else 8000,
        host or "127.0.0.1",
        kind,
        f"daphne -b {host or '127.0.0.1 (default)'} -p {port_s or '8000 (default)'}{where}",
        loc,
    )


def _uwsgi(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of uwsgi."""
    out = []
    for flag in ("--http", "--http-socket", "--socket", "-s", "--uwsgi-socket", "--https"):
        for v in args.values(flag):
            hp = parse_host_port(v.split(",", 1)[0])
            if hp is not None:
                out += _mk(hp[1], hp[0] or "0.0.0.0", "command", f"uwsgi {flag} {v}{where}", loc)
    return out


def _flask(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of flask."""
    if "run" not in args.words:
        return []
    host = args.value("--host", "-h") or env.get("FLASK_RUN_HOST")
    port_s = args.value("--port", "-p") or env.get("FLASK_RUN_PORT")
    kind = "command" if (host or port_s) else "default"
    return _mk(
        parse_port(port_s) if port_s else 5000,
        host or "127.0.0.1",
        kind,
        f"flask run --host {host or '127.0.0.1 (default)'} --port "
        f"{port_s or '5000 (default)'}{where}",
        loc,
    )


def _runserver(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of runserver."""
    pos = [w for w in args.positional() if w != "runserver"]
    addr = pos[0] if pos else None
    if addr is None:
        return _mk(
            8000,
            "127.0.0.1",
            "default",
            f"manage.py runserver without an address binds 127.0.0.1:8000{where}",
            loc,
        )
    hp = parse_host_port(addr)
    if hp is None:
        return []
    host, port = hp
    if port is None and host is not None and digits_value(host) is not None:
        host, port = None, parse_port(host)
    return _mk(
        port or 8000, host or "127.0.0.1", "command", f"manage.py runserver {addr}{where}", loc
    )


def _http_server(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of http.server and simplehttpserver."""
    pos = args.positional()
    port = parse_port(pos[0]) if pos else 8000
    host = args.value("--bind", "-b") or "0.0.0.0"
    return _mk(
        port,
        host,
        "command" if pos else "default",
        f"python -m http.server {pos[0] if pos else '(default 8000)'}{where}",
        loc,
    )


def _php(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of php."""
    php_addr = args.value("-S")
    hp = parse_host_port(php_addr) if php_addr else None
    if hp is None:
        return []
    return _mk(hp[1], hp[0], "command", f"php -S {php_addr}{where}", loc)


def _php_fpm(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of php-fpm."""
    # Pools can listen anywhere (custom images add pools): a weak fact.
    return _mk(9000, None, "weak", f"php-fpm listens on 9000 by default{where}", loc)


def _rails(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of rails and puma."""
    if server == "rails" and not ({"s", "server"} & set(args.words)):
        return []
    port_s = args.value("-p", "--port") or env.get("PORT")
    bind = args.value("-b", "--binding", "--bind")
    if server == "puma" and bind and "://" in bind:
        hp = parse_host_port(bind)
        return _mk(hp[1], hp[0], "command", f"puma -b {bind}{where}", loc) if hp else []
    if server == "puma" and args.has("-C", "--config") and not port_s:
        return []
    default = 3000 if server == "rails" else 9292
    return _mk(
        parse_port(port_s) if port_s else default,
        bind,
        "command" if port_s else "default",
        f"{server} -p {port_s or f'{default} (default)'}{where}",
        loc,
    )


def _next(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of next, nuxt and nuxi."""
    # Both read PORT (Nuxt also NUXT_PORT / NITRO_PORT) and default to 3000.
    if not ({"start", "dev", "preview"} & set(args.words)):
        return []
    port_s = args.value("-p", "--port") or env.get("PORT")
    if server != "next":
        port_s = (
            args.value("-p", "--port")
            or env.get("NUXT_PORT")
            or env.get("NITRO_PORT")
            or env.get("PORT")
        )
    host = args.value("-H", "--hostname")
    return _mk(
        parse_port(port_s) if port_s else 3000,
        host,
        "command" if port_s else "default",
        f"{server} {'-p ' + port_s if port_s else '(default port 3000)'}{where}",
        loc,
    )


def _streamlit(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of streamlit."""
    port_s = args.value("--server.port") or env.get("STREAMLIT_SERVER_PORT")
    return _mk(
        parse_port(port_s) if port_s else 8501,
        args.value("--server.address"),
        "command" if port_s else "default",
        f"streamlit --server.port {port_s or '8501 (default)'}{where}",
        loc,
    )


def _java(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of java."""
    props = [w for w in args.words if w.startswith(("-Dserver.port=", "--server.port="))]
    if props:
        port = parse_port(props[-1].split("=", 1)[1])
        return _mk(port, None, "command", f"java {props[-1]}{where}", loc)
    port_s = env.get("SERVER_PORT")
    if port_s:
        # Spring Boot binds SERVER_PORT to server.port (relaxed binding): reliable.
        kind = "convention" if _looks_spring(service, args, env) else "env"
        return _mk(parse_port(port_s), None, kind, f"SERVER_PORT={port_s}{where}", loc)
    if _looks_spring(service, args, env):
        return _mk(8080, None, "default", f"Spring Boot default server.port 8080{where}", loc)
    return []


def _node(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of node, npm, yarn, pnpm, bun and deno."""
    port_s = env.get("PORT")
    if not port_s:
        return []
    kind = "convention" if _node_reads_port(server, args, service) else "env"
    program = " ".join([server, *args.positional()[:2]])
    return _mk(
        parse_port(port_s),
        env.get("HOST") or None,
        kind,
        f"{program} with PORT={port_s}{where}",
        loc,
    )


def _datastore(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    where: str,
    service: Service,
) -> list[Found]:
    """Listen facts of redis-server, postgres, mongod and memcached."""
    port_s = args.value("--port", "-p")
    defaults = {"redis-server": 6379, "postgres": 5432, "mongod": 27017, "memcached": 11211}
    return _mk(
        parse_port(port_s) if port_s else defaults[server],
        None,
        "command" if port_s else "default",
        f"{server} {'--port ' + port_s if port_s else '(default port)'}{where}",
        loc,
    )


_ServerDetector = Callable[
    [str, Args, Mapping[str, str], Location | None, str, Service], list[Found]
]
# One detector per known server (aliases share one): the server names detect_listens knows.
_SERVER_DETECTORS: dict[str, _ServerDetector] = {
    "uvicorn": _uvicorn,
    "gunicorn": _gunicorn,
    "hypercorn": _gunicorn,
    "granian": _granian,
    "daphne": _daphne,
    "uwsgi": _uwsgi,
    "flask": _flask,
    "runserver": _runserver,
    "http.server": _http_server,
    "simplehttpserver": _http_server,
    "php": _php,
    "php-fpm": _php_fpm,
    "rails": _rails,
    "puma": _rails,
    "next": _next,
    "nuxt": _next,
    "nuxi": _next,
    "streamlit": _streamlit,
    "java": _java,
    "node": _node,
    "npm": _node,
    "yarn": _node,
    "pnpm": _node,
    "bun": _node,
    "deno": _node,
    "redis-server": _datastore,
    "postgres": _datastore,
    "mongod": _datastore,
    "memcached": _datastore,
}


def _detect_server(
    server: str,
    args: Args,
    env: Mapping[str, str],
    loc: Location | None,
    origin: str,
    service: Service,
) -> list[Found]:
    """Facts for one known server. A fact's `detail` quotes the values it came from, so
    the caller can drop facts derived from unknown values (they contain UNSET_MARK)."""
    detect = _SERVER_DETECTORS.get(server)
    if detect is None:
        return []
    return detect(server, args, env, loc, f" ({origin})" if origin else "", service)


# Scripts run by tools that ignore $PORT (own defaults or flags), or that set the port
# themselves: PORT in the environment proves nothing for them.
PORT_IGNORING_SCRIPT_RE = lazy(
    r"\b(vite|ng\s+serve|webpack|http-server|live-server|parcel|astro|gatsby|ember|"
    r"storybook|serve\s)|(^|\s)(-p|--port)(\s|=)|\bPORT="
)
NODE_RUNNERS = frozenset({"npm", "yarn", "pnpm", "bun"})


def _node_reads_port(server: str, args: Args, service: Service) -> bool:
    """Whether the Node process surely reads $PORT: `node app.js` and
    `npm start` of an Express/Nest/Next/Nuxt app listen on process.env.PORT by convention.
    Dev servers such as Vite ignore it, so `npm run dev` needs a package.json that shows
    the script is not one of those."""
    positional = [w for w in args.positional() if not is_unknown(w)]
    if server == "node":
        return bool(positional)
    if server not in NODE_RUNNERS or not positional:
        return False
    script = positional[0]
    if script in ("run", "run-script") and len(positional) > 1:
        script = positional[1]
    elif server == "bun" and "." in script:  # `bun server.ts`: Bun.serve() reads PORT
        return True
    start_like = script == "start" or script.startswith(("start:", "serve", "prod"))
    dev_like = script.startswith("dev")
    if not (start_like or dev_like):
        return False
    body = service.package_scripts.get(script)  # read at load (loaders/disk_facts.py)
    if body is not None and PORT_IGNORING_SCRIPT_RE.search(body):
        return False
    return body is not None or start_like


def _looks_spring(service: Service, args: Args, env: Mapping[str, str]) -> bool:
    text = " ".join(args.words).lower() + " " + service.image_name
    if "spring" in text or any(k.startswith("SPRING_") for k in env):
        return True
    return False


def _has_config_file(server: str, service: Service) -> bool:
    """gunicorn reads ./gunicorn.conf.py by default; hypercorn only with -c."""
    return server == "gunicorn" and service.gunicorn_config


def detect_generic_flags(service: Service, env: Mapping[str, str]) -> list[Found]:
    """`--port N` / `-p N` / `--listen host:port` on a command we don't otherwise know."""
    out: list[Found] = []
    for seg in segments(command_tokens(service)):
        words = [expand(t.text, env) or "" for t in seg]
        if server_word(words) is not None:
            continue
        if words and words[0].rsplit("/", 1)[-1] in (
            "mkdir",
            "cp",
            "chmod",
            "chown",
            "ln",
            "ssh",
            "scp",
            "rsync",
            "wait-for-it",
            "wait-for-it.sh",
            "dockerize",
            "nc",
        ):
            continue
        args = Args(words[1:])
        for flag in ("--port", "-p", "--http-port", "--listen-port"):
            for v in args.values(flag):
                port = parse_port(v)
                if port:
                    out.append(
                        Found(port, None, "command", f"{words[0]} {flag} {v}", seg[0].location)
                    )
        for flag in ("--listen", "--bind", "--addr", "--http-addr", "--listen-address"):
            for v in args.values(flag):
                hp = parse_host_port(v)
                if hp and hp[1]:
                    out.append(
                        Found(
                            hp[1],
                            normalise_host(hp[0]),
                            "command",
                            f"{words[0]} {flag} {v}",
                            seg[0].location,
                        )
                    )
    return out


HEALTH_URL_RE = lazy(
    r"(?:https?://)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])"
    r":(\d{2,5})\b"
)


def detect_healthcheck(service: Service, env: Mapping[str, str]) -> list[Found]:
    """A healthcheck that probes localhost:PORT proves something listens there."""
    hc = service.effective_healthcheck
    if hc is None:
        return []
    text = hc.command_text
    unset = service.unset_values
    if hc.source == "compose" and unset:
        test = hc.test
        if isinstance(test, list):
            words = [unset.get(w, w) for w in test]
            text = " ".join(words[1:] if words and words[0] in ("CMD", "CMD-SHELL") else words)
        elif isinstance(test, str):
            text = unset.get(test, test)
    text = expand_marked(text, env)
    out = []
    for m in HEALTH_URL_RE.finditer(text):
        if text[m.end() : m.end() + 1] == UNSET_MARK:
            continue  # `localhost:80${SUFFIX}`: the port is unknown
        port = parse_port(m.group(1))
        if port:
            out.append(
                Found(port, None, "healthcheck", f"healthcheck probes {m.group(0)}", hc.location)
            )
    return out


NOT_THE_SERVER_RE = lazy(
    r"(exporter|backup|admin|insight|commander|dump|operator|"
    r"[-_]cli$|[-_]ui$|[-_]web$|[-_]gui$)"
)


def image_repository(image: str) -> str:
    """`registry:5000/library/postgres:16@sha256:..` -> `postgres`; keeps `org/name`."""
    ref = image.split("@", 1)[0]
    parts = ref.split("/")
    if ":" in parts[-1]:
        parts[-1] = parts[-1].rsplit(":", 1)[0]
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if parts and parts[0] == "library":
        parts = parts[1:]
    return "/".join(parts)


def image_ports(service: Service) -> tuple[tuple[int, ...], bool] | None:
    """Ports of a well-known image (and whether it is a configurable web server)."""
    image = service.image_name
    if not image:
        return None
    if len(image) > _REMEMBERED_IMAGE_CHARS:  # a fuzzed 1 MB name is not kept alive
        return _image_ports.__wrapped__(image)
    return _image_ports(image)


_REMEMBERED_IMAGE_CHARS = 512


@functools.lru_cache(maxsize=1024)
def _image_ports(image: str) -> tuple[tuple[int, ...], bool] | None:
    """`image_ports` by image name, once per name: a stack runs a few images many
    times, and each look-up scans the whole port table."""
    repo = image_repository(image)
    last = repo.rsplit("/", 1)[-1]
    tag = image.split("@", 1)[0].rsplit("/", 1)[-1]
    tag = tag.rsplit(":", 1)[1] if ":" in tag else ""
    if last == "php":  # php-fpm pools are often reconfigured: weak
        return ((9000,), True) if "fpm" in tag else None
    # searched once, not once per table entry (26 scans of a 1 MB image name)
    not_the_server = NOT_THE_SERVER_RE.search(last) is not None
    for row in port_rows():
        needle, ports, weak = row.ports_key or row.name, row.ports, row.web_server
        if "/" in needle:
            if repo == needle or repo.startswith(needle + "-"):
                return ports, weak
            continue
        if not_the_server and needle not in ("mongo-express",):
            continue
        if (
            last == needle
            or last.startswith(needle + "-")
            or last.endswith("-" + needle)
            or (last.startswith(needle) and needle in ("postgres", "mongo", "redis"))
        ):
            return ports, weak
    return None


def is_node_image(service: Service) -> bool:
    """The container runs the official node image (or a `node` / `*/node` variant)."""
    names = [service.image] if service.image else []
    chain = stage_chain(service.dockerfile, build_target(service))
    if not names and chain:
        names.append(chain[-1].base_image)
    return any(image_repository(n.lower()).rsplit("/", 1)[-1] == "node" for n in names if n)


def _target_unknown(service: Service, raw: str) -> bool:
    """Whether the container port of a short-syntax `ports:` entry used an unset variable
    (`8080:${APP_PORT}`); an unset host port or IP leaves the target known."""
    marked = service.unset_values.get(raw)
    if marked is None:
        return False
    return is_unknown(marked.split("/", 1)[0].rsplit(":", 1)[-1])


def _shorten(text: str, limit: int = 200) -> str:
    """A source quoted in a message: whole when short, else its start and an ellipsis."""
    return text if len(text) <= limit else text[:limit] + "..."


def detect_listens(service: Service) -> list[ListenAddress]:  # noqa: C901
    """Everything we can tell about what `service` listens on (see module doc)."""
    env = listen_env(service)
    out: list[ListenAddress] = []
    seen: set[tuple[int, str | None, str]] = set()

    def add(port: int | None, host: str | None, source: str, loc: Location | None) -> None:
        if port is None:
            return
        key = (port, host, source.split(":", 1)[0])
        if key in seen:
            return
        seen.add(key)
        out.append(ListenAddress(port, host, source, loc))

    for f in detect_command(service, env):
        add(f.port, f.host, f"{f.kind}:{f.detail}", f.location)
    command_known = bool(out)
    if not command_known:
        for f in detect_generic_flags(service, env):
            add(f.port, f.host, f"{f.kind}:{f.detail}", f.location)
    for f in detect_healthcheck(service, env):
        add(f.port, None, f"{f.kind}:{f.detail}", f.location)
    for port, loc in service.expose:
        if str(port) not in service.unset_values:  # `${PORT}1` with PORT unset: unknown
            add(port, None, "expose:expose", loc)
    for p in service.ports:
        if p.target is not None and not _target_unknown(service, p.raw):
            add(p.target, None, f"ports:ports {p.raw}", p.location)
    for ins in dockerfile_expose(service):
        # one label per instruction (a huge EXPOSE line must not be copied per word)
        label = f"EXPOSE:EXPOSE {_shorten(ins.value.strip())}"
        for word in ins.value.split():
            expose_port = parse_port(word.split("/", 1)[0])
            expanded = expand(word.split("/", 1)[0], env)
            add(expose_port or parse_port(expanded), None, label, ins.location)
    if not command_known:
        for name in ("PORT", "APP_PORT", "HTTP_PORT", "SERVER_PORT"):
            val = env.get(name)
            env_port = parse_port(val)
            if env_port:
                host = env.get("HOST") or env.get("BIND") or env.get("APP_HOST") or None
                var = service.environment.get(name)
                # A node image with nothing else known: its app reads PORT by convention.
                kind = "convention" if name == "PORT" and is_node_image(service) else "env"
                if host and (host.startswith("$") or is_unknown(host)):
                    host = None
                add(
                    env_port,
                    normalise_host(host) if host else None,
                    f"{kind}:{name}={val} ({service.image_name} image)"
                    if kind == "convention"
                    else f"env:{name}={val}",
                    var.location if var else None,
                )
        if not any(la.source.split(":", 1)[0] in STRONG_KINDS for la in out):
            known = image_ports(service)
            if known is not None:
                ports, _weak = known
                for port in ports:
                    add(
                        port,
                        None,
                        f"image:{service.image_name} listens on {port}",
                        service.loc("image"),
                    )
    return out


# ---------------------------------------------------------------- helpers for rules


def kind_of(la: ListenAddress) -> str:
    return la.source.split(":", 1)[0]


def describe(la: ListenAddress) -> str:
    """'8000 (uvicorn --port 8000 in docker-compose.yml:12)'."""
    detail = la.source.split(":", 1)[1] if ":" in la.source else la.source
    where = f" in {la.location.file}:{la.location.line}" if la.location else ""
    return f"{la.port} ({detail}{where})"


def evidence(service: Service) -> str | None:
    """How complete the listen set is: "strong" (command / convention / nginx listen / a
    non-configurable well-known image), "declared" (expose/ports/EXPOSE/healthcheck), "hint"
    (env only or a configurable web-server image) or None (nothing known)."""
    kinds = {kind_of(la) for la in service.listens}
    if kinds & STRONG_KINDS:
        return "strong"
    if IMAGE_KIND in kinds:
        known = image_ports(service)
        if known is not None and not known[1]:
            return "strong"
    if kinds & DECLARED_KINDS:
        return "declared"
    if kinds:
        return "hint"
    return None


def loopback_only(service: Service, port: int) -> ListenAddress | None:
    """The command-derived listener on `port` if every bind we know for it is loopback."""
    bound = [
        la for la in service.listens if la.port == port and kind_of(la) in ("command", "default")
    ]
    if bound and all(is_loopback(la.host) for la in bound):
        return bound[0]
    return None


def mentions(service: Service, words: Iterable[str]) -> bool:
    """Whether the command, image or Dockerfile RUN lines mention any of `words`."""
    text = _memo(service, "mention_text", _mention_text)
    return any(w.lower() in text for w in words)


def _mention_text(service: Service) -> str:
    parts = [service.image_name, " ".join(t.text for t in command_tokens(service))]
    if service.dockerfile is not None:
        for st in service.dockerfile.stages:
            parts += [i.value for i in st.instructions if i.keyword in ("RUN", "CMD", "ENTRYPOINT")]
    return " ".join(parts).lower()


def _is_web_server_service(service: Service) -> bool:
    """Runs nginx (or a fork): by image, Dockerfile base image or command."""
    names = [service.image_name]
    if service.dockerfile is not None:
        names += [st.base_image.lower() for st in service.dockerfile.stages]
    cmd = " ".join(t.text for t in command_tokens(service)).lower()
    return any(w in n for n in names for w in WEB_SERVER_WORDS) or any(
        w in cmd.split() for w in ("nginx", "openresty")
    )


# ---------------------------------------------------------------- computed once per service

T = TypeVar("T")


def _memo(service: Service, name: str, compute: Callable[[Service], T]) -> T:
    """`compute(service)` once per service: rules, fixers and the link step ask the same
    questions of every service many times. Recomputed if the inputs were replaced."""
    key = (
        id(service.dockerfile),
        id(service.command),
        id(service.entrypoint),
        id(service.environment),
        id(service.unset_values),
        id(service.raw),
    )
    hit = service.facts_memo.get(name)
    if hit is not None and hit[0] == key:
        return cast(T, hit[1])
    value = compute(service)
    service.facts_memo[name] = (key, value)
    return value


def command_tokens(service: Service) -> list[Token]:
    """The effective argv of the container (ENTRYPOINT + CMD after compose overrides),
    with `sh -c "..."` strings unwrapped into words."""
    return list(_memo(service, "command_tokens", _command_tokens))


def service_env(service: Service) -> dict[str, str]:
    """Environment inside the container: Dockerfile ENV overlaid by compose environment."""
    return dict(_memo(service, "service_env", _service_env))


def listen_env(service: Service) -> dict[str, str]:
    """`service_env` with UNSET_MARK where a compose value used an unset variable."""
    return dict(_memo(service, "listen_env", _listen_env))


def is_web_server_service(service: Service) -> bool:
    """Runs nginx (or a fork): by image, Dockerfile base image or command."""
    return _memo(service, "web_server", _is_web_server_service)
