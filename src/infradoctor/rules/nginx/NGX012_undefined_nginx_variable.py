"""NGX012: a `$variable` that is neither an nginx built-in nor defined in the config tree."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Applicability, Finding, Fix, Severity, subject_dict
from infradoctor.fixes import nginx_blocks as nb
from infradoctor.fixes.context import FixContext, FixUnavailable, make_fix
from infradoctor.lazyre import lazy
from infradoctor.model.nginx import Directive, NginxConfig
from infradoctor.model.source import Location
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import KNOWN_SYSTEM_INCLUDES, include_resolved

# Built-in variables of the stock http/stream modules (core, proxy, fastcgi, ssl, realip,
# geoip, upstream, referer, secure_link, userid, browser, ssi, gzip, limit_*, stub_status,
# slice, auth_jwt, v2/v3, mail-less stream modules) and of common third-party builds
# (brotli, zstd). Names ending in `_` are prefixes (`$http_user_agent`, `$arg_page`, ...).
BUILTIN_VARIABLES = frozenset(
    """
    ancient_browser args binary_remote_addr body_bytes_sent bytes_received bytes_sent
    connection connection_requests connection_time connections_active connections_reading
    connections_waiting connections_writing content_length content_type date_gmt date_local
    document_root document_uri fastcgi_path_info fastcgi_script_name geoip_area_code
    geoip_city geoip_city_continent_code geoip_city_country_code geoip_city_country_code3
    geoip_city_country_name geoip_country_code geoip_country_code3 geoip_country_name
    geoip_dma_code geoip_latitude geoip_longitude geoip_org geoip_postal_code geoip_region
    geoip_region_name gzip_ratio host hostname http2 http3 https invalid_referer is_args
    jwt_payload limit_conn_status limit_rate limit_req_status memcached_key modern_browser msec
    msie nginx_version pid pipe protocol proxy_add_x_forwarded_for proxy_host proxy_port
    proxy_protocol_addr proxy_protocol_port proxy_protocol_server_addr
    proxy_protocol_server_port quic query_string realip_remote_addr realip_remote_port
    realpath_root remote_addr remote_port remote_user request request_body request_body_file
    request_completion request_filename request_id request_length request_method request_time
    request_uri scheme secure_link secure_link_expires server_addr server_name server_port
    server_protocol session_time slice_range spdy spdy_request_priority ssl_alpn_protocol
    ssl_cipher ssl_ciphers ssl_client_cert ssl_client_escaped_cert ssl_client_fingerprint
    ssl_client_i_dn ssl_client_i_dn_legacy ssl_client_raw_cert ssl_client_s_dn
    ssl_client_s_dn_legacy ssl_client_serial ssl_client_sigalg ssl_client_v_end
    ssl_client_v_remain ssl_client_v_start ssl_client_verify ssl_curve ssl_curves
    ssl_early_data ssl_preread_alpn_protocols ssl_preread_protocol ssl_preread_server_name
    ssl_protocol ssl_server_name ssl_session_id ssl_session_reused ssl_sigalg status
    tcpinfo_rcv_space tcpinfo_rtt tcpinfo_rttvar tcpinfo_snd_cwnd time_iso8601 time_local
    uid_got uid_reset uid_set upstream_addr upstream_bytes_received upstream_bytes_sent
    upstream_cache_key upstream_cache_status upstream_connect_time upstream_first_byte_time
    upstream_header_time upstream_last_server_name upstream_queue_time
    upstream_response_length upstream_response_time upstream_session_time upstream_status
    uri brotli_ratio zstd_ratio otel_trace_id otel_span_id otel_parent_id
    otel_parent_sampled
    arg_ cookie_ http_ jwt_claim_ jwt_header_ proxy_protocol_tlv_ sent_http_ sent_trailer_
    upstream_cookie_ upstream_http_ upstream_trailer_ opentracing_context_
    """.split()
)
PREFIXES = tuple(v for v in BUILTIN_VARIABLES if v.endswith("_"))

VARIABLE = re.compile(r"\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")
NAMED_CAPTURE = re.compile(r"\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>")
REGEX_OPERATORS = frozenset({"~", "~*", "!~", "!~*"})
# Directives whose arguments are literal (no variable support): a `$` there is text.
LITERAL_DIRECTIVES = frozenset(
    {
        "error_log",
        "include",
        "pid",
        "lock_file",
        "load_module",
        "user",
        "listen",
        "env",
        "working_directory",
        "ssl_dhparam",
        "ssl_password_file",
        "ssl_trusted_certificate",
        "ssl_client_certificate",
        "ssl_crl",
        "ssl_stapling_file",
        "ssl_session_ticket_key",
        "types",
        "server_name",
        "valid_referers",
        "charset_map",
        "geo",
        "split_clients",
        "match",
        "types_hash_max_size",
    }
)
# Blocks of embedded code (Lua, Perl, njs) or of third-party modules: their content is not
# nginx variable syntax; a config that loads such modules may define anything.
CODE_MARKERS = ("lua", "perl", "js_", "njs", "load_module", "echo", "more_")


def _regex_args(d: Directive) -> set[int]:
    """Argument positions holding a regex (where `$` is an anchor, not a variable)."""
    if d.name in ("location", "rewrite"):
        return {0, 1} if d.name == "location" else {0}
    if d.name == "if":
        return {i + 1 for i, a in enumerate(d.args) if a in REGEX_OPERATORS}
    if d.name in ("proxy_redirect", "proxy_cookie_path", "proxy_cookie_domain"):
        return {0} if d.args and d.args[0].startswith("~") else set()
    return {i for i, a in enumerate(d.args) if a.startswith("~")}


def _source_key(d: Directive) -> tuple[str, int | None, int, int]:
    """The directive as written: a file spliced in N places yields N copies of it, which
    define and use the same variables (computed once per written directive)."""
    loc = d.location
    return (loc.file, loc.offset, loc.line, loc.column)


_DEFINERS = frozenset({"map", "split_clients", "geo"})


def _may_define(d: Directive) -> bool:
    """Cheap pre-test of `_defined_here`: False for a directive that defines nothing."""
    name = d.name
    if name[:1] == "$" or name in _DEFINERS or name.startswith("set") or "(?" in name:
        return True
    if name.endswith(("_set", "_var")):
        return True
    for arg in d.args:
        if "(?" in arg:
            return True
    return False


def _defined_here(d: Directive) -> set[str]:
    """Variables this directive defines (and the regex named captures it introduces)."""
    out: set[str] = set()
    for arg in (d.name, *d.args):
        if "(?" in arg:  # a named capture's opening: most arguments have none
            out.update(NAMED_CAPTURE.findall(arg))
    if d.name.startswith("$"):  # geoip2/ip2location-style blocks: `$var default=... path;`
        out.add(d.name.lstrip("$"))
    elif d.name in ("map", "split_clients") and len(d.args) >= 2:
        out.update(m.group(1) or m.group(2) for m in VARIABLE.finditer(d.args[1]))
    elif d.name == "geo" and d.args:
        out.update(m.group(1) or m.group(2) for m in VARIABLE.finditer(d.args[-1]))
    elif d.name.startswith("set") or d.name.endswith(("_set", "_var")):
        first = next((m for a in d.args for m in VARIABLE.finditer(a)), None)
        if first is not None:
            out.add(first.group(1) or first.group(2))
    return out


def _is_builtin(name: str) -> bool:
    return name in BUILTIN_VARIABLES or name[:1].isdigit() or name.startswith(PREFIXES)


def _env_style(name: str) -> bool:
    """`$BACKEND_ADDR`: an environment variable for envsubst (a compose command that renders
    the file before nginx starts), not an nginx variable, which are lower case by custom."""
    return name.upper() == name and any(c.isalpha() for c in name)


_CODE = re.compile("|".join(re.escape(m) for m in CODE_MARKERS))


def _opaque(cfg: NginxConfig) -> bool:
    """Templates, embedded code, third-party modules or includes we could not follow: the
    unknown part may define the variable, so the rule stays silent on this config."""
    if cfg.template:
        return True
    code = _CODE.search
    for d in cfg.walk():
        if code(d.name):
            return True
        if (
            d.name == "include"
            and not include_resolved(cfg, d)
            and posixpath.basename(d.args[0] if d.args else "") not in KNOWN_SYSTEM_INCLUDES
        ):
            return True
        for a in d.args:  # `{{ ... }}` / `{% ... %}`: a Jinja or Go template
            if "{" in a and ("{{" in a or "{%" in a):
                return True
    return False


# Images whose own nginx.conf (the http level a conf.d snippet lands in) defines no
# variables: official nginx and its unprivileged variant. Other images (nginx-proxy, swag,
# bitnami, ...) ship maps of their own that the repository does not show.
STOCK_NGINX_IMAGE = lazy(
    r"^(?:docker\.io/)?(?:library/)?(?:nginx|nginxinc/nginx-unprivileged)(?::[^/]*)?(?:@.*)?$"
)


def _foreign_http_level(stack: Stack, cfg: NginxConfig) -> bool:
    """A conf.d snippet with no main config in the tree, served by a compose service whose
    image is not stock nginx: that image's nginx.conf may define the variable."""
    if not cfg.is_snippet or stack.index.any_http:
        return False
    for project in stack.projects:
        name = project.nginx_service.get(cfg.root_file)
        svc = project.services.get(name) if name else None
        if svc is None:
            continue
        image = svc.image
        if svc.dockerfile is not None and svc.dockerfile.final is not None:
            image = svc.dockerfile.final.base_image
        if image is None or not STOCK_NGINX_IMAGE.match(image.strip()):
            return True
    return False


