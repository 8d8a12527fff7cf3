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
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar, cast

from infradoctor.facts.args import (
    ASSIGN_RE,
    MAX_COMMAND_WORDS,
    Args,
    is_loopback,
    is_unknown,
    normalise_host,
    parse_host_port,
    parse_port,
    split_shell,
)
from infradoctor.facts.dockerfile import stage_chain
from infradoctor.facts.env import UNSET_MARK
from infradoctor.facts.image_table import port_rows
from infradoctor.facts.servers import Found, detect_server, listen_arg_unknown
from infradoctor.lazyre import lazy
from infradoctor.model.source import Location
from infradoctor.model.stack import Dockerfile, Instruction, ListenAddress, Service
from infradoctor.records import record

# Source kinds by how much they tell us.
STRONG_KINDS = frozenset({"command", "default", "nginx", "convention"})
DECLARED_KINDS = frozenset({"expose", "ports", "EXPOSE", "healthcheck"})
IMAGE_KIND = "image"
HINT_KINDS = frozenset({"env", "weak"})

# Well-known images' default ports come from the curated table (data/images.toml): each
# row's `ports_key` is a substring of the image's repository name; web servers (nginx,
# httpd, caddy) are weak: their port comes from a config file.


WEB_SERVER_WORDS = ("nginx", "openresty", "tengine", "angie")


@record(hot=True)
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


def expand(text: str, env: Mapping[str, str]) -> str | None:
    """Expand $VAR / ${VAR:-default} the way a shell would; None if a variable is unknown."""
    out = expand_marked(text, env)
    return None if is_unknown(out) else out


def expand_marked(text: str, env: Mapping[str, str]) -> str:
    """Like `expand`, but an unknown variable becomes UNSET_MARK in place, so the rest of the
    word (`0.0.0.0:$PORT` -> `0.0.0.0:\x00`) still says which flag it belonged to."""
    if "$" not in text:  # most words: no reference to expand
        return text

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


SERVER_PROGRAMS = frozenset(
    {
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
    }
)
SERVER_MODULES = frozenset(
    {"uvicorn", "gunicorn", "hypercorn", "daphne", "flask", "http.server", "granian", "streamlit"}
)


def server_word(words: list[str]) -> tuple[int, str] | None:
    """Index and normalised name of the app-server program in a simple command."""
    for i, w in enumerate(words):
        base = w.rsplit("/", 1)[-1].lower()
        if base.endswith(".py") and base != "manage.py":
            base_noext = base[:-3]
        else:
            base_noext = base
        if base_noext in SERVER_PROGRAMS or (
            base_noext.startswith("php-fpm") and re.fullmatch(r"php-fpm[\d.]*", base_noext)
        ):
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
            if mod in SERVER_MODULES:
                return i + 1, mod
    return None


def detect_command(service: Service, env: Mapping[str, str]) -> list[Found]:
    """Listen facts from the container command (explicit flags and server defaults)."""
    found: list[Found] = []
    for seg in _segments(service):
        local_env: Mapping[str, str] = env
        assigned: dict[str, str] | None = None  # env copied at the first `NAME=value` only
        words: list[str] = []
        for t in seg:
            if not words and ASSIGN_RE.match(t.text):
                k, v = t.text.split("=", 1)
                if assigned is None:
                    local_env = assigned = dict(env)
                assigned[k] = expand_marked(v, env)
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
        if listen_arg_unknown(server, args):
            continue  # the address is in a flag we can't read: no fact, no default either
        facts = detect_server(server, args, local_env, loc, origin, service)
        if any(is_unknown(f.detail) for f in facts):
            continue  # derived from an unknown value (env var, joined flag): unknown
        found.extend(facts)
    return found


