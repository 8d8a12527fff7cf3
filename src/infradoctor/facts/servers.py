"""Listen facts of known app servers: one detector per server (uvicorn, gunicorn, daphne,
runserver, rails, next, java, node, ...) that reads its flags, environment and defaults.
`detect_server` dispatches on the server word found by facts/listen.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from infradoctor.facts.args import (
    Args,
    is_unknown,
    normalise_host,
    parse_host_port,
    parse_port,
    split_shell,
)
from infradoctor.lazyre import lazy
from infradoctor.model.source import Location
from infradoctor.model.stack import Service
from infradoctor.records import record
from infradoctor.syntax.numbers import digits_value


@record
class Found:
    port: int
    host: str | None
    kind: str  # command | default | env
    detail: str
    location: Location | None


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


def listen_arg_unknown(server: str, args: Args) -> bool:
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


@record(frozen=True)
class ServerCall:
    """One known server's simple command, as every detector reads it: the server word,
    its arguments, the container env, where the command is written, and `where`, the
    " (origin)" suffix each fact's detail ends with."""

    server: str
    args: Args
    env: Mapping[str, str]
    loc: Location | None
    where: str
    service: Service


def _mk(
    port: int | None, host: str | None, kind: str, detail: str, loc: Location | None
) -> list[Found]:
    if port is None:
        return []
    return [Found(port, normalise_host(host), kind, detail, loc)]


def _port_or_default(
    port_s: str | None, default: int, host: str | None, detail: str, loc: Location | None
) -> list[Found]:
    """The port a flag or variable names ("command"), else the server's default one."""
    if port_s:
        return _mk(parse_port(port_s), host, "command", detail, loc)
    return _mk(default, host, "default", detail, loc)


def _uvicorn(c: ServerCall) -> list[Found]:
    """Listen facts of uvicorn."""
    if c.args.has("--uds", "--fd"):
        return []
    host = c.args.value("--host") or c.env.get("UVICORN_HOST")
    port_s = c.args.value("--port") or c.env.get("UVICORN_PORT")
    if host is None and port_s is None:
        return _mk(
            8000,
            "127.0.0.1",
            "default",
            f"uvicorn without --host/--port defaults to 127.0.0.1:8000{c.where}",
            c.loc,
        )
    port = parse_port(port_s) if port_s is not None else 8000
    kind = "command"
    detail = (
        "uvicorn"
        + (f" --host {host}" if host else " (no --host: 127.0.0.1)")
        + (f" --port {port_s}" if port_s else " (no --port: 8000)")
    )
    return _mk(port, host or "127.0.0.1", kind, detail + c.where, c.loc)


def _gunicorn(c: ServerCall) -> list[Found]:
    """Listen facts of gunicorn and hypercorn."""
    binds = c.args.values("-b", "--bind")
    if c.server == "gunicorn":
        cmd_args = c.env.get("GUNICORN_CMD_ARGS")
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
            out += _mk(port, host, "command", f"{c.server} --bind {b}{c.where}", c.loc)
        return out
    if c.args.has("-c", "--config") or _has_config_file(c.server, c.service):
        return []  # the bind is in a config file we don't read
    if c.server == "gunicorn" and c.env.get("PORT"):
        # gunicorn's own default: bind 0.0.0.0:$PORT when PORT is set.
        return _mk(
            parse_port(c.env.get("PORT")),
            "0.0.0.0",
            "default",
            f"gunicorn without --bind uses $PORT={c.env.get('PORT')}{c.where}",
            c.loc,
        )
    return _mk(
        8000,
        "127.0.0.1",
        "default",
        f"{c.server} without --bind defaults to 127.0.0.1:8000{c.where}",
        c.loc,
    )


def _granian(c: ServerCall) -> list[Found]:
    """Listen facts of granian."""
    if c.args.has("--uds"):
        return []
    host = c.args.value("--host") or c.env.get("GRANIAN_HOST") or "127.0.0.1"
    port = parse_port(c.args.value("--port") or c.env.get("GRANIAN_PORT") or "8000")
    return _mk(port, host, "command", f"granian --host {host} --port {port}{c.where}", c.loc)