def defined_variables(stack: Stack) -> set[str]:
    """Every variable defined anywhere in the stack's nginx trees: variables are global to
    nginx, and conf.d snippets share one http{} with the main config."""
    out: set[str] = set()
    done: set[tuple[str, int | None, int, int]] = set()
    for cfg in stack.nginx:
        for d in cfg.walk():
            if not _may_define(d):
                continue
            key = _source_key(d)
            if key not in done:
                done.add(key)
                out |= _defined_here(d)
    return out


def _used_here(d: Directive, context: str) -> list[str]:
    """Variables `d` uses as an argument, inside a block named `context`."""
    if d.name in LITERAL_DIRECTIVES or not any("$" in a for a in d.args):
        return []
    if context in ("map", "geo", "split_clients", "types"):
        args = d.args if context == "map" else []  # map values, not keys
        regex: set[int] = set()
    else:
        args, regex = d.args, _regex_args(d)
    return [
        m.group(1) or m.group(2)
        for i, arg in enumerate(args)
        if i not in regex
        for m in VARIABLE.finditer(arg)
    ]


def _uses(cfg: NginxConfig) -> Iterator[tuple[str, Directive]]:
    """(variable, directive) for every use in the spliced tree, depth first in file order;
    what a written directive uses is worked out once however many times includes copy it.
    One loop with a stack of (block name, iterator), not a generator per block."""
    memo: dict[tuple[tuple[str, int | None, int, int], str], list[str]] = {}
    literal = LITERAL_DIRECTIVES
    stack: list[tuple[str, Iterator[Directive]]] = [(cfg.root.name, iter(cfg.root.block or ()))]
    while stack:
        context, directives = stack[-1]
        for d in directives:
            if d.name not in literal and any("$" in a for a in d.args):
                key = (_source_key(d), context)
                names = memo.get(key)
                if names is None:
                    names = memo[key] = _used_here(d, context)
                for name in names:
                    yield name, d
            if d.block:
                stack.append((d.name, iter(d.block)))
                break
        else:
            stack.pop()