def detect_generic_flags(service: Service, env: Mapping[str, str]) -> list[Found]:
    """`--port N` / `-p N` / `--listen host:port` on a command we don't otherwise know."""
    out: list[Found] = []
    for seg in _segments(service):
        words = [expand(t.text, env) or "" for t in seg]
        options = [w for w in words[1:] if w[:1] == "-"]
        if not options:
            continue  # every flag looked for below is an option word: none here
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
            if not any(o.startswith(flag) for o in options):
                continue  # (a word Args.values matches starts with the flag)
            for v in args.values(flag):
                port = parse_port(v)
                if port:
                    out.append(
                        Found(port, None, "command", f"{words[0]} {flag} {v}", seg[0].location)
                    )
        for flag in ("--listen", "--bind", "--addr", "--http-addr", "--listen-address"):
            if not any(o.startswith(flag) for o in options):
                continue
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
    times. The first matching row wins; rows are looked up by the needles the name
    could match, not scanned (a cold lint pays this once per distinct image)."""
    repo = image_repository(image)
    last = repo.rsplit("/", 1)[-1]
    tag = image.split("@", 1)[0].rsplit("/", 1)[-1]
    tag = tag.rsplit(":", 1)[1] if ":" in tag else ""
    if last == "php":  # php-fpm pools are often reconfigured: weak
        return ((9000,), True) if "fpm" in tag else None
    index, longest = _port_needles()
    # searched once, not once per table entry (26 scans of a 1 MB image name)
    not_the_server = NOT_THE_SERVER_RE.search(last) is not None
    # `org/name` needles match the repository or its `-` prefixes; others `last`
    candidates = [c for c in (repo, *_dash_prefixes(repo, longest)) if "/" in c]
    if not not_the_server:
        candidates += (last, *_dash_prefixes(last, longest), *_dash_suffixes(last, longest))
        candidates += [n for n in ("postgres", "mongo", "redis") if last.startswith(n)]
    elif "mongo-express" in (last, *_dash_prefixes(last, longest), *_dash_suffixes(last, longest)):
        candidates.append("mongo-express")
    hits = [index[c] for c in candidates if c in index]
    return min(hits)[1] if hits else None


_NEEDLES: list[tuple[object, dict[str, tuple[int, tuple[tuple[int, ...], bool]]], int]] = []


def _port_needles() -> tuple[dict[str, tuple[int, tuple[tuple[int, ...], bool]]], int]:
    """Each needle's first row (position, answer) and the longest needle, built once per
    port table (`port_rows()` is asked each time: a reloaded table is a new one)."""
    rows = port_rows()
    if not _NEEDLES or _NEEDLES[0][0] is not rows:
        index: dict[str, tuple[int, tuple[tuple[int, ...], bool]]] = {}
        for position, row in enumerate(rows):
            index.setdefault(row.ports_key or row.name, (position, (row.ports, row.web_server)))
        _NEEDLES[:] = [(rows, index, max(map(len, index), default=0))]
    return _NEEDLES[0][1], _NEEDLES[0][2]


def _dash_prefixes(text: str, longest: int) -> list[str]:
    """The parts of `text` before each `-`, up to `longest` characters (`startswith(n + "-")`)."""
    head = text[: longest + 1]
    return [head[:i] for i, c in enumerate(head) if c == "-"]


def _dash_suffixes(text: str, longest: int) -> list[str]:
    """The parts of `text` after each `-`, up to `longest` characters (`endswith("-" + n)`)."""
    start = max(0, len(text) - longest - 1)
    return [text[i + 1 :] for i in range(start, len(text)) if text[i] == "-"]


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
    env = _memo(service, "listen_env", _listen_env)  # read only here: no copy
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
        if (p.target, None, "ports") in seen:
            continue  # (a port of an expanded range already added: no label to build)
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
    if any(w in n for n in names for w in WEB_SERVER_WORDS):
        return True  # (the command is read only when the image does not tell)
    tokens = _memo(service, "command_tokens", _command_tokens)  # read only: no copy
    words = " ".join(t.text for t in tokens).lower().split()
    return "nginx" in words or "openresty" in words


# ---------------------------------------------------------------- computed once per service

T = TypeVar("T")
# What the memoised facts are computed from: replaced (not mutated) inputs recompute.
_MEMO_INPUTS = operator.attrgetter(
    "dockerfile", "command", "entrypoint", "environment", "unset_values", "raw"
)


def _memo(service: Service, name: str, compute: Callable[[Service], T]) -> T:
    """`compute(service)` once per service: rules, fixers and the link step ask the same
    questions of every service many times. Recomputed if the inputs were replaced."""
    key = tuple(map(id, _MEMO_INPUTS(service)))  # the inputs' identities, read in C
    hit = service.facts_memo.get(name)
    if hit is not None and hit[0] == key:
        return cast(T, hit[1])
    value = compute(service)
    service.facts_memo[name] = (key, value)
    return value


def _segments(service: Service) -> list[list[Token]]:
    """`segments(command_tokens(service))`, once per service (read-only: shared)."""
    return _memo(
        service, "segments", lambda s: segments(_memo(s, "command_tokens", _command_tokens))
    )


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
