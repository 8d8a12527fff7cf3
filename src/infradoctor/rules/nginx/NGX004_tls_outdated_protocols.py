"""NGX004: TLS 1.0/1.1 or SSLv2/v3 enabled."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.nginx._common import BlockSubject, block_subject, describe

OUTDATED = {"sslv2": "SSLv2", "sslv3": "SSLv3", "tlsv1": "TLSv1", "tlsv1.1": "TLSv1.1"}


@record(frozen=True, kw_only=True)
class OutdatedProtocols(BlockSubject):
    """The ssl_protocols directive and the outdated protocols it enables."""

    protocols: list[str] | None = None
    outdated: list[str] | None = None
    directive_file: str | None = None
    replace: list[int | None] | None = None


class TlsOutdatedProtocols(Rule):
    code = "NGX004"
    name = "tls-outdated-protocols"
    title = "ssl_protocols enables SSLv3, TLS 1.0 or TLS 1.1"
    severity = Severity.WARNING
    category = "nginx"
    why = (
        "TLS 1.0 and 1.1 were deprecated by RFC 8996 (2021) and SSLv3 is broken (POODLE). "
        "Browsers have refused them since 2020, so they only serve outdated or malicious "
        "clients and allow downgrade attacks; PCI DSS and most security scanners fail a "
        "host that offers them. Every client that matters speaks TLS 1.2 or 1.3."
    )
    how_to_fix = (
        "Offer only the current protocols:\n\n```nginx\nssl_protocols TLSv1.2 TLSv1.3;\n```"
        "\n\n(the default since nginx 1.23.4, so removing the line also works there)."
    )
    references = (
        "https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_protocols",
        "https://www.rfc-editor.org/rfc/rfc8996",
        "https://ssl-config.mozilla.org/",
    )
    examples = (
        Example(
            bad={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 443 ssl;\n"
                    "    ssl_certificate /etc/ssl/app.crt;\n"
                    "    ssl_certificate_key /etc/ssl/app.key;\n"
                    "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n"
                    "    location / { root /srv/www; }\n"
                    "}\n"
                )
            },
            good={
                "nginx/conf.d/app.conf": (
                    "server {\n"
                    "    listen 443 ssl;\n"
                    "    ssl_certificate /etc/ssl/app.crt;\n"
                    "    ssl_certificate_key /etc/ssl/app.key;\n"
                    "    ssl_protocols TLSv1.2 TLSv1.3;\n"
                    "    location / { root /srv/www; }\n"
                    "}\n"
                )
            },
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for cfg in stack.nginx:
            for d in cfg.find("ssl_protocols"):
                old = [OUTDATED[a.lower()] for a in d.args if a.lower() in OUTDATED]
                if not old:
                    continue
                yield self.finding(
                    d.location,
                    f"ssl_protocols in {describe(d.parent)} enables {', '.join(old)}: "
                    "deprecated protocols open the door to downgrade attacks and fail "
                    "compliance scans (use TLSv1.2 TLSv1.3)",
                    subject=describe(d.parent),
                    detail=block_subject(
                        OutdatedProtocols,
                        cfg,
                        d.parent,
                        protocols=list(d.args),
                        outdated=old,
                        directive_file=d.file,
                        replace=[d.location.offset, d.location.end_offset],
                    ),
                )