def _daphne(c: ServerCall) -> list[Found]:
    """Listen facts of daphne."""
    if c.args.has("-u", "--unix-socket", "--fd"):
        return []
    endpoints = c.args.values("-e", "--endpoint")
    out = []
    for ep in endpoints:
        m = re.search(r"port=(\d+)", ep)
        im = re.search(r"interface=([^:]+)", ep)
        if m:
            out += _mk(
                parse_port(m.group(1)),
                im.group(1) if im else "0.0.0.0",
                "command",
                f"daphne -e {ep}{c.where}",
                c.loc,
            )
    host = c.args.value("-b", "--bind")
    port_s = c.args.value("-p", "--port")
    if endpoints and host is None and port_s is None:
        return out
    kind = "command" if (host or port_s) else "default"
    return out + _mk(
        parse_port(port_s) if port_s else 8000,
        host or "127.0.0.1",
        kind,
        f"daphne -b {host or '127.0.0.1 (default)'} -p {port_s or '8000 (default)'}{c.where}",
        c.loc,
    )


def _uwsgi(c: ServerCall) -> list[Found]:
    """Listen facts of uwsgi."""
    out = []
    for flag in ("--http", "--http-socket", "--socket", "-s", "--uwsgi-socket", "--https"):
        for v in c.args.values(flag):
            hp = parse_host_port(v.split(",", 1)[0])
            if hp is not None:
                out += _mk(
                    hp[1], hp[0] or "0.0.0.0", "command", f"uwsgi {flag} {v}{c.where}", c.loc
                )
    return out


def _flask(c: ServerCall) -> list[Found]:
    """Listen facts of flask."""
    if "run" not in c.args.words:
        return []
    host = c.args.value("--host", "-h") or c.env.get("FLASK_RUN_HOST")
    port_s = c.args.value("--port", "-p") or c.env.get("FLASK_RUN_PORT")
    kind = "command" if (host or port_s) else "default"
    return _mk(
        parse_port(port_s) if port_s else 5000,
        host or "127.0.0.1",
        kind,
        f"flask run --host {host or '127.0.0.1 (default)'} --port "
        f"{port_s or '5000 (default)'}{c.where}",
        c.loc,
    )


def _runserver(c: ServerCall) -> list[Found]:
    """Listen facts of runserver."""
    pos = [w for w in c.args.positional() if w != "runserver"]
    addr = pos[0] if pos else None
    if addr is None:
        return _mk(
            8000,
            "127.0.0.1",
            "default",
            f"manage.py runserver without an address binds 127.0.0.1:8000{c.where}",
            c.loc,
        )
    hp = parse_host_port(addr)
    if hp is None:
        return []
    host, port = hp
    if port is None and host is not None and digits_value(host) is not None:
        host, port = None, parse_port(host)
    return _mk(
        port or 8000, host or "127.0.0.1", "command", f"manage.py runserver {addr}{c.where}", c.loc
    )


def _http_server(c: ServerCall) -> list[Found]:
    """Listen facts of http.server and simplehttpserver."""
    pos = c.args.positional()
    port = parse_port(pos[0]) if pos else 8000
    host = c.args.value("--bind", "-b") or "0.0.0.0"
    return _mk(
        port,
        host,
        "command" if pos else "default",
        f"python -m http.server {pos[0] if pos else '(default 8000)'}{c.where}",
        c.loc,
    )


def _php(c: ServerCall) -> list[Found]:
    """Listen facts of php."""
    php_addr = c.args.value("-S")
    hp = parse_host_port(php_addr) if php_addr else None
    if hp is None:
        return []
    return _mk(hp[1], hp[0], "command", f"php -S {php_addr}{c.where}", c.loc)


def _php_fpm(c: ServerCall) -> list[Found]:
    """Listen facts of php-fpm."""
    # Pools can listen anywhere (custom images add pools): a weak fact.
    return _mk(9000, None, "weak", f"php-fpm listens on 9000 by default{c.where}", c.loc)


