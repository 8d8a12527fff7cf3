"""NGX008: a *_pass with variables needs a resolver, or every request gets a 502."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.lazyre import lazy
from infradoctor.model.nginx import NginxConfig, ProxyRoute
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import (
    BlockSubject,
    block_subject,
    effective_value,
    is_ip,
    map_values,
    uncertain_chain,
)
from infradoctor.syntax.numbers import digits_value

ENV_PLACEHOLDER_RE = re.compile(r"\$\{[A-Z_][A-Z0-9_]*\}")
VAR_RE = re.compile(r"\$\{?([A-Za-z0-9_]+)\}?")
# Request-derived variables: their value is a hostname from the client, so DNS is needed.
REQUEST_VARS_RE = lazy(
    r"^(host|http_\w+|arg_\w+|server_name|cookie_\w+|uri|"
    r"request_uri|1|2|3|4|5|6|7|8|9)$"
)


def _static_targets(cfg: NginxConfig) -> set[tuple[str, int | None]]:
    """host:port of *_pass directives without variables: nginx keeps them as implicit
    upstreams, so a variable pass that evaluates to one needs no DNS at request time."""
    out: set[tuple[str, int | None]] = set()
    for r in cfg.routes:
        if "$" not in r.raw and r.upstream is None:
            for t in r.targets:
                if t.host:
                    out.add((t.host, t.port))
    return out


def _needs_dns(cfg: NginxConfig, value: str, static: set[tuple[str, int | None]]) -> bool:
    v = value.split("://", 1)[-1]
    if v.startswith("unix:") or "$" in v:
        return False
    hostport = v.split("/", 1)[0]
    host, _, port = hostport.rpartition(":") if hostport.count(":") == 1 else (hostport, "", "")
    if not host:
        return False
    if is_ip(host) or host in cfg.upstreams:
        return False
    number = digits_value(port)
    return (host, number if number is not None else 80) not in static


@record(frozen=True, kw_only=True)
class NoResolver(BlockSubject):
    """The block proxying to a variable and the resolver directive to add."""

    directive_file: str | None = None
    insert: str | None = None


class VariableProxyPassWithoutResolver(Rule):
    code = "NGX008"
    name = "variable-proxy-pass-without-resolver"
    title = "proxy_pass with variables but no resolver"
    severity = Severity.ERROR
    category = "nginx"
    why = (
        "When `proxy_pass` (or fastcgi/uwsgi/grpc_pass) contains a variable anywhere, even "
        "only in the URI part (`http://api:8000$request_uri`), nginx evaluates the address "
        "per request and resolves a hostname with its own DNS client. That client uses only "
        "the `resolver` directive, never /etc/resolv.conf or /etc/hosts. Without a resolver "
        "every such request fails with 502 and `no resolver defined to resolve api` in "
        "error.log. Configs copied from examples that use `set $backend ...` to make nginx "
        "start while a container is down hit this on the first request.\n\n"
        "Not reported when the address is an IP, a unix socket, the name of an `upstream` "
        "block, or a host:port nginx already knows from a static pass directive; `${VAR}` "
        "placeholders of envsubst templates are not nginx variables."
    )
    how_to_fix = (
        "Add a resolver where the route can see it. In Docker the embedded DNS server is "
        "127.0.0.11:\n\n```nginx\nresolver 127.0.0.11 valid=10s ipv6=off;\n"
        "set $backend api;\nproxy_pass http://$backend:8000;\n```\n\nor drop the variable and "
        "use an `upstream` block."
    )
    references = (
        "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass",
        "https://nginx.org/en/docs/http/ngx_http_core_module.html#resolver",
    )
    examples = (
        Example(
            bad={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    location / {\n"
                    "        set $backend api;\n"
                    "        proxy_pass http://$backend:8000;\n"
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    resolver 127.0.0.11 valid=10s;\n"
                    "    location / {\n"
                    "        set $backend api;\n"
                    "        proxy_pass http://$backend:8000;\n"
                    "    }\n"
                    "}\n"
                )
            },
        ),
        Example(
            bad={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    location /api/ {\n"
                    "        proxy_pass http://backend.internal:8000$request_uri;\n"
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx/conf.d/app.conf": (
                    "upstream api { server backend.internal:8000; }\n"
                    "server {\n"
                    "    listen 80;\n"
                    "    location /api/ {\n"
                    "        proxy_pass http://api$request_uri;\n"
                    "    }\n"
                    "}\n"
                )
            },
            description="A variable in the URI part is enough to need a resolver.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            static = _static_targets(cfg)
            for route in cfg.routes:
                host = self._unresolvable_host(cfg, route, static)
                if host is None:
                    continue
                if effective_value(stack, cfg, route.context, "resolver") is not None:
                    continue
                if uncertain_chain(cfg, route.context):
                    continue
                yield self.finding(
                    route.directive.location,
                    f"`{route.directive.name} {route.raw}` contains variables, so nginx "
                    f"resolves {host} at request time, but no resolver is configured: every "
                    f'request gets 502 ("no resolver defined to resolve ..." in error.log)',
                    subject=route.raw,
                    detail=block_subject(
                        NoResolver,
                        cfg,
                        route.server or route.context,
                        directive_file=route.directive.file,
                        insert="resolver 127.0.0.11 valid=10s;",
                    ),
                )

    def _unresolvable_host(
        self, cfg: NginxConfig, route: ProxyRoute, static: set[tuple[str, int | None]]
    ) -> str | None:
        """A description of the host nginx must resolve via DNS, or None."""
        raw = ENV_PLACEHOLDER_RE.sub("X", route.raw) if cfg.template else route.raw
        if "$" not in raw or "{{" in raw or not route.targets:
            return None
        target = route.targets[0]
        if target.unix is not None or route.upstream is not None:
            return None
        host = target.host or ""
        if cfg.template:
            host = ENV_PLACEHOLDER_RE.sub("X", host)
        if "$" not in host:
            if not _needs_dns(
                cfg, host if target.port is None else f"{host}:{target.port}", static
            ):
                return None
            return f"`{host}`"
        names = VAR_RE.findall(host)
        if len(names) != 1:
            return None
        var = names[0]
        if REQUEST_VARS_RE.match(var):
            return f"`${var}` (a client-supplied host name)"
        values = map_values(cfg, "$" + var)
        if values is None:
            return None  # set elsewhere (lua, auth_request): unknown
        suffix = f":{target.port}" if target.port is not None else ""
        needing = [
            v
            for v in values
            if _needs_dns(
                cfg, host.replace(f"${{{var}}}", v).replace(f"${var}", v) + suffix, static
            )
        ]
        if not needing:
            return None
        return f"`${var}` (= {needing[0]})"
