"""PRF008: the production profile publishes nginx on port 80 only, with no TLS anywhere."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Service, Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.compose._util import service_subject
from infradoctor.rules.profiles._profiles import (
    PROD_PROFILES,
    image_repo,
    prod_profiles,
    services_in,
)

TLS_TERMINATORS = ("traefik", "caddy", "haproxy", "envoy", "cloudflared", "stunnel", "certbot")


def _is_nginx(svc: Service) -> bool:
    image = svc.image_name
    return "nginx" in image or "openresty" in image or "angie" in image


class ProdPlainHttpOnly(Rule):
    code = "PRF008"
    name = "prod-plain-http-only"
    title = "Production profile serves only plain HTTP"
    severity = Severity.INFO
    category = "security"
    why = (
        "Production runbooks require HTTPS. When the prod (or stage) profile publishes "
        "nginx on port 80, none of its configs listens with `ssl`, and nothing else in the "
        "stack can terminate TLS (no published 443, no Traefik/Caddy/HAProxy/cloudflared), "
        "logins and tokens cross the network in clear text. A TLS terminator outside the "
        "stack (a cloud load balancer) makes this fine, hence info."
    )
    how_to_fix = (
        "Terminate TLS in nginx (`listen 443 ssl;` with certificates, publish 443, redirect "
        "80 to HTTPS) or put the stack behind a TLS-terminating proxy or load balancer."
    )
    options = {"prod-profiles": list(PROD_PROFILES)}
    examples = (
        Example(
            bad={
                "compose.yaml": (
                    'services:\n  nginx:\n    image: nginx:1.27\n    ports: ["80:80"]\n'
                    '    volumes: ["./nginx.conf:/etc/nginx/conf.d/default.conf:ro"]\n'
                    "  tools:\n    image: ghcr.io/acme/tools:1.0\n    profiles: [prod]\n"
                ),
                "nginx.conf": "server {\n  listen 80;\n  location / { return 200; }\n}\n",
            },
            good={
                "compose.yaml": (
                    "services:\n  nginx:\n    image: nginx:1.27\n"
                    '    ports: ["80:80", "443:443"]\n'
                    '    volumes: ["./nginx.conf:/etc/nginx/conf.d/default.conf:ro"]\n'
                    "  tools:\n    image: ghcr.io/acme/tools:1.0\n    profiles: [prod]\n"
                ),
                "nginx.conf": (
                    "server {\n  listen 443 ssl;\n  ssl_certificate /c/fullchain.pem;\n"
                    "  ssl_certificate_key /c/key.pem;\n  location / { return 200; }\n}\n"
                ),
            },
            description="prod publishes nginx on 80 with no TLS anywhere.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        names = self.opts.get("prod-profiles") or PROD_PROFILES
        for project in stack.projects:
            hits: dict[str, list[str]] = {}  # service -> profiles
            for profile in prod_profiles(stack, project, names):
                running = services_in(project, profile)
                if any(p.target == 443 or p.published == 443 for s in running for p in s.ports):
                    continue
                if any(t in image_repo(s.image_name) for s in running for t in TLS_TERMINATORS):
                    continue
                if any(
                    "ssl" in d.args
                    or "quic" in d.args
                    or any(a.endswith(":443") or a == "443" for a in d.args)
                    for cfg in project.nginx
                    for d in cfg.find("listen")
                ):
                    continue
                for svc in running:
                    if _is_nginx(svc) and any(
                        p.target == 80 and p.published is not None for p in svc.ports
                    ):
                        hits.setdefault(svc.name, []).append(profile)
                        break
            for name, profiles in hits.items():
                svc = project.services[name]
                port80 = [p for p in svc.ports if p.target == 80 and p.published is not None]
                plural = "s" if len(profiles) > 1 else ""
                yield self.finding(
                    port80[0].location,
                    f"profile{plural} {', '.join(profiles)} publish{'' if plural else 'es'} "
                    f"nginx ('{svc.name}') on {port80[0].raw} and nothing in the stack "
                    "terminates TLS: production traffic is plain HTTP",
                    subject=svc.name,
                    detail=service_subject(svc),
                    profile=", ".join(profiles),
                )