def _rails(c: ServerCall) -> list[Found]:
    """Listen facts of rails and puma."""
    if c.server == "rails" and not ({"s", "server"} & set(c.args.words)):
        return []
    port_s = c.args.value("-p", "--port") or c.env.get("PORT")
    bind = c.args.value("-b", "--binding", "--bind")
    if c.server == "puma" and bind and "://" in bind:
        hp = parse_host_port(bind)
        return _mk(hp[1], hp[0], "command", f"puma -b {bind}{c.where}", c.loc) if hp else []
    if c.server == "puma" and c.args.has("-C", "--config") and not port_s:
        return []
    default = 3000 if c.server == "rails" else 9292
    return _port_or_default(
        port_s,
        default,
        bind,
        f"{c.server} -p {port_s or f'{default} (default)'}{c.where}",
        c.loc,
    )


def _next(c: ServerCall) -> list[Found]:
    """Listen facts of next, nuxt and nuxi."""
    # Both read PORT (Nuxt also NUXT_PORT / NITRO_PORT) and default to 3000.
    if not ({"start", "dev", "preview"} & set(c.args.words)):
        return []
    port_s = c.args.value("-p", "--port") or c.env.get("PORT")
    if c.server != "next":
        port_s = (
            c.args.value("-p", "--port")
            or c.env.get("NUXT_PORT")
            or c.env.get("NITRO_PORT")
            or c.env.get("PORT")
        )
    host = c.args.value("-H", "--hostname")
    return _port_or_default(
        port_s,
        3000,
        host,
        f"{c.server} {'-p ' + port_s if port_s else '(default port 3000)'}{c.where}",
        c.loc,
    )


def _streamlit(c: ServerCall) -> list[Found]:
    """Listen facts of streamlit."""
    port_s = c.args.value("--server.port") or c.env.get("STREAMLIT_SERVER_PORT")
    return _port_or_default(
        port_s,
        8501,
        c.args.value("--server.address"),
        f"streamlit --server.port {port_s or '8501 (default)'}{c.where}",
        c.loc,
    )


def _java(c: ServerCall) -> list[Found]:
    """Listen facts of java."""
    props = [w for w in c.args.words if w.startswith(("-Dserver.port=", "--server.port="))]
    if props:
        port = parse_port(props[-1].split("=", 1)[1])
        return _mk(port, None, "command", f"java {props[-1]}{c.where}", c.loc)
    port_s = c.env.get("SERVER_PORT")
    if port_s:
        # Spring Boot binds SERVER_PORT to server.port (relaxed binding): reliable.
        kind = "convention" if _looks_spring(c.service, c.args, c.env) else "env"
        return _mk(parse_port(port_s), None, kind, f"SERVER_PORT={port_s}{c.where}", c.loc)
    if _looks_spring(c.service, c.args, c.env):
        return _mk(8080, None, "default", f"Spring Boot default server.port 8080{c.where}", c.loc)
    return []


def _node(c: ServerCall) -> list[Found]:
    """Listen facts of node, npm, yarn, pnpm, bun and deno."""
    port_s = c.env.get("PORT")
    if not port_s:
        return []
    kind = "convention" if _node_reads_port(c.server, c.args, c.service) else "env"
    program = " ".join([c.server, *c.args.positional()[:2]])
    return _mk(
        parse_port(port_s),
        c.env.get("HOST") or None,
        kind,
        f"{program} with PORT={port_s}{c.where}",
        c.loc,
    )


def _datastore(c: ServerCall) -> list[Found]:
    """Listen facts of redis-server, postgres, mongod and memcached."""
    port_s = c.args.value("--port", "-p")
    defaults = {"redis-server": 6379, "postgres": 5432, "mongod": 27017, "memcached": 11211}
    return _port_or_default(
        port_s,
        defaults[c.server],
        None,
        f"{c.server} {'--port ' + port_s if port_s else '(default port)'}{c.where}",
        c.loc,
    )


_ServerDetector = Callable[[ServerCall], list[Found]]


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


def detect_server(
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
    return detect(ServerCall(server, args, env, loc, f" ({origin})" if origin else "", service))


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
