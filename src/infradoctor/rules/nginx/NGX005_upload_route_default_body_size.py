"""NGX005: an upload-looking route keeps nginx's 1 MB request body limit."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.facts.uploads import UPLOAD_HOST_RE, UPLOAD_PATH_RE
from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import (
    BlockSubject,
    block_subject,
    effective_value,
    route_label,
    uncertain_chain,
)


@record(frozen=True, kw_only=True)
class UploadRoute(BlockSubject):
    """The upload route's block, its path and the directive to add."""

    path: str | None = None
    insert: str | None = None


class UploadRouteDefaultBodySize(Rule):
    code = "NGX005"
    name = "upload-route-default-body-size"
    title = "Upload route keeps nginx's default 1 MB client_max_body_size"
    severity = Severity.INFO
    category = "nginx"
    why = (
        "nginx rejects any request body over `client_max_body_size`, 1 MB by default, with "
        "`413 Request Entity Too Large` before the application sees it. Routes that take "
        "file uploads (avatars, attachments, imports, object storage such as MinIO) work in "
        "development with small files and fail in production with real ones; the app's "
        "logs show nothing because the request never reached it.\n\n"
        "The rule looks at proxied locations whose path or backend name suggests uploads "
        "and where no level in effect sets `client_max_body_size` (an explicit value, even "
        "1m, is taken as a decision)."
    )
    how_to_fix = (
        "Set the limit the route really needs on that location (or the server):\n\n"
        "```nginx\nlocation /upload/ {\n    client_max_body_size 50m;\n"
        "    proxy_pass http://api;\n}\n```\n\nUse `0` only for trusted internal routes "
        "(it disables the check)."
    )
    references = ("https://nginx.org/en/docs/http/ngx_http_core_module.html#client_max_body_size",)
    examples = (
        Example(
            bad={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    location /api/upload/ {\n"
                    "        proxy_pass http://api:8000;\n"
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    location /api/upload/ {\n"
                    "        client_max_body_size 50m;\n"
                    "        proxy_pass http://api:8000;\n"
                    "    }\n"
                    "    location /api/ {\n"
                    "        proxy_pass http://api:8000;\n"
                    "    }\n"
                    "}\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            seen: set[int] = set()
            for route in cfg.routes:
                loc = route.location_block
                block = loc or route.server
                if block is None or id(block) in seen:
                    continue
                path = route.path or ""
                hosts = " ".join(
                    filter(
                        None,
                        [route.upstream.name if route.upstream else None]
                        + [t.host for t in route.targets],
                    )
                )
                if not (UPLOAD_PATH_RE.search(path) or UPLOAD_HOST_RE.search(hosts)):
                    continue
                if effective_value(stack, cfg, route.context, "client_max_body_size") is not None:
                    continue
                if uncertain_chain(cfg, route.context):
                    continue
                seen.add(id(block))
                what = f"location {path}" if loc is not None else "this server"
                yield self.finding(
                    route.directive.location,
                    f"{what} proxies to {route_label(route)} and looks like it takes uploads, "
                    "but client_max_body_size is nginx's default 1m: bodies over 1 MB get "
                    "413 Request Entity Too Large before reaching the app",
                    subject=what,
                    detail=block_subject(
                        UploadRoute, cfg, block, path=path, insert="client_max_body_size 50m;"
                    ),
                )