# ---------------------------------------------------------------- fix

SAFE = Applicability.SAFE


def fix_undefined_variable(ctx: FixContext, finding: Finding) -> Fix | None:
    """Only `$connection_upgrade` has one standard definition (the websocket map); any other
    undefined variable is a typo or a missing map whose values the tool cannot know."""
    subject = ctx.subject(finding, UndefinedVariable)
    if subject.variable != "connection_upgrade":
        raise FixUnavailable("no standard definition for this variable")
    cfgs = ctx.configs_for(finding, subject.config)
    if not cfgs:
        raise FixUnavailable("config not found")
    return make_fix(
        "Define `$connection_upgrade` (`map $http_upgrade $connection_upgrade`)",
        SAFE,
        [nb.upgrade_map_edit(ctx, cfgs[0])],
    )


@record(frozen=True, kw_only=True)
class UndefinedVariable:
    """The config and the variable used without a definition."""

    config: str | None = None
    variable: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class UndefinedNginxVariable(Rule):
    code = "NGX012"
    name = "undefined-nginx-variable"
    title = "nginx variable used but never defined"
    severity = Severity.ERROR
    category = "nginx"
    why = (
        "nginx resolves every `$variable` when it loads the configuration. A name that is "
        "neither built in (`$host`, `$http_*`, `$arg_*`, ...) nor defined by `map`, `set`, "
        "`geo`, `split_clients`, a regex named capture, `perl_set` or `js_set` stops it "
        'from starting: `[emerg] unknown "connection_upgrade" variable`. The classic case '
        "is a websocket location copied from a tutorial with "
        "`proxy_set_header Connection $connection_upgrade;` but without the `map` that "
        "defines it: `nginx -t` fails, the container restarts in a loop and the whole site "
        "is down, not just the websocket.\n\n"
        "Variables defined in any file of the tree (or a conf.d sibling) count. The rule "
        "stays silent on templates and on configs with includes it could not follow, "
        "embedded Lua/Perl/njs or third-party modules, which may define variables."
    )
    how_to_fix = (
        "Define the variable in the `http` block, or fix its spelling. For websockets:\n\n"
        "```nginx\nmap $http_upgrade $connection_upgrade {\n    default upgrade;\n"
        "    ''      close;\n}\n```"
    )
    fixer = staticmethod(fix_undefined_variable)
    fix_applicability = Applicability.SAFE
    references = (
        "https://nginx.org/en/docs/varindex.html",
        "https://nginx.org/en/docs/http/websocket.html",
    )
    examples = (
        Example(
            bad={
                "nginx/nginx.conf": (
                    "events {}\n"
                    "http {\n"
                    "    server {\n"
                    "        listen 80;\n"
                    "        location /ws/ {\n"
                    "            proxy_pass http://realtime:8000;\n"
                    "            proxy_http_version 1.1;\n"
                    "            proxy_set_header Upgrade $http_upgrade;\n"
                    "            proxy_set_header Connection $connection_upgrade;\n"
                    "        }\n"
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx/nginx.conf": (
                    "events {}\n"
                    "http {\n"
                    "    map $http_upgrade $connection_upgrade {\n"
                    "        default upgrade;\n"
                    "        ''      close;\n"
                    "    }\n"
                    "    server {\n"
                    "        listen 80;\n"
                    "        location /ws/ {\n"
                    "            proxy_pass http://realtime:8000;\n"
                    "            proxy_http_version 1.1;\n"
                    "            proxy_set_header Upgrade $http_upgrade;\n"
                    "            proxy_set_header Connection $connection_upgrade;\n"
                    "        }\n"
                    "    }\n"
                    "}\n"
                )
            },
            description="websocket headers copied without the map that defines the variable",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        if not stack.nginx:
            return
        defined = defined_variables(stack)
        for cfg in stack.nginx:
            if _opaque(cfg) or _foreign_http_level(stack, cfg):
                continue
            seen: dict[str, list[Location]] = {}
            for name, d in _uses(cfg):
                if name in defined or _is_builtin(name) or _env_style(name):
                    continue
                seen.setdefault(name, []).append(d.location)
            for name, locations in seen.items():
                yield self.finding(
                    locations[0],
                    f"`${name}` is neither an nginx built-in nor defined by a map, set, geo "
                    f"or regex capture in this config: nginx refuses to start with `[emerg] "
                    f'unknown "{name}" variable`',
                    subject=f"${name}",
                    related=locations[1:],
                    detail=UndefinedVariable(config=cfg.root_file, variable=name),
                )
