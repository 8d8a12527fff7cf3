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
