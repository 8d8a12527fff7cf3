"""NGX010: `location /x { alias /dir/; }` lets `/x../` escape the aliased directory."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import BlockSubject, block_subject


@record(frozen=True, kw_only=True)
class AliasTraversal(BlockSubject):
    """The location, its path and the alias it serves."""

    path: str | None = None
    alias: str | None = None


class AliasPathTraversal(Rule):
    code = "NGX010"
    name = "alias-path-traversal"
    title = "Prefix location without trailing slash uses alias with one (path traversal)"
    severity = Severity.WARNING
    category = "security"
    why = (
        "nginx replaces the matched location prefix with the alias path. With "
        "`location /static { alias /app/static/; }` a request for `/static../app.py` "
        "matches the location and maps to `/app/static/../app.py`: one directory above the "
        "intended one is readable, which usually holds source code, `.env` files or "
        'uploaded data. This is the classic "off-by-slash" misconfiguration.'
    )
    how_to_fix = (
        "Make the location and the alias agree on the trailing slash:\n\n"
        "```nginx\nlocation /static/ {\n    alias /app/static/;\n}\n```\n\n"
        "(or use `root` when the directory name equals the URL prefix)."
    )
    references = (
        "https://nginx.org/en/docs/http/ngx_http_core_module.html#alias",
        "https://github.com/yandex/gixy/blob/master/docs/en/plugins/aliastraversal.md",
    )
    examples = (
        Example(
            bad={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    location /static {\n"
                    "        alias /app/static/;\n"
                    "    }\n"
                    "}\n"
                )
            },
            good={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 80;\n"
                    "    location /static/ {\n"
                    "        alias /app/static/;\n"
                    "    }\n"
                    "    location = /favicon.ico {\n"
                    "        alias /app/static/favicon.ico;\n"
                    "    }\n"
                    "}\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            for loc in cfg.find("location"):
                args = loc.args
                if not args:
                    continue
                if args[0] in ("=", "~", "~*", "@") or args[0].startswith("@"):
                    continue
                path = args[1] if args[0] == "^~" and len(args) > 1 else args[0]
                if path.endswith("/") or not path.startswith("/"):
                    continue
                alias = loc.child("alias")
                if alias is None or not alias.args or not alias.args[0].endswith("/"):
                    continue
                yield self.finding(
                    alias.location,
                    f"location {path} (no trailing slash) uses alias {alias.args[0]} (with "
                    f"one): a request for {path}../ reads files one directory above "
                    f"{alias.args[0]}",
                    subject=f"location {path}",
                    detail=block_subject(AliasTraversal, cfg, loc, path=path, alias=alias.args[0]),
                )
